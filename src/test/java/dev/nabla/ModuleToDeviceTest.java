package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.internal.Internals;
import dev.nabla.memory.MemoryPool;
import dev.nabla.memory.Storage;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.Tanh;
import dev.nabla.optim.Adam;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * {@code Module.to(device)} keeps the parameter objects (PyTorch's {@code module.to} moves {@code param.data} and
 * {@code param.grad} in place), so an optimizer built before the move keeps training the model. Moves from
 * {@link Device#CPU} to {@link Device#JAVA}: both host devices, but distinct, so {@code to} copies.
 */
class ModuleToDeviceTest {

    private static Module model() {
        return new Sequential(new Linear(3, 4, true, new Generator(7), DType.FLOAT64, Device.CPU), new Tanh(),
                new Linear(4, 2, true, new Generator(8), DType.FLOAT64, Device.CPU));
    }

    /** Runs {@code steps} MSE steps on fixed data on {@code device}. */
    private static void train(Module m, Optimizer opt, Device device, int steps) {
        for (int i = 0; i < steps; i++) {
            try (Scope step = Scope.open()) {
                Tensor x = Tensor.randn(new Generator(100 + i), 5, 3).to(DType.FLOAT64).to(device);
                Tensor y = Tensor.randn(new Generator(200 + i), 5, 2).to(DType.FLOAT64).to(device);
                opt.zeroGrad();
                F.mseLoss(m.forward(x), y).backward();
                opt.step();
            }
        }
    }

    private static List<double[]> values(Module m) {
        List<double[]> out = new ArrayList<>();
        for (Tensor p : m.parameters()) {
            out.add(p.toDoubleArray());
        }
        return out;
    }

    private static void assertSameValues(List<double[]> expected, List<double[]> actual, double tol) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), tol, "parameter " + i);
        }
    }

    private static void assertChanged(List<double[]> before, List<double[]> after) {
        for (int i = 0; i < before.size(); i++) {
            assertFalse(java.util.Arrays.equals(before.get(i), after.get(i)), "parameter " + i + " did not change");
        }
    }

    private static void trajectoriesMatch(Function<List<Tensor>, Optimizer> make) {
        try (Module moveFirst = model(); Module optimizerFirst = model()) {
            List<double[]> initial = values(optimizerFirst);
            moveFirst.to(Device.JAVA);
            try (Optimizer a = make.apply(moveFirst.parameters());
                 Optimizer b = make.apply(optimizerFirst.parameters())) {
                List<Tensor> held = optimizerFirst.parameters();
                optimizerFirst.to(Device.JAVA); // after building the optimizer: used to freeze the weights
                for (int i = 0; i < held.size(); i++) {
                    assertSame(held.get(i), optimizerFirst.parameters().get(i), "the parameter objects are kept");
                    assertSame(Device.JAVA, held.get(i).device());
                    assertTrue(held.get(i).requiresGrad());
                }
                train(moveFirst, a, Device.JAVA, 5);
                train(optimizerFirst, b, Device.JAVA, 5);
                List<double[]> after = values(optimizerFirst);
                assertChanged(initial, after);
                assertSameValues(values(moveFirst), after, 0.0);
            }
        }
    }

    @Test
    void sgdTrainsTheSameWhetherTheModelMovesBeforeOrAfterTheOptimizerIsBuilt() {
        trajectoriesMatch(ps -> new SGD(ps, 0.1, 0.9, 0, 0, false));
    }

    @Test
    void adamTrainsTheSameWhetherTheModelMovesBeforeOrAfterTheOptimizerIsBuilt() {
        trajectoriesMatch(ps -> new Adam(ps, 0.01));
    }

    @Test
    void stateMadeBeforeTheMoveFollowsTheParameters() {
        // steps on CPU (Adam's moments made there), move, more steps: the state moves on the next step and the
        // trajectory continues, as it does when the model stays on CPU (CPU and JAVA kernels may round apart)
        try (Module moved = model(); Module stays = model();
             Adam a = new Adam(moved.parameters(), 0.01); Adam b = new Adam(stays.parameters(), 0.01)) {
            train(moved, a, Device.CPU, 3);
            train(stays, b, Device.CPU, 3);
            List<double[]> mid = values(moved);
            List<Tensor> state = new ArrayList<>(a.stateDict().values());
            moved.to(Device.JAVA);
            train(moved, a, Device.JAVA, 3);
            train(stays, b, Device.CPU, 3);
            assertChanged(mid, values(moved));
            assertSameValues(values(stays), values(moved), 1e-9);
            Tensor p0 = moved.parameters().get(0);
            assertEquals(6, a.stepCount(p0));
            for (var e : a.stateDict().entrySet()) {
                if (e.getKey().startsWith("state.") && !e.getKey().endsWith(".step")) {
                    assertSame(Device.JAVA, e.getValue().device(), e.getKey());
                    assertTrue(state.contains(e.getValue()), e.getKey() + ": the buffer objects are kept");
                }
            }
        }
    }

    @Test
    void theMoveReleasesTheOldMemoryAndMovesTheGradient() throws InterruptedException {
        try (Linear layer = new Linear(3, 2, true, new Generator(3), DType.FLOAT32, Device.CPU)) {
            Tensor w = layer.parameters().get(0);
            try (Scope step = Scope.open()) {
                layer.forward(Tensor.ones(4, 3)).sum().backward();
            }
            Tensor grad = w.grad();
            assertNotNull(grad);
            double[] gradValues = grad.toDoubleArray();
            float[] weights = w.toFloatArray();
            Storage oldStorage = w.storage();
            Storage oldGradStorage = grad.storage();
            long version = w.version();
            settle();
            long liveBefore = MemoryPool.host().stats().liveBlocks();

            layer.to(Device.JAVA);

            assertFalse(oldStorage.isAlive(), "the old parameter memory went back to the pool");
            assertFalse(oldGradStorage.isAlive(), "the old gradient memory went back to the pool");
            assertSame(grad, w.grad(), "the gradient object is kept too, as in PyTorch");
            assertEquals(liveBefore, MemoryPool.host().stats().liveBlocks(), "one new block per old one");
            assertSame(Device.JAVA, w.device());
            assertArrayEquals(weights, w.toFloatArray(), "the parameter held before the move reads the moved values");
            assertSame(Device.JAVA, w.grad().device());
            assertArrayEquals(gradValues, w.grad().toDoubleArray(), 0.0);
            assertTrue(w.version() > version, "a graph saved before the move must not run backward after it");
            layer.to(Device.JAVA); // already there: nothing happens
            assertSame(Device.JAVA, w.device());
        }
    }

    @Test
    void buffersKeepTheirObjectsToo() {
        try (var bn = new dev.nabla.nn.BatchNorm1d(3)) {
            var held = new ArrayList<>(bn.namedBuffers().values());
            bn.to(Device.JAVA);
            assertEquals(held, new ArrayList<>(bn.namedBuffers().values()));
            for (Tensor b : held) {
                assertSame(Device.JAVA, b.device());
                assertFalse(b.isClosed());
            }
            try (Scope s = Scope.open()) {
                bn.forward(Tensor.randn(new Generator(1), 4, 3).to(Device.JAVA));
            }
            assertEquals(1.0, bn.namedBuffers().get("num_batches_tracked").item());
        }
    }

    @Test
    void inPlaceMoveIsNotForUserCodeOrScopedTensors() {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.ones(2);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.moveDataTo(Device.JAVA, t.dtype()));
            assertTrue(e.getMessage().contains("belongs to a scope"), e.getMessage());
            Tensor r = Tensor.ones(2).requiresGrad_(true).mul(2);
            assertThrows(IllegalStateException.class, () -> r.moveDataTo(Device.JAVA, r.dtype()));
        }
        // this test class is in dev.nabla; Internals only checks the caller's package
        Tensor leaf = Scope.detached(() -> Tensor.ones(2));
        Internals.moveTo(leaf, Device.JAVA);
        assertSame(Device.JAVA, leaf.device());
        leaf.close();
    }

    private static void settle() throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 40; i++) {
            System.gc();
            Thread.sleep(25);
            long now = MemoryPool.host().stats().liveBlocks();
            if (now == last) {
                return;
            }
            last = now;
        }
    }
}
