package dev.nabla.examples.residual;

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
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Loss;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.ResidualBlock;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.ClipGrad;
import dev.nabla.optim.CosineAnnealingLR;
import dev.nabla.optim.LRScheduler;
import dev.nabla.optim.LinearLR;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SequentialLR;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A residual MLP classifying two interleaved spirals, showing the parts of a modern training loop together:
 * residual blocks of {@code Linear → BatchNorm1d → ReLU → Dropout → Linear → BatchNorm1d} with a ReLU after the
 * sum, AdamW (decoupled weight decay), a learning rate that warms up linearly and then follows a cosine
 * ({@link SequentialLR} of {@link LinearLR} and {@link CosineAnnealingLR}, stepped once per batch), and
 * global-norm gradient clipping ({@link ClipGrad#norm}) before every optimizer step.
 *
 * <p>Each epoch prints the train loss, the test loss and accuracy (evaluation mode: BatchNorm uses its running
 * statistics, Dropout is off), the learning rate, and the gradient norm measured before clipping (mean and largest
 * over the epoch's steps, and how many steps were clipped).
 *
 * <pre>
 * java ... dev.nabla.examples.residual.ResidualMlp --epochs 40 --seed 0 --train 512 --test 256
 * </pre>
 */
public final class ResidualMlp {
    private ResidualMlp() {
    }

    /**
     * What one run does.
     *
     * @param epochs       passes over the training set
     * @param seed         seeds data, weights, dropout masks and shuffling
     * @param train        training points (half per spiral)
     * @param test         test points
     * @param batchSize    points per step (the last, smaller batch is dropped so BatchNorm always sees a batch)
     * @param width        features inside the residual blocks
     * @param blocks       number of residual blocks
     * @param dropout      dropout probability inside each block
     * @param lr           peak learning rate (reached after the warm-up)
     * @param weightDecay  AdamW's decoupled weight decay
     * @param warmupFrac   fraction of all steps spent warming up linearly from lr/10 (at least one step)
     * @param maxGradNorm  global L2 norm the gradients are clipped to
     * @param noise        standard deviation of the noise added to the spiral points
     * @param device       where tensors live
     */
    public record Options(int epochs, long seed, int train, int test, int batchSize, int width, int blocks,
                          double dropout, double lr, double weightDecay, double warmupFrac, double maxGradNorm,
                          double noise, Device device) {
        /** 40 epochs over 512 points (noise 0.05), 2 blocks of width 64, AdamW lr 1e-2, 10% warm-up, clip at 1.0. */
        public static Options defaults() {
            return new Options(40, 0, 512, 256, 32, 64, 2, 0.1, 1e-2, 1e-2, 0.1, 1.0, 0.05, Device.CPU);
        }

        /** A copy with other epochs, sizes and learning rate (what tests vary). */
        public Options with(int epochs, int train, int test, double lr) {
            return new Options(epochs, seed, train, test, batchSize, width, blocks, dropout, lr, weightDecay,
                    warmupFrac, maxGradNorm, noise, device);
        }

    }

    /**
     * Per-epoch results.
     *
     * @param trainLoss    mean training loss over each epoch's steps
     * @param testLoss     test loss after each epoch (evaluation mode)
     * @param testAccuracy fraction of test points classified correctly after each epoch
     * @param maxGradNorm  largest gradient norm before clipping in each epoch
     */
    public record History(double[] trainLoss, double[] testLoss, double[] testAccuracy, double[] maxGradNorm) {
        @Override
        public String toString() {
            return "History[train=" + Arrays.toString(trainLoss) + ", test=" + Arrays.toString(testLoss)
                    + ", accuracy=" + Arrays.toString(testAccuracy) + "]";
        }
    }

    /**
     * {@code Linear(2, w) → ReLU → blocks × ResidualBlock → Linear(w, 2)}; each block computes
     * {@code relu(x + BN(Linear(Dropout(relu(BN(Linear(x)))))))}.
     */
    static Module buildModel(Options o, Generator gen) {
        List<Module> layers = new ArrayList<>();
        layers.add(new Linear(2, o.width, true, gen, DType.FLOAT32, o.device));
        layers.add(new ReLU());
        for (int b = 0; b < o.blocks; b++) {
            Module body = new Sequential(
                    new Linear(o.width, o.width, true, gen, DType.FLOAT32, o.device),
                    batchNorm(o),
                    new ReLU(),
                    new Dropout(o.dropout, gen.split()),
                    new Linear(o.width, o.width, true, gen, DType.FLOAT32, o.device),
                    batchNorm(o));
            layers.add(new ResidualBlock(body, null, new ReLU()));
        }
        layers.add(new Linear(o.width, 2, true, gen, DType.FLOAT32, o.device));
        return new Sequential(layers.toArray(Module[]::new));
    }

    private static BatchNorm1d batchNorm(Options o) {
        return new BatchNorm1d(o.width, 1e-5, 0.1, true, true, DType.FLOAT32, o.device);
    }

    /**
     * {@code n} points of two interleaved spirals (class 0 and class 1, alternating), each 1.5 turns long, with
     * Gaussian noise of std {@code noise}; targets are class indices.
     */
    static TensorDataset makeSpirals(Generator gen, int n, double noise, Device device) {
        double[] xs = new double[2 * n];
        long[] ys = new long[n];
        for (int i = 0; i < n; i++) {
            int cls = i % 2;
            double t = Math.sqrt(gen.nextDouble());         // denser towards the outside, like the classic set
            double angle = t * 3 * Math.PI + cls * Math.PI;  // 1.5 turns; class 1 is class 0 rotated by 180°
            double r = 0.1 + 0.9 * t;
            xs[2 * i] = r * Math.cos(angle) + noise * gen.nextGaussian();
            xs[2 * i + 1] = r * Math.sin(angle) + noise * gen.nextGaussian();
            ys[i] = cls;
        }
        Tensor x = Tensor.of(xs, DType.FLOAT32, device, n, 2);
        Tensor y = Tensor.of(ys, DType.INT64, device, n);
        return new TensorDataset(x, y);
    }

    /** Mean training loss of one epoch; adds each step's pre-clip gradient norm to {@code gradNorms}. */
    static double trainEpoch(Module model, DataLoader loader, Loss lossFn, Optimizer opt, LRScheduler sched,
                             double maxGradNorm, List<Double> gradNorms) {
        model.train();
        double total = 0;
        long count = 0;
        for (Batch batch : loader) {
            try (Scope step = Scope.open()) {
                opt.zeroGrad();
                Tensor loss = lossFn.forward(model.forward(batch.x()), batch.y());
                loss.backward();
                gradNorms.add(ClipGrad.norm(model.parameters(), maxGradNorm));  // the norm before clipping
                opt.step();
                sched.step();
                total += loss.item() * batch.size();
                count += batch.size();
            }
        }
        return total / count;
    }

    /** Test loss and accuracy in evaluation mode, without recording a graph. */
    static double[] evaluate(Module model, DataLoader loader, Loss lossFn) {
        model.eval();
        double total = 0;
        double correct = 0;
        long count = 0;
        try (Grad off = Grad.disabled()) {
            for (Batch batch : loader) {
                try (Scope step = Scope.open()) {
                    Tensor logits = model.forward(batch.x());
                    total += lossFn.forward(logits, batch.y()).item() * batch.size();
                    correct += logits.argmax(1, false).eq(batch.y()).sum().item();
                    count += batch.size();
                }
            }
        }
        return new double[] {total / count, correct / count};
    }

    /**
     * Trains the residual MLP as {@code options} say, printing one line per epoch to {@code log} (null: silent).
     *
     * @return the per-epoch history
     */
    public static History train(Options o, PrintStream log) {
        if (o.epochs < 1 || o.train < o.batchSize || o.test < 1 || o.batchSize < 2) {
            throw new IllegalArgumentException("need epochs >= 1, train >= batch size >= 2 and test >= 1, got " + o);
        }
        Generator gen = new Generator(o.seed);
        History h = new History(new double[o.epochs], new double[o.epochs], new double[o.epochs],
                new double[o.epochs]);
        try (Scope data = Scope.open();
             Module model = buildModel(o, gen);
             Optimizer opt = new AdamW(model.parameters(), o.lr, o.weightDecay)) {
            TensorDataset trainSet = makeSpirals(gen, o.train, o.noise, o.device);
            TensorDataset testSet = makeSpirals(gen, o.test, o.noise, o.device);
            DataLoader trainLoader = DataLoader.builder(trainSet).batchSize(o.batchSize).dropLast(true)
                    .shuffle(gen.split()).build();
            DataLoader testLoader = DataLoader.builder(testSet).batchSize(256).build();

            // The schedule steps once per batch: linear warm-up from lr/10, then cosine down to 0 at the last step.
            int totalSteps = Math.toIntExact(o.epochs * trainLoader.batchesPerEpoch());
            int warmup = Math.max(1, Math.min(totalSteps - 1, (int) Math.round(o.warmupFrac * totalSteps)));
            LRScheduler sched = new SequentialLR(opt, List.of(
                    new LinearLR(opt, 0.1, 1.0, warmup),
                    new CosineAnnealingLR(opt, Math.max(1, totalSteps - warmup))), warmup);
            Loss lossFn = new CrossEntropyLoss();
            if (log != null) {
                log.println(model);
                log.printf(Locale.ROOT, "residual MLP on two spirals: %d train / %d test points, batch %d, AdamW lr %s"
                        + " wd %s, warm-up %d of %d steps then cosine, clip at %s, %s%n", o.train, o.test,
                        o.batchSize, o.lr, o.weightDecay, warmup, totalSteps, o.maxGradNorm, o.device);
            }
            for (int epoch = 0; epoch < o.epochs; epoch++) {
                List<Double> norms = new ArrayList<>();
                h.trainLoss[epoch] = trainEpoch(model, trainLoader, lossFn, opt, sched, o.maxGradNorm, norms);
                double[] test = evaluate(model, testLoader, lossFn);
                h.testLoss[epoch] = test[0];
                h.testAccuracy[epoch] = test[1];
                double mean = norms.stream().mapToDouble(Double::doubleValue).average().orElse(0);
                double max = norms.stream().mapToDouble(Double::doubleValue).max().orElse(0);
                long clipped = norms.stream().filter(n -> n > o.maxGradNorm).count();
                h.maxGradNorm[epoch] = max;
                if (log != null) {
                    log.printf(Locale.ROOT, "epoch %3d  train loss %.4f  test loss %.4f  test acc %5.1f%%  lr %.2e"
                            + "  grad norm before clip: mean %.3f max %.3f (%d/%d steps clipped)%n",
                            epoch + 1, h.trainLoss[epoch], test[0], 100 * test[1], opt.paramGroups().get(0).lr(),
                            mean, max, clipped, norms.size());
                }
            }
        }
        return h;
    }

    /** The command line: every field of {@link Options} as an option, with the defaults of {@link Options#defaults}. */
    @Command(name = "residual-mlp", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
            showDefaultValues = true, description = "Train a residual MLP on two interleaved spirals.")
    public static final class Program implements Callable<Integer> {
        private static final Options DEFAULTS = Options.defaults();

        @Spec
        CommandSpec spec;
        @Option(names = "--epochs", converter = Checks.PositiveInt.class)
        int epochs = DEFAULTS.epochs;
        @Option(names = "--seed", description = "seeds data, weights, dropout masks and shuffling")
        long seed = DEFAULTS.seed;
        @Option(names = "--train", converter = Checks.PositiveInt.class,
                description = "training points (at least one batch)")
        int train = DEFAULTS.train;
        @Option(names = "--test", converter = Checks.PositiveInt.class, description = "test points")
        int test = DEFAULTS.test;
        @Option(names = "--batch-size", converter = Checks.PositiveInt.class,
                description = "points per step, at least 2 (BatchNorm needs a batch)")
        int batchSize = DEFAULTS.batchSize;
        @Option(names = "--width", converter = Checks.PositiveInt.class, description = "features inside the blocks")
        int width = DEFAULTS.width;
        @Option(names = "--blocks", converter = Checks.PositiveInt.class, description = "residual blocks")
        int blocks = DEFAULTS.blocks;
        @Option(names = "--dropout", converter = Checks.Fraction.class, description = "dropout probability")
        double dropout = DEFAULTS.dropout;
        @Option(names = "--lr", converter = Checks.NonNegative.class, description = "peak learning rate")
        double lr = DEFAULTS.lr;
        @Option(names = "--weight-decay", converter = Checks.NonNegative.class, description = "AdamW's weight decay")
        double weightDecay = DEFAULTS.weightDecay;
        @Option(names = "--warmup", converter = Checks.Fraction.class,
                description = "fraction of the steps spent warming up")
        double warmupFrac = DEFAULTS.warmupFrac;
        @Option(names = "--clip", converter = Checks.NonNegative.class,
                description = "global gradient norm to clip to")
        double maxGradNorm = DEFAULTS.maxGradNorm;
        @Option(names = "--noise", converter = Checks.NonNegative.class,
                description = "standard deviation of the noise on the points")
        double noise = DEFAULTS.noise;
        @Option(names = "--device", converter = Checks.DeviceName.class, description = "cpu, java, cuda or cuda:N")
        Device device = DEFAULTS.device;

        /** The parsed options; the checks between options are usage errors too. */
        Options options() {
            if (batchSize < 2) {
                throw new ParameterException(spec.commandLine(), "--batch-size must be at least 2 (BatchNorm), got "
                        + batchSize);
            }
            if (train < batchSize) {
                throw new ParameterException(spec.commandLine(), "--train (" + train
                        + ") must be at least --batch-size (" + batchSize + ")");
            }
            return new Options(epochs, seed, train, test, batchSize, width, blocks, dropout, lr, weightDecay,
                    warmupFrac, maxGradNorm, noise, device);
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
