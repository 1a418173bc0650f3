package dev.nabla.examples.tutorial;

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
import dev.nabla.nn.Linear;
import dev.nabla.nn.Loss;
import dev.nabla.nn.MSELoss;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The classic backpropagation-tutorial network, written the way the PyTorch tutorials write it: a 2→4→4→1
 * multilayer perceptron (Linear, ReLU, Linear, ReLU, Linear) trained with mean squared error and plain SGD (lr 0.01,
 * batches of 5) by a {@link #trainEpoch} function and checked by an {@link #evaluate} function.
 *
 * <p>The data is synthetic regression: {@code x} uniform in {@code [-1, 1)^2} and
 * {@code y = x0·x1 + x0 + 0.5·x1 + noise} (noise std 0.05), so the network has a smooth non-linear function
 * to fit and the test loss cannot go below the noise variance (0.0025). Prints train and test loss per epoch.
 *
 * <pre>
 * java ... dev.nabla.examples.tutorial.TutorialNetwork --epochs 30 --seed 0 --train 500 --test 200
 * </pre>
 */
public final class TutorialNetwork {
    /** Standard deviation of the noise added to the targets. */
    static final double NOISE_STD = 0.05;

    private TutorialNetwork() {
    }

    /**
     * What one run does.
     *
     * @param epochs    passes over the training set
     * @param seed      seeds the data, the initial weights and the shuffling
     * @param train     training samples
     * @param test      test samples
     * @param batchSize samples per step (5 in the classic tutorial)
     * @param lr        SGD learning rate (0.01 in the classic tutorial)
     * @param device    where tensors live
     */
    public record Options(int epochs, long seed, int train, int test, int batchSize, double lr, Device device) {
        /** The classic tutorial's settings: 30 epochs, 500/200 samples, batch 5, lr 0.01, on the CPU. */
        public static Options defaults() {
            return new Options(30, 0, 500, 200, 5, 0.01, Device.CPU);
        }

    }

    /**
     * The losses of a run, one entry per epoch.
     *
     * @param trainLoss mean training loss over each epoch's steps (in training mode, while the weights move)
     * @param testLoss  test loss after each epoch
     */
    public record History(double[] trainLoss, double[] testLoss) {
        @Override
        public String toString() {
            return "History[train=" + Arrays.toString(trainLoss) + ", test=" + Arrays.toString(testLoss) + "]";
        }
    }

    /** The model: 2→4→4→1 with ReLU between the linear layers. */
    static Module buildModel(Generator gen, Device device) {
        return new Sequential(
                new Linear(2, 4, true, gen, DType.FLOAT32, device),
                new ReLU(),
                new Linear(4, 4, true, gen, DType.FLOAT32, device),
                new ReLU(),
                new Linear(4, 1, true, gen, DType.FLOAT32, device));
    }

    /**
     * One pass over {@code loader}, one optimizer step per batch: zero the gradients, forward, loss, backward, step.
     * Each step runs in its own {@link Scope}, so its activations and graph are released when the step ends.
     *
     * @return the mean loss over the epoch's samples
     */
    static double trainEpoch(Module model, DataLoader loader, Loss lossFn, Optimizer opt) {
        model.train();
        double total = 0;
        long count = 0;
        for (Batch batch : loader) {
            try (Scope step = Scope.open()) {
                opt.zeroGrad();
                Tensor pred = model.forward(batch.x());
                Tensor loss = lossFn.forward(pred, batch.y());
                loss.backward();
                opt.step();
                total += loss.item() * batch.size();
                count += batch.size();
            }
        }
        return total / count;
    }

    /**
     * The mean loss over {@code loader} in evaluation mode with gradient recording off.
     */
    static double evaluate(Module model, DataLoader loader, Loss lossFn) {
        model.eval();
        double total = 0;
        long count = 0;
        try (Grad off = Grad.disabled()) {
            for (Batch batch : loader) {
                try (Scope step = Scope.open()) {
                    Tensor loss = lossFn.forward(model.forward(batch.x()), batch.y());
                    total += loss.item() * batch.size();
                    count += batch.size();
                }
            }
        }
        return total / count;
    }

    /** {@code n} samples of {@code y = x0·x1 + x0 + 0.5·x1 + noise}, {@code x} uniform in [-1, 1)^2. */
    static TensorDataset makeData(Generator gen, int n, Device device) {
        try (Grad off = Grad.disabled()) {
            Tensor x = Tensor.uniform(gen, -1, 1, DType.FLOAT32, device, n, 2);
            Tensor x0 = x.narrow(1, 0, 1);
            Tensor x1 = x.narrow(1, 1, 1);
            Tensor noise = Tensor.normal(gen, 0, NOISE_STD, DType.FLOAT32, device, n, 1);
            Tensor y = x0.mul(x1).add(x0).add(x1.mul(0.5)).add(noise);
            return new TensorDataset(x, y);
        }
    }

    /**
     * Trains the tutorial network as {@code options} say, printing one line per epoch to {@code log} (null: silent).
     *
     * @return train and test loss per epoch
     */
    public static History train(Options options, PrintStream log) {
        if (options.epochs < 1 || options.train < 1 || options.test < 1) {
            throw new IllegalArgumentException("epochs, train and test must be >= 1, got " + options);
        }
        Generator gen = new Generator(options.seed);
        double[] trainLoss = new double[options.epochs];
        double[] testLoss = new double[options.epochs];
        // The data scope owns the datasets' tensors for the whole run; model and optimizer own theirs.
        try (Scope data = Scope.open();
             Module model = buildModel(gen, options.device);
             Optimizer opt = new SGD(model.parameters(), options.lr)) {
            TensorDataset trainSet = makeData(gen, options.train, options.device);
            TensorDataset testSet = makeData(gen, options.test, options.device);
            DataLoader trainLoader = DataLoader.builder(trainSet).batchSize(options.batchSize)
                    .shuffle(gen.split()).build();
            DataLoader testLoader = DataLoader.builder(testSet).batchSize(options.batchSize).build();
            Loss lossFn = new MSELoss();
            if (log != null) {
                log.println(model);
                log.printf(Locale.ROOT, "2-4-4-1 tutorial network: %d train / %d test samples, batch %d, SGD lr %s, %s%n",
                        options.train, options.test, options.batchSize, options.lr, options.device);
            }
            for (int epoch = 0; epoch < options.epochs; epoch++) {
                trainLoss[epoch] = trainEpoch(model, trainLoader, lossFn, opt);
                testLoss[epoch] = evaluate(model, testLoader, lossFn);
                if (log != null) {
                    log.printf(Locale.ROOT, "epoch %3d  train loss %.6f  test loss %.6f%n",
                            epoch + 1, trainLoss[epoch], testLoss[epoch]);
                }
            }
        }
        return new History(trainLoss, testLoss);
    }

    /** The command line: every field of {@link Options} as an option, with the defaults of {@link Options#defaults}. */
    @Command(name = "tutorial-network", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
            showDefaultValues = true, description = "Train the classic backpropagation-tutorial network (2->4->4->1, ReLU, MSE, SGD) "
            + "on a synthetic regression task.")
    public static final class Program implements Callable<Integer> {
        private static final Options DEFAULTS = Options.defaults();

        @Option(names = "--epochs", converter = Checks.PositiveInt.class)
        int epochs = DEFAULTS.epochs;
        @Option(names = "--seed", description = "seeds the data, the initial weights and the shuffling")
        long seed = DEFAULTS.seed;
        @Option(names = "--train", converter = Checks.PositiveInt.class, description = "training samples")
        int train = DEFAULTS.train;
        @Option(names = "--test", converter = Checks.PositiveInt.class, description = "test samples")
        int test = DEFAULTS.test;
        @Option(names = "--batch-size", converter = Checks.PositiveInt.class)
        int batchSize = DEFAULTS.batchSize;
        @Option(names = "--lr", converter = Checks.NonNegative.class, description = "SGD learning rate")
        double lr = DEFAULTS.lr;
        @Option(names = "--device", converter = Checks.DeviceName.class, description = "cpu, java, cuda or cuda:N")
        Device device = DEFAULTS.device;

        /** The parsed options. */
        Options options() {
            return new Options(epochs, seed, train, test, batchSize, lr, device);
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
