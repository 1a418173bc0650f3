package dev.nabla.examples.sequence;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.data.Batch;
import dev.nabla.data.DataLoader;
import dev.nabla.data.TensorDataset;
import dev.nabla.examples.cli.Checks;
import dev.nabla.examples.cli.Cli;
import dev.nabla.examples.cli.ProjectVersion;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Loss;
import dev.nabla.nn.MSELoss;
import dev.nabla.nn.Module;
import dev.nabla.nn.RnnOutput;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.ClipGrad;
import dev.nabla.optim.Optimizer;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * An LSTM on the adding problem (Hochreiter and Schmidhuber, 1997), a synthetic task that needs memory over the
 * whole sequence: each input step is a pair {@code (value, marker)} with the value uniform in [0, 1); exactly two
 * steps are marked (one in each half of the sequence), and the target is the sum of the two marked values. A model
 * that ignores the markers can do no better than predicting the mean, 1.0, a mean squared error of
 * {@code 2/12 ≈ 0.167}; a model that has learned the task goes far below that.
 *
 * <p>The gradient reaches the early marked value only through backpropagation through time over all the steps, so
 * its norm varies a lot from step to step: typically 0.1-0.5, it spikes (to 7.5 with the defaults) in the epoch
 * where the network discovers the markers and the loss falls off its plateau. Global-norm clipping
 * ({@code ClipGrad.norm(params, 1.0)}) before each AdamW step bounds the update those spikes cause. With the
 * defaults AdamW also converges without it; at higher learning rates it makes the difference (with
 * {@code --seq-len 20 --lr 0.05}, 6 of 6 seeds solved the task within 10 epochs with clipping, 4 of 6 without).
 * Each epoch prints the train and test loss and the gradient norm measured before clipping ({@code --clip 0}
 * measures it without clipping, to compare).
 *
 * <pre>
 * java ... dev.nabla.examples.sequence.LstmSequence --epochs 20 --seq-len 50 --seed 0
 * </pre>
 */
public final class LstmSequence {
    private LstmSequence() {
    }

    /**
     * What one run does.
     *
     * @param epochs      passes over the training set
     * @param seed        seeds data, weights and shuffling
     * @param seqLen      steps per sequence ({@code T})
     * @param train       training sequences
     * @param test        test sequences
     * @param batchSize   sequences per step
     * @param hidden      LSTM hidden size
     * @param lr          AdamW learning rate
     * @param maxGradNorm global L2 norm the gradients are clipped to; 0 or less: measured, not clipped
     * @param device      where tensors live
     */
    public record Options(int epochs, long seed, int seqLen, int train, int test, int batchSize, int hidden,
                          double lr, double maxGradNorm, Device device) {
        /** 20 epochs of 2,048 sequences of length 50, hidden size 32, batch 32, AdamW lr 1e-2, clip at 1.0. */
        public static Options defaults() {
            return new Options(20, 0, 50, 2048, 512, 32, 32, 1e-2, 1.0, Device.CPU);
        }

        /** A copy with other epochs, sizes and learning rate (what tests vary). */
        public Options with(int epochs, int seqLen, int train, int test, double lr) {
            return new Options(epochs, seed, seqLen, train, test, batchSize, hidden, lr, maxGradNorm, device);
        }

    }

    /**
     * Per-epoch results.
     *
     * @param trainLoss   mean training loss over each epoch's steps
     * @param testLoss    test loss after each epoch
     * @param maxGradNorm largest gradient norm before clipping in each epoch
     */
    public record History(double[] trainLoss, double[] testLoss, double[] maxGradNorm) {
        @Override
        public String toString() {
            return "History[train=" + Arrays.toString(trainLoss) + ", test=" + Arrays.toString(testLoss)
                    + ", maxGradNorm=" + Arrays.toString(maxGradNorm) + "]";
        }
    }

    /** A one-layer batch-first LSTM read out by a linear layer from its final hidden state. */
    static final class AddingModel extends Module {
        private final LSTM lstm;
        private final Linear head;

        AddingModel(int hidden, Generator gen, Device device) {
            lstm = registerModule("lstm", new LSTM(2, hidden, 1, true, true, 0.0, gen, DType.FLOAT32, device));
            head = registerModule("head", new Linear(hidden, 1, true, gen, DType.FLOAT32, device));
        }

        /** {@code x [B, T, 2]} to predictions {@code [B, 1]}. */
        @Override
        public Tensor forward(Tensor x) {
            RnnOutput r = lstm.forward(x, null, null);
            return head.forward(r.h().select(0, 0));
        }
    }

    /**
     * {@code n} adding-problem sequences: inputs {@code [n, T, 2]} of (value, marker), targets {@code [n, 1]}, the
     * sum of the two marked values (one marker in the first half of the sequence, one in the second).
     */
    static TensorDataset makeAdding(Generator gen, int n, int seqLen, Device device) {
        if (seqLen < 2) {
            throw new IllegalArgumentException("the adding problem needs sequences of at least 2 steps, got " + seqLen);
        }
        double[] xs = new double[n * seqLen * 2];
        double[] ys = new double[n];
        int half = seqLen / 2;
        for (int i = 0; i < n; i++) {
            int first = gen.nextInt(half);
            int second = half + gen.nextInt(seqLen - half);
            for (int t = 0; t < seqLen; t++) {
                int at = (i * seqLen + t) * 2;
                xs[at] = gen.nextDouble();
                if (t == first || t == second) {
                    xs[at + 1] = 1;
                    ys[i] += xs[at];
                }
            }
        }
        return new TensorDataset(Tensor.of(xs, DType.FLOAT32, device, n, seqLen, 2),
                Tensor.of(ys, DType.FLOAT32, device, n, 1));
    }

    /** Mean training loss of one epoch; adds each step's pre-clip gradient norm to {@code gradNorms}. */
    static double trainEpoch(Module model, DataLoader loader, Loss lossFn, Optimizer opt, double maxGradNorm,
                             List<Double> gradNorms) {
        model.train();
        double clipAt = maxGradNorm > 0 ? maxGradNorm : Double.POSITIVE_INFINITY;
        double total = 0;
        long count = 0;
        for (Batch batch : loader) {
            try (Scope step = Scope.open()) {
                opt.zeroGrad();
                Tensor loss = lossFn.forward(model.forward(batch.x()), batch.y());
                loss.backward();
                gradNorms.add(ClipGrad.norm(model.parameters(), clipAt));  // the norm before clipping
                opt.step();
                total += loss.item() * batch.size();
                count += batch.size();
            }
        }
        return total / count;
    }

    /** Mean loss over {@code loader} in evaluation mode, without recording a graph. */
    static double evaluate(Module model, DataLoader loader, Loss lossFn) {
        model.eval();
        double total = 0;
        long count = 0;
        try (Grad off = Grad.disabled()) {
            for (Batch batch : loader) {
                try (Scope step = Scope.open()) {
                    total += lossFn.forward(model.forward(batch.x()), batch.y()).item() * batch.size();
                    count += batch.size();
                }
            }
        }
        return total / count;
    }

    /**
     * Trains the LSTM as {@code options} say, printing one line per epoch to {@code log} (null: silent).
     *
     * @return the per-epoch history
     */
    public static History train(Options o, PrintStream log) {
        if (o.epochs < 1 || o.train < 1 || o.test < 1) {
            throw new IllegalArgumentException("epochs, train and test must be >= 1, got " + o);
        }
        Generator gen = new Generator(o.seed);
        History h = new History(new double[o.epochs], new double[o.epochs], new double[o.epochs]);
        try (Scope data = Scope.open();
             Module model = new AddingModel(o.hidden, gen, o.device);
             Optimizer opt = new AdamW(model.parameters(), o.lr, 0.0)) {
            TensorDataset trainSet = makeAdding(gen, o.train, o.seqLen, o.device);
            TensorDataset testSet = makeAdding(gen, o.test, o.seqLen, o.device);
            DataLoader trainLoader = DataLoader.builder(trainSet).batchSize(o.batchSize).shuffle(gen.split()).build();
            DataLoader testLoader = DataLoader.builder(testSet).batchSize(256).build();
            Loss lossFn = new MSELoss();
            if (log != null) {
                log.println(model);
                log.printf(Locale.ROOT, "adding problem, T=%d: %d train / %d test sequences, batch %d, AdamW lr %s, %s,"
                        + " %s; predicting the mean scores 0.167%n", o.seqLen, o.train, o.test, o.batchSize, o.lr,
                        o.maxGradNorm > 0 ? "clip at " + o.maxGradNorm : "no clipping", o.device);
            }
            for (int epoch = 0; epoch < o.epochs; epoch++) {
                List<Double> norms = new ArrayList<>();
                h.trainLoss[epoch] = trainEpoch(model, trainLoader, lossFn, opt, o.maxGradNorm, norms);
                h.testLoss[epoch] = evaluate(model, testLoader, lossFn);
                double mean = norms.stream().mapToDouble(Double::doubleValue).average().orElse(0);
                double max = norms.stream().mapToDouble(Double::doubleValue).max().orElse(0);
                long clipped = o.maxGradNorm > 0 ? norms.stream().filter(n -> n > o.maxGradNorm).count() : 0;
                h.maxGradNorm[epoch] = max;
                if (log != null) {
                    log.printf(Locale.ROOT, "epoch %3d  train loss %.5f  test loss %.5f  grad norm before clip: mean"
                            + " %.3f max %.3f (%d/%d steps clipped)%n", epoch + 1, h.trainLoss[epoch],
                            h.testLoss[epoch], mean, max, clipped, norms.size());
                }
            }
        }
        return h;
    }

    /** The command line: every field of {@link Options} as an option, with the defaults of {@link Options#defaults}. */
    @Command(name = "lstm-sequence", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
            showDefaultValues = true, description = "Train an LSTM on the adding problem.")
    public static final class Program implements Callable<Integer> {
        private static final Options DEFAULTS = Options.defaults();

        @Option(names = "--epochs", converter = Checks.PositiveInt.class)
        int epochs = DEFAULTS.epochs;
        @Option(names = "--seed", description = "seeds data, weights and shuffling")
        long seed = DEFAULTS.seed;
        @Option(names = "--seq-len", converter = Checks.PositiveInt.class, description = "steps per sequence (>= 2)")
        int seqLen = DEFAULTS.seqLen;
        @Option(names = "--train", converter = Checks.PositiveInt.class, description = "training sequences")
        int train = DEFAULTS.train;
        @Option(names = "--test", converter = Checks.PositiveInt.class, description = "test sequences")
        int test = DEFAULTS.test;
        @Option(names = "--batch-size", converter = Checks.PositiveInt.class)
        int batchSize = DEFAULTS.batchSize;
        @Option(names = "--hidden", converter = Checks.PositiveInt.class, description = "LSTM hidden size")
        int hidden = DEFAULTS.hidden;
        @Option(names = "--lr", converter = Checks.NonNegative.class, description = "AdamW learning rate")
        double lr = DEFAULTS.lr;
        @Option(names = "--clip", converter = Checks.NonNegative.class,
                description = "global gradient norm to clip to; 0: measured, not clipped")
        double maxGradNorm = DEFAULTS.maxGradNorm;
        @Option(names = "--device", converter = Checks.DeviceName.class, description = "cpu, java, cuda or cuda:N")
        Device device = DEFAULTS.device;

        /** The parsed options. */
        Options options() {
            return new Options(epochs, seed, seqLen, train, test, batchSize, hidden, lr, maxGradNorm, device);
        }

        @Override
        public Integer call() {
            train(options(), System.out);
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new Program(), args));
    }
}
