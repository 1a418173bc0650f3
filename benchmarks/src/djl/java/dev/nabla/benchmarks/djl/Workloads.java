package dev.nabla.benchmarks.djl;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;

/** The COMPARE.md workloads written with DJL's usual API, each as a repeatable {@link Op}. */
final class Workloads {
    /** The engine every workload uses; only PyTorch is on the class path, naming it keeps that explicit. */
    static final String ENGINE = "PyTorch";

    private Workloads() {
    }

    /** One timed operation, run many times; {@link #close()} frees everything it made. */
    interface Op extends AutoCloseable {
        /** Runs the operation once. */
        void run();

        @Override
        void close();
    }

    /**
     * Builds the operation of a workload: its inputs (and model) are made here, once, outside the timing.
     *
     * @param spec the workload
     * @return the operation
     */
    static Op create(WorkloadSpec spec) {
        return switch (spec.kind()) {
            case GEMM -> new Gemm(spec);
            case STEP_SEED -> seed();
            case STEP_MLP -> mlp();
            case STEP_CNN -> cnn();
        };
    }

    /** {@code C = A B} on arrays made once; each product's result is freed at once, like a fresh output. */
    private static final class Gemm implements Op {
        private final NDManager manager = NDManager.newBaseManager(Device.cpu(), ENGINE);
        private final NDArray a;
        private final NDArray b;

        Gemm(WorkloadSpec spec) {
            DataType type = spec.f64() ? DataType.FLOAT64 : DataType.FLOAT32;
            a = manager.randomUniform(0f, 1f, new Shape(spec.m(), spec.k()), type);
            b = manager.randomUniform(0f, 1f, new Shape(spec.k(), spec.n()), type);
        }

        @Override
        public void run() {
            try (NDArray c = a.matMul(b)) {
                // Nothing to do with c: closing it frees the native tensor now rather than at manager close.
            }
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    /**
     * A full training step on one fixed batch: {@code EasyTrain.trainBatch} (forward, loss, backward inside a
     * GradientCollector) then {@code trainer.step()}. Zeroing the gradients is part of the step in DJL's PyTorch
     * engine: its SGD update clears each gradient right after applying it (PtNDArrayEx.sgdUpdate calls
     * JniUtils.zeroGrad), so no separate call exists or is needed.
     */
    private static final class TrainStep implements Op {
        private final Model model;
        private final Trainer trainer;
        private final NDManager data;
        private final NDArray x;
        private final NDArray y;
        private final int batchSize;

        TrainStep(String name, Block block, Loss loss, float momentum, Shape xShape, boolean classLabels) {
            model = Model.newInstance(name, Device.cpu(), ENGINE);
            model.setBlock(block);
            // Fixed learning rate; plain SGD when momentum is 0. Default initialisers (none given).
            Optimizer sgd = Optimizer.sgd()
                    .setLearningRateTracker(Tracker.fixed(0.01f))
                    .optMomentum(momentum)
                    .build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                    .optOptimizer(sgd)
                    .optDevices(new Device[] {Device.cpu()});
            trainer = model.newTrainer(config);
            trainer.initialize(xShape);
            batchSize = Math.toIntExact(xShape.get(0));
            data = trainer.getManager().newSubManager();
            x = data.randomUniform(0f, 1f, xShape);
            y = classLabels
                    ? data.randomInteger(0, 10, new Shape(batchSize), DataType.INT64)
                    : data.randomUniform(0f, 1f, new Shape(batchSize, 1));
        }

        @Override
        public void run() {
            // Every array the step makes (activations, loss, backward seed) attaches to the manager of its input.
            // A per-step manager owns them all, so closing it frees the step's memory (DJL's usual idiom; without
            // it each step would leak). The Batch attaches x and y to that manager too, so they are attached
            // back to the long-lived one before it closes.
            try (NDManager step = data.newSubManager()) {
                Batch batch = new Batch(step, new NDList(x), new NDList(y), batchSize,
                        Batchifier.STACK, Batchifier.STACK, 0, 1);
                EasyTrain.trainBatch(trainer, batch);
                trainer.step();
                x.attach(data);
                y.attach(data);
            }
        }

        @Override
        public void close() {
            data.close();
            trainer.close();
            model.close();
        }
    }

    /** {@code Linear(2,4) ReLU Linear(4,4) ReLU Linear(4,1)}, MSE, plain SGD, batch 5. */
    private static Op seed() {
        SequentialBlock net = new SequentialBlock()
                .add(Linear.builder().setUnits(4).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(4).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(1).build());
        // DJL's L2Loss is weight * mean((y - p)^2) with weight 1/2 by default; weight 1 makes it PyTorch's
        // MSELoss. It still multiplies by the weight (one extra tiny kernel per step).
        Loss mse = Loss.l2Loss("MSE", 1f);
        return new TrainStep("step_seed", net, mse, 0f, new Shape(5, 2), false);
    }

    /** {@code Linear(784,512) ReLU Linear(512,256) ReLU Linear(256,10)}, cross-entropy, SGD momentum 0.9. */
    private static Op mlp() {
        SequentialBlock net = new SequentialBlock()
                .add(Linear.builder().setUnits(512).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(256).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(10).build());
        // Log-softmax over the logits, then the picked class's negative log-likelihood, averaged.
        return new TrainStep("step_mlp", net, Loss.softmaxCrossEntropyLoss(), 0.9f, new Shape(128, 784), true);
    }

    /** COMPARE.md's CNN (examples' {@code Models.cnn}), cross-entropy, SGD momentum 0.9, batch 128. */
    private static Op cnn() {
        SequentialBlock net = new SequentialBlock()
                .add(conv(32))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(conv(64))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(256).optBias(false).build())
                // Axis 1 (DJL's default) of [N, 256] is BatchNorm1d.
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(Dropout.builder().optRate(0.3f).build())
                .add(Linear.builder().setUnits(10).build());
        return new TrainStep("step_cnn", net, Loss.softmaxCrossEntropyLoss(), 0.9f, new Shape(128, 1, 28, 28), true);
    }

    /** 3x3 convolution, padding 1, stride 1, no bias (batch norm follows). */
    private static Block conv(int filters) {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(filters)
                .optBias(false)
                .build();
    }
}
