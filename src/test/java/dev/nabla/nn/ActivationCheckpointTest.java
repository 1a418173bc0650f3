package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Autograd;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Activation checkpointing against the same computation without it: gradients and trained parameters equal bit for
 * bit (dropout from the global and from module-owned generators included), and the peak pool memory of a step.
 */
class ActivationCheckpointTest {
    private static final int WIDTH = 64;
    private static final int BATCH = 256;
    private static final int LAYERS = 24;

    /** 24 x (Linear, ReLU, Dropout): odd layers drop with their own generator, even ones with the global one. */
    private static Sequential mlp() {
        List<Module> layers = new ArrayList<>();
        for (int i = 0; i < LAYERS; i++) {
            layers.add(new Linear(WIDTH, WIDTH, true, new Generator(100 + i), DType.FLOAT32, Device.CPU));
            layers.add(new ReLU());
            layers.add(i % 2 == 0 ? new Dropout(0.1) : new Dropout(0.1, new Generator(200 + i)));
        }
        return new Sequential(layers.toArray(Module[]::new));
    }

    private static Sequential convStack() {
        Generator g = new Generator(5);
        return new Sequential(
                new Conv2d(3, 8, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true,
                        g, DType.FLOAT32, Device.CPU),
                new ReLU(), new Dropout(0.2, new Generator(6)),
                new Conv2d(8, 8, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true,
                        g, DType.FLOAT32, Device.CPU),
                new ReLU(), new MaxPool2d(2), new Dropout(0.2),
                new Conv2d(8, 4, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true,
                        g, DType.FLOAT32, Device.CPU),
                new ReLU(), new Flatten(), new Linear(4 * 4 * 4, 1, true, g, DType.FLOAT32, Device.CPU));
    }

    /** Trains {@code model} a few steps; returns every step's gradients, then the final parameters, as arrays. */
    private static List<double[]> train(Sequential model, UnaryOperator<Tensor> forward, Tensor x, Tensor y) {
        Optimizer opt = new Adam(model.parameters(), 1e-3);
        List<double[]> trace = new ArrayList<>();
        Generator.global().manualSeed(1234);
        for (int step = 0; step < 3; step++) {
            try (Scope s = Scope.open()) {
                opt.zeroGrad();
                F.mseLoss(forward.apply(x), y).backward();
                for (Tensor p : model.parameters()) {
                    trace.add(p.grad().toDoubleArray());
                }
                opt.step();
            }
        }
        for (Tensor p : model.parameters()) {
            trace.add(p.toDoubleArray());
        }
        trace.add(new double[] {Generator.global().nextDouble()}); // the global stream advanced the same way
        return trace;
    }

    private static void assertSameBits(List<double[]> expected, List<double[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "entry " + i);
        }
    }

    @Test
    void mlpTrainsBitForBitLikeWithoutCheckpointing() {
        Tensor x = Tensor.randn(new Generator(1), BATCH, WIDTH);
        Tensor y = Tensor.randn(new Generator(2), BATCH, WIDTH);
        Sequential plain = mlp();
        Sequential checkpointed = mlp();
        List<double[]> expected = train(plain, plain::forward, x, y);
        List<double[]> actual = train(checkpointed,
                in -> ActivationCheckpoint.checkpointSequential(checkpointed, 8, in), x, y);
        assertSameBits(expected, actual);
    }

    @Test
    void convStackTrainsBitForBitLikeWithoutCheckpointing() {
        Tensor x = Tensor.randn(new Generator(3), 4, 3, 8, 8);
        Tensor y = Tensor.randn(new Generator(4), 4, 1);
        Sequential plain = convStack();
        Sequential checkpointed = convStack();
        List<double[]> expected = train(plain, plain::forward, x, y);
        List<double[]> actual = train(checkpointed,
                in -> ActivationCheckpoint.checkpointSequential(checkpointed, 3, in), x, y);
        assertSameBits(expected, actual);
    }

    /**
     * Lets the collector release what earlier tests dropped without closing (as MemoryTest does), so that no release
     * of theirs during the measured step lowers its peak: runs the GC until bytesInUse stops changing (at most ~2 s).
     */
    private static void settle() throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 40; i++) {
            System.gc();
            Thread.sleep(25);
            long now = Device.CPU.memoryStats().bytesInUse();
            if (now == last) {
                return;
            }
            last = now;
        }
    }

    /** Bytes the step's forward and backward add to the pool at their peak. */
    private static long stepPeakBytes(UnaryOperator<Tensor> forward, Tensor x, Tensor y) throws InterruptedException {
        settle();
        Device.CPU.resetPeakMemoryStats();
        long before = Device.CPU.memoryStats().bytesInUse();
        try (Scope s = Scope.open()) {
            F.mseLoss(forward.apply(x), y).backward();
        }
        return Device.CPU.memoryStats().peakBytesInUse() - before;
    }

    @Test
    void checkpointSequentialCutsThePeakMemoryOfAStepAtLeastThreefold() throws InterruptedException {
        Tensor x = Tensor.randn(new Generator(1), BATCH, WIDTH);
        Tensor y = Tensor.randn(new Generator(2), BATCH, WIDTH);
        Sequential model = mlp();
        stepPeakBytes(model::forward, x, y); // parameters' grad() allocated: both measured steps find them
        long plain = stepPeakBytes(model::forward, x, y);
        long checkpointed = stepPeakBytes(in -> ActivationCheckpoint.checkpointSequential(model, 12, in), x, y);
        System.out.println("ActivationCheckpointTest: step peak " + plain + " bytes plain, " + checkpointed
                + " with checkpointSequential(12 segments)");
        assertTrue(plain >= 3 * checkpointed, "peak " + plain + " bytes without checkpointing, " + checkpointed
                + " with");
    }

    @Test
    void inputGradientsMultipleOutputsAndIdentityMatchThePlainComputation() {
        Linear a = new Linear(5, 5, true, new Generator(8), DType.FLOAT64, Device.CPU);
        Function<Tensor[], Tensor[]> two = xs -> new Tensor[] {a.forward(xs[0]).tanh(), xs[0].mul(xs[1])};
        Tensor x = Tensor.randn(new Generator(9), 3, 5).to(DType.FLOAT64).requiresGrad_(true);
        Tensor w = Tensor.randn(new Generator(10), 3, 5).to(DType.FLOAT64); // does not require grad

        Tensor[] outs = two.apply(new Tensor[] {x, w});
        outs[0].sum().add(outs[1].mul(outs[1]).sum()).backward();
        double[] dx = x.grad().toDoubleArray();
        double[] dWeight = a.parameters().get(0).grad().toDoubleArray();
        x.setGrad(null);
        a.parameters().get(0).setGrad(null);

        Tensor[] checkpointed = ActivationCheckpoint.runAll(two, x, w);
        assertArrayEquals(outs[1].toDoubleArray(), checkpointed[1].toDoubleArray());
        checkpointed[0].sum().add(checkpointed[1].mul(checkpointed[1]).sum()).backward();
        assertArrayEquals(dx, x.grad().toDoubleArray());
        assertArrayEquals(dWeight, a.parameters().get(0).grad().toDoubleArray());

        x.setGrad(null);
        Tensor same = ActivationCheckpoint.run(xs -> xs[0], x);
        assertTrue(same != x && x.isLeaf(), "the input itself is never given a grad_fn");
        same.mul(2.0).sum().backward();
        assertArrayEquals(Tensor.full(2.0, DType.FLOAT64, Device.CPU, 3, 5).toDoubleArray(), x.grad().toDoubleArray());
    }

    @Test
    void withRecordingOffTheFunctionSimplyRuns() {
        Tensor x = Tensor.randn(new Generator(1), 2, 3).requiresGrad_(true);
        try (Grad off = Grad.disabled()) {
            Tensor y = ActivationCheckpoint.run(xs -> xs[0].relu(), x);
            assertFalse(y.requiresGrad());
            assertNull(y.gradFn());
        }
    }

    @Test
    void badInputIsNamed() {
        Tensor x = Tensor.randn(new Generator(1), 2, 3).requiresGrad_(true);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ActivationCheckpoint.run(null, x))
                .getMessage().contains("function is null"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ActivationCheckpoint.run(xs -> null, x))
                .getMessage().contains("returned null"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ActivationCheckpoint.run(xs -> xs[0], x, null)).getMessage().contains("input 1 is null"));
        @SuppressWarnings({"unchecked", "rawtypes"})
        Function<Tensor[], Tensor> notATensor = (Function) (Function<Tensor[], Object>) xs -> "hello";
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ActivationCheckpoint.run(notATensor, x))
                .getMessage().contains("java.lang.String, not a tensor"));
        Tensor closed = Tensor.zeros(2);
        closed.close();
        assertTrue(assertThrows(IllegalStateException.class, () -> ActivationCheckpoint.run(xs -> xs[0], closed))
                .getMessage().contains("closed"));
        assertTrue(assertThrows(IllegalStateException.class, () -> ActivationCheckpoint.run(xs -> closed, x))
                .getMessage().contains("closed"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ActivationCheckpoint.checkpointSequential(new Sequential(new ReLU()), 2, x))
                .getMessage().contains("segments must be in [1, 1]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ActivationCheckpoint.runAll(
                xs -> new Tensor[] {xs[0], xs[0].to(DType.FLOAT64)}, x)).getMessage().contains("share one"));
    }

    @Test
    void anInputModifiedInPlaceBeforeBackwardIsNamed() {
        Tensor leaf = Tensor.randn(new Generator(1), 2, 3).requiresGrad_(true);
        Tensor scale = Tensor.randn(new Generator(2), 2, 3);
        Tensor y = ActivationCheckpoint.run(xs -> xs[0].mul(xs[1]).exp(), leaf, scale).sum();
        scale.add_(1.0);
        assertTrue(assertThrows(IllegalStateException.class, y::backward).getMessage().contains("in-place"));
    }

    /** f(x, w) = sum(tanh(linear(x)) * w): its checkpointed form, with a parameter inside, in float64. */
    private static Tensor block(Linear layer, Tensor x, Tensor w, boolean checkpointed) {
        Function<Tensor[], Tensor> f = xs -> layer.forward(xs[0]).tanh().mul(xs[1]);
        return (checkpointed ? ActivationCheckpoint.run(f, x, w) : f.apply(new Tensor[] {x, w})).sum();
    }

    @Test
    void gradCheckAndAutogradGradGoThroughACheckpoint() {
        Linear layer = new Linear(4, 3, true, new Generator(11), DType.FLOAT64, Device.CPU);
        Tensor x = Tensor.randn(new Generator(12), 2, 4).to(DType.FLOAT64).requiresGrad_(true);
        Tensor w = Tensor.randn(new Generator(13), 2, 3).to(DType.FLOAT64).requiresGrad_(true);
        var result = dev.nabla.GradCheck.check(xs -> block(layer, xs[0], xs[1], true), x, w);
        assertTrue(result.passed(), result.toString());

        Tensor weight = layer.parameters().get(0);
        Tensor[] wrt = {x, weight};
        Tensor[] plain = Autograd.grad(block(layer, x, w, false), wrt, null, false, false);
        Tensor[] checkpointed = Autograd.grad(block(layer, x, w, true), wrt, null, false, false);
        for (int i = 0; i < wrt.length; i++) {
            assertArrayEquals(plain[i].toDoubleArray(), checkpointed[i].toDoubleArray(), "gradient " + i);
        }
        assertNull(weight.grad(), "Autograd.grad accumulates nothing, inside the checkpoint either");
    }

    @Test
    void doubleBackwardGoesThroughACheckpoint() {
        Linear layer = new Linear(4, 3, true, new Generator(11), DType.FLOAT64, Device.CPU);
        Tensor x = Tensor.randn(new Generator(12), 2, 4).to(DType.FLOAT64).requiresGrad_(true);
        Tensor w = Tensor.randn(new Generator(13), 2, 3).to(DType.FLOAT64);
        Tensor weight = layer.parameters().get(0);
        double[][] expected = null;
        for (boolean checkpointed : new boolean[] {false, true}) {
            Tensor[] first = Autograd.grad(block(layer, x, w, checkpointed), new Tensor[] {x, weight}, null, true,
                    true);
            Tensor penalty = first[0].mul(first[0]).sum().add(first[1].mul(first[1]).sum());
            Tensor[] second = Autograd.grad(penalty, new Tensor[] {x, weight}, null, false, false);
            double[][] got = {first[0].toDoubleArray(), second[0].toDoubleArray(), second[1].toDoubleArray()};
            if (expected == null) {
                expected = got;
            } else {
                for (int i = 0; i < got.length; i++) {
                    assertArrayEquals(expected[i], got[i], 1e-12, "result " + i);
                }
            }
        }
        assertTrue(java.util.Arrays.stream(expected[1]).anyMatch(v -> v != 0), "x has a second-order gradient");
    }
}
