package dev.nabla.benchmarks;

import dev.nabla.Autocast;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Loss;
import dev.nabla.nn.MSELoss;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.util.Arrays;
import java.util.Locale;

/**
 * The three training workloads of {@code benchmarks/COMPARE.md}, built with Nabla's public API the way the examples
 * build them: model, loss, optimizer and one fixed batch, ready for {@link TrainingStep#step()}.
 *
 * <ul>
 *   <li>{@link Workload#SEED}: 2-4-4-1 MLP with ReLU, MSE, plain SGD lr 0.01, batch 5 ({@code examples/.../seed}).
 *   <li>{@link Workload#MLP}: 784-512-256-10 with ReLU, no dropout, cross-entropy, SGD lr 0.01 momentum 0.9,
 *       batch 128 of {@code [784]}.
 *   <li>{@link Workload#CNN}: exactly {@code examples/.../fashion/Models.cnn} (two conv+BatchNorm+ReLU+maxpool
 *       blocks, 3136-256-10 with BatchNorm1d and Dropout(0.3)), cross-entropy, SGD lr 0.01 momentum 0.9, batch 128 of
 *       {@code [1, 28, 28]}.
 * </ul>
 *
 * <p>Inputs are {@code U[0, 1)}, class labels uniform in {@code 0..9} (int64 class indices, as PyTorch's
 * cross-entropy takes them), regression targets {@code U[0, 1)}. Parameters use the layers' default initialisation.
 */
public final class Workloads {
    /** Seeds weights, dropout masks and the batch, so that every run trains the same numbers. */
    static final long SEED = 0;

    private Workloads() {
    }

    /** A training workload of COMPARE.md, by its short name ({@code seed}, {@code mlp}, {@code cnn}). */
    public enum Workload {
        /** {@code step_seed}. */
        SEED,
        /** {@code step_mlp}. */
        MLP,
        /** {@code step_cnn}. */
        CNN;

        /** The short name: {@code seed}, {@code mlp} or {@code cnn}. */
        public String shortName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** COMPARE.md's workload name: {@code step_seed}, {@code step_mlp} or {@code step_cnn}. */
        public String compareName() {
            return "step_" + shortName();
        }

        /**
         * Parses {@code seed}, {@code mlp}, {@code cnn}, or the same with COMPARE.md's {@code step_} prefix.
         *
         * @throws IllegalArgumentException for any other name, listing the valid ones
         */
        public static Workload parse(String name) {
            String n = name.strip().toLowerCase(Locale.ROOT);
            if (n.startsWith("step_")) {
                n = n.substring("step_".length());
            }
            for (Workload w : values()) {
                if (w.shortName().equals(n)) {
                    return w;
                }
            }
            throw new IllegalArgumentException("unknown training workload '" + name + "', expected one of "
                    + Arrays.stream(values()).map(Workload::shortName).toList());
        }
    }

    /** Builds {@code workload}'s model, optimizer and fixed batch on {@code device}. */
    public static TrainingStep build(Workload workload, Device device) {
        Generator g = new Generator(SEED);
        // Detached: the step owns its tensors and closes them, whatever scope the caller has open.
        return Scope.detached(() -> switch (workload) {
            case SEED -> new TrainingStep(seed(g), new MSELoss(),
                    uniform(g, device, 5, 2), uniform(g, device, 5, 1), 0.0, device);
            case MLP -> new TrainingStep(mlp(g), new CrossEntropyLoss(),
                    uniform(g, device, 128, 784), labels(g, device, 128), 0.9, device);
            case CNN -> new TrainingStep(cnn(g), new CrossEntropyLoss(),
                    uniform(g, device, 128, 1, 28, 28), labels(g, device, 128), 0.9, device);
        });
    }

    /** {@code Linear(2,4) ReLU Linear(4,4) ReLU Linear(4,1)}, as {@code TutorialNetwork.buildModel}. */
    static Module seed(Generator g) {
        return new Sequential(
                new Linear(2, 4, true, g, DType.FLOAT32, Device.CPU), new ReLU(),
                new Linear(4, 4, true, g, DType.FLOAT32, Device.CPU), new ReLU(),
                new Linear(4, 1, true, g, DType.FLOAT32, Device.CPU));
    }

    /** {@code Linear(784,512) ReLU Linear(512,256) ReLU Linear(256,10)}: the example's MLP without its dropout. */
    static Module mlp(Generator g) {
        return new Sequential(
                new Linear(784, 512, true, g, DType.FLOAT32, Device.CPU), new ReLU(),
                new Linear(512, 256, true, g, DType.FLOAT32, Device.CPU), new ReLU(),
                new Linear(256, 10, true, g, DType.FLOAT32, Device.CPU));
    }

    /** A copy of {@code examples/.../fashion/Models.cnn} (which is package-private there). */
    static Module cnn(Generator g) {
        int[] k3 = {3, 3};
        int[] s1 = {1, 1};
        int[] p1 = {1, 1};
        return new Sequential(
                new Conv2d(1, 32, k3, s1, p1, s1, 1, false, g, DType.FLOAT32, Device.CPU),
                new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, k3, s1, p1, s1, 1, false, g, DType.FLOAT32, Device.CPU),
                new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * 7 * 7, 256, false, g, DType.FLOAT32, Device.CPU), new BatchNorm1d(256), new ReLU(),
                new Dropout(0.3, g.split()),
                new Linear(256, 10, true, g, DType.FLOAT32, Device.CPU));
    }

    private static Tensor uniform(Generator g, Device device, long... shape) {
        return Tensor.uniform(g, 0, 1, DType.FLOAT32, device, shape);
    }

    /** {@code n} class indices uniform in {@code 0..9}. */
    private static Tensor labels(Generator g, Device device, int n) {
        long[] classes = new long[n];
        for (int i = 0; i < n; i++) {
            classes[i] = g.nextInt(10);
        }
        return Tensor.of(classes, DType.INT64, device, n);
    }

    /**
     * One workload ready to train: a model in training mode, its SGD optimizer, the loss, and one fixed batch. Each
     * {@link #step()} is one full training step as a user's loop writes it. Close it to release everything.
     */
    public static final class TrainingStep implements AutoCloseable {
        private final Module model;
        private final Loss loss;
        private final Optimizer optimizer;
        private final Tensor x;
        private final Tensor y;
        /** The mixed-precision dtype of the forward pass, or null for float32. */
        private DType autocast;

        /** Takes ownership of {@code model} (built on the CPU, moved to {@code device}) and the batch. */
        TrainingStep(Module model, Loss loss, Tensor x, Tensor y, double momentum, Device device) {
            // As the examples do: build, move to the device, then make the optimizer over the moved parameters.
            this.model = model.to(device);
            this.model.train();
            this.loss = loss;
            this.optimizer = new SGD(this.model.parameters(), 0.01, momentum, 0, 0, false);
            this.x = x;
            this.y = y;
        }

        /** Runs the forward pass (model and loss) under {@link Autocast} in {@code dtype}; null for float32. */
        public TrainingStep autocast(DType dtype) {
            this.autocast = dtype;
            return this;
        }

        /**
         * Zero the gradients, forward, loss, backward, optimizer step, in a {@link Scope} that releases the step's
         * activations and graph, exactly like the examples' training loops.
         *
         * @return the loss before the update, read to the host as a user's loop does
         */
        public double step() {
            try (Scope step = Scope.open()) {
                optimizer.zeroGrad();
                Tensor l;
                try (Autocast region = autocast == null ? Autocast.disable() : Autocast.enable(autocast)) {
                    l = loss.forward(model.forward(x), y);
                }
                l.backward();
                optimizer.step();
                return l.item();
            }
        }

        /** The model, for inspection. */
        public Module model() {
            return model;
        }

        @Override
        public void close() {
            optimizer.close();
            model.close();
            x.close();
            y.close();
        }
    }
}
