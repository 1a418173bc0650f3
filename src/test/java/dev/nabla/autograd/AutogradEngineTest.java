package dev.nabla.autograd;

import static dev.nabla.autograd.Inputs.leaf;
import static dev.nabla.autograd.Inputs.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Autograd;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.ScopedTest;
import dev.nabla.Tensor;
import dev.nabla.memory.MemoryPool;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The reverse-mode engine's contract: accumulation, graph freeing, gradient mode, version checks on saved tensors,
 * higher-order gradients, anomaly mode, deep graphs and memory. Expected values come from closed-form derivatives
 * or plain-Java finite differences, never from the engine itself.
 */
class AutogradEngineTest extends ScopedTest {

    private static Tensor vec(double... values) {
        return tensor(values, values.length);
    }

    private static Tensor param(double... values) {
        return leaf(vec(values));
    }

    private static double[] values(Tensor t) {
        return t.toDoubleArray();
    }

    // ------------------------------------------------------------------ accumulation

    @Test
    void gradientsSumOverEveryUseOfATensorInOneGraph() {
        Tensor x = param(1, -2, 3);
        // x appears three times: x*x + 3x, plus once more through a broadcast
        Tensor y = x.mul(x).add(x.mul(3.0)).sum().add(x.unsqueeze(0).expand(2, 3).sum());
        y.backward();
        assertArrayEquals(new double[] {2 + 3 + 2, -4 + 3 + 2, 6 + 3 + 2}, values(x.grad()), 1e-12);
    }

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilCleared() {
        Tensor x = param(1, -2, 3);
        x.mul(x).sum().backward();
        assertArrayEquals(new double[] {2, -4, 6}, values(x.grad()), 1e-12);
        Tensor first = x.grad();
        x.mul(x).sum().backward();
        assertArrayEquals(new double[] {4, -8, 12}, values(x.grad()), 1e-12);
        assertSame(first, x.grad(), "accumulation reuses the gradient tensor");

        x.setGrad(null);
        assertNull(x.grad());
        x.mul(5.0).sum().backward();
        assertArrayEquals(new double[] {5, 5, 5}, values(x.grad()), 1e-12);
    }

    @Test
    void intermediateResultsAndConstantsGetNoGradient() {
        Tensor x = param(1, 2);
        Tensor c = vec(3, 4);
        Tensor mid = x.mul(c);
        mid.exp().sum().backward();
        assertNull(mid.grad(), "a non-leaf keeps no gradient");
        assertNull(c.grad(), "a tensor that does not require grad gets none");
        assertArrayEquals(new double[] {3 * Math.exp(3), 4 * Math.exp(8)}, values(x.grad()), 1e-9);
    }

    @Test
    void backwardOfANonScalarTakesAGradientOfItsShape() {
        Tensor x = leaf(tensor(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
        Tensor y = x.mul(2.0);

        var noGradient = assertThrows(IllegalArgumentException.class, y::backward);
        assertTrue(noGradient.getMessage().contains("[2, 3]"), noGradient.getMessage());

        var wrongShape = assertThrows(IllegalArgumentException.class,
                () -> y.backward(tensor(new double[] {1, 1, 1, 1, 1, 1}, 3, 2)));
        assertTrue(wrongShape.getMessage().contains("[3, 2]") && wrongShape.getMessage().contains("[2, 3]"),
                wrongShape.getMessage());

        var wrongDtype = assertThrows(IllegalArgumentException.class,
                () -> y.backward(Tensor.ones(2, 3))); // float32
        assertTrue(wrongDtype.getMessage().contains("float32") && wrongDtype.getMessage().contains("float64"),
                wrongDtype.getMessage());

        y.backward(tensor(new double[] {1, 0, -1, 2, 0.5, 3}, 2, 3));
        assertArrayEquals(new double[] {2, 0, -2, 4, 1, 6}, values(x.grad()), 1e-12);
    }

    @Test
    void backwardOfATensorOutsideTheGraphThrows() {
        Tensor c = vec(1, 2);
        var e = assertThrows(IllegalStateException.class, () -> c.sum().backward());
        assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
    }

    @Test
    void backwardOfALeafSeedsItsOwnGradient() {
        Tensor x = leaf(Tensor.scalar(2.0, DType.FLOAT64, Device.CPU));
        x.backward();
        assertEquals(1.0, x.grad().item());
    }

    // ------------------------------------------------------------------ freeing the graph

    @Test
    void aSecondBackwardThroughAFreedGraphThrowsAClearError() {
        Tensor x = param(0.5, -1);
        Tensor y = x.exp().mul(x).sum();
        y.backward();
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains("second time") && e.getMessage().contains("retainGraph"),
                e.getMessage());
    }

    @Test
    void retainGraphAllowsASecondBackward() {
        Tensor x = param(0.5, -1);
        Tensor y = x.exp().mul(x).sum();
        y.backward(null, true, false);
        y.backward(null, true, false);
        y.backward();
        double[] expected = new double[2];
        double[] xs = {0.5, -1};
        for (int i = 0; i < 2; i++) {
            expected[i] = 3 * Math.exp(xs[i]) * (1 + xs[i]);
        }
        assertArrayEquals(expected, values(x.grad()), 1e-12);
        assertThrows(IllegalStateException.class, y::backward, "the last call freed the graph");
    }

    // ------------------------------------------------------------------ requiresGrad, detach, no-grad

    @Test
    void requiresGradFlowsThroughDifferentiableOpsOnly() {
        Tensor x = param(1, 2, 3);
        Tensor c = vec(3, 1, 2);
        assertTrue(x.isLeaf() && x.requiresGrad());
        Tensor y = x.add(c);
        assertTrue(y.requiresGrad());
        assertFalse(y.isLeaf());
        assertNotNull(y.gradFn());
        assertTrue(c.mul(x).sum().requiresGrad());
        assertTrue(x.max(0, false).requiresGrad());
        assertFalse(c.mul(c).requiresGrad());
        assertTrue(c.mul(c).isLeaf());
        for (Tensor notDifferentiable : new Tensor[] {x.gt(c), x.lt(c), x.ge(c), x.le(c), x.eq(c), x.gt(1.0),
            x.lt(1.0), x.eq(2.0), x.argmax(0, false), x.argmin(0, true)}) {
            assertFalse(notDifferentiable.requiresGrad(), "comparisons and arg-reductions are not differentiable");
            assertNull(notDifferentiable.gradFn());
        }
    }

    @Test
    void detachCutsTheGraph() {
        Tensor x = param(1, -2, 3);
        Tensor d = x.mul(2.0).detach();
        assertFalse(d.requiresGrad());
        assertTrue(d.isLeaf());
        assertNull(d.gradFn());
        assertArrayEquals(new double[] {2, -4, 6}, values(d), 0);

        // d(x * stop(x))/dx = stop(x), not 2x
        x.mul(x.detach()).sum().backward();
        assertArrayEquals(new double[] {1, -2, 3}, values(x.grad()), 1e-12);
    }

    @Test
    void nothingIsRecordedInsideANoGradBlockAndTheModeIsRestored() {
        Tensor x = param(1, 2);
        assertTrue(Grad.isEnabled());
        try (Grad off = Grad.disabled()) {
            assertFalse(Grad.isEnabled());
            Tensor y = x.mul(2.0).exp().add(x);
            assertNull(y.gradFn());
            assertFalse(y.requiresGrad());
            try (Grad inner = Grad.disabled()) {
                assertFalse(x.matmul(x).requiresGrad());
            }
            assertFalse(Grad.isEnabled(), "closing a nested block restores the outer (disabled) mode");
            try (Grad on = Grad.enabled()) {
                assertTrue(x.mul(2.0).requiresGrad(), "enabled() inside disabled() records again");
            }
            assertFalse(Grad.isEnabled());
        }
        assertTrue(Grad.isEnabled());

        Grad handle = Grad.disabled();
        handle.close();
        handle.close();
        assertTrue(Grad.isEnabled(), "closing twice is harmless");

        try (Grad off = Grad.disabled()) {
            AtomicBoolean otherThread = new AtomicBoolean();
            Thread t = new Thread(() -> otherThread.set(Grad.isEnabled()));
            t.start();
            join(t);
            assertTrue(otherThread.get(), "the mode is per thread");
        }
    }

    @Test
    void requiresGradOnANonLeafThrows() {
        Tensor y = param(1, 2).mul(2.0);
        var e = assertThrows(IllegalStateException.class, () -> y.requiresGrad_(false));
        assertTrue(e.getMessage().contains("not a leaf"), e.getMessage());
        assertTrue(y.detach().requiresGrad_(true).requiresGrad(), "a detached copy is a leaf");
    }

    // ------------------------------------------------------------------ in-place ops and versions

    @Test
    void anInPlaceChangeOfASavedTensorMakesBackwardThrow() {
        Tensor x = param(1, 2, 3);
        Tensor c = vec(4, 5, 6);
        Tensor y = x.mul(c).sum(); // Mul saves c for x's gradient
        long before = c.version();
        c.mul_(2.0);
        assertEquals(before + 1, c.version());
        var e = assertThrows(IllegalStateException.class, y::backward);
        String m = e.getMessage();
        assertTrue(m.contains(c.describe()) && m.contains("version 1") && m.contains("expected 0")
                && m.contains("MulBackward"), m);
    }

    @Test
    void theErrorNamesTheBinaryNodeThatSavedTheTensor() {
        for (String op : new String[] {"maximum", "minimum", "div"}) {
            Tensor x = param(1, 5, 3);
            Tensor c = vec(4, 2, 6);
            Tensor y = switch (op) {
                case "maximum" -> x.maximum(c);
                case "minimum" -> x.minimum(c);
                default -> x.div(c);
            };
            Tensor loss = y.sum();
            c.mul_(2.0);
            var e = assertThrows(IllegalStateException.class, loss::backward, op);
            String expected = Character.toUpperCase(op.charAt(0)) + op.substring(1) + "Backward";
            assertTrue(e.getMessage().contains(expected), op + ": " + e.getMessage());
        }
    }

    @Test
    void anInPlaceChangeThroughAViewOrADetachedAliasIsCaughtToo() {
        Tensor x = param(1, 2, 3);
        Tensor c = vec(4, 5, 6);
        Tensor y = x.mul(c).sum();
        c.narrow(0, 1, 1).fill_(0.0);
        assertThrows(IllegalStateException.class, y::backward, "views share the version counter");

        Tensor z = x.square().sum(); // saves x
        x.detach().add_(1.0); // allowed: the alias does not require grad, but x's memory changed
        var e = assertThrows(IllegalStateException.class, z::backward);
        assertTrue(e.getMessage().contains(x.describe()), e.getMessage());

        Tensor u = param(1, 2);
        Tensor d = vec(1, 1);
        Tensor w = u.add(d).sum(); // Add saves nothing: changing d later does not matter
        d.mul_(3.0);
        w.backward();
        assertArrayEquals(new double[] {1, 1}, values(u.grad()), 0);
    }

    @Test
    void anInPlaceChangeOfALeafThatRequiresGradIsRefusedOutsideNoGrad() {
        Tensor x = param(1, 2, 3);
        Tensor other = vec(1, 1, 1);
        for (Runnable op : new Runnable[] {() -> x.mul_(2.0), () -> x.add_(1.0), () -> x.add_(other),
            () -> x.sub_(other), () -> x.fill_(0), () -> x.zero_(), () -> x.copy_(other)}) {
            var e = assertThrows(IllegalStateException.class, op::run);
            assertTrue(e.getMessage().contains(x.describe()) && e.getMessage().contains("requires grad"),
                    e.getMessage());
        }
        assertArrayEquals(new double[] {1, 2, 3}, values(x), 0, "refused ops change nothing");
        assertEquals(0, x.version());

        Tensor y = x.square().sum();
        try (Grad off = Grad.disabled()) {
            x.mul_(2.0); // how optimizers update parameters
        }
        assertArrayEquals(new double[] {2, 4, 6}, values(x), 0);
        assertEquals(1, x.version());
        var e = assertThrows(IllegalStateException.class, y::backward);
        assertTrue(e.getMessage().contains(x.describe()) && e.getMessage().contains("version 1")
                && e.getMessage().contains("expected 0"), e.getMessage());
    }

    // ------------------------------------------------------------------ Autograd.grad and higher order

    @Test
    void autogradGradReturnsGradientsWithoutTouchingGrad() {
        Tensor x = param(1, 2, 3);
        Tensor w = param(-1, 0.5, 2);
        Tensor unused = param(7);
        Tensor mid = x.mul(w);
        Tensor y = mid.square().sum();
        Tensor[] g = Autograd.grad(y, new Tensor[] {x, unused, mid}, null, false, false);
        // dy/dx = 2 (x w) w, dy/dmid = 2 mid
        assertArrayEquals(new double[] {2 * -1 * -1, 2 * 1 * 0.5, 2 * 6 * 2}, values(g[0]), 1e-12);
        assertArrayEquals(new double[] {0}, values(g[1]), 0, "an input the output does not depend on gets zeros");
        assertArrayEquals(new double[] {2 * -1, 2 * 1, 2 * 6}, values(g[2]), 1e-12);
        assertNull(x.grad());
        assertNull(w.grad());
        assertNull(unused.grad());
        assertFalse(g[0].requiresGrad(), "without createGraph the gradient is a constant");
    }

    @Test
    void autogradGradOfATensorWithRespectToItselfIsTheSeed() {
        Tensor x = param(1, 2, 3);
        Tensor y = x.mul(2.0);
        Tensor seed = vec(0.5, -1, 4);
        Tensor[] g = Autograd.grad(y, new Tensor[] {y, x}, seed, false, false);
        assertArrayEquals(new double[] {0.5, -1, 4}, values(g[0]), 0);
        assertArrayEquals(new double[] {1, -2, 8}, values(g[1]), 0);
    }

    @Test
    void secondAndThirdDerivativesOfACube() {
        double[] xs = {-1.5, 0.5, 2};
        for (boolean product : new boolean[] {false, true}) {
            Tensor x = param(xs);
            Tensor y = (product ? x.mul(x).mul(x) : x.pow(3.0)).sum();
            // createGraph needs retainGraph (PyTorch's default): the new graph runs through the forward nodes
            Tensor d1 = Autograd.grad(y, new Tensor[] {x}, null, true, true)[0];
            assertTrue(d1.requiresGrad(), "with createGraph the gradient is differentiable");
            Tensor d2 = Autograd.grad(d1.sum(), new Tensor[] {x}, null, true, true)[0];
            Tensor d3 = Autograd.grad(d2.sum(), new Tensor[] {x}, null, false, false)[0];
            for (int i = 0; i < xs.length; i++) {
                assertEquals(3 * xs[i] * xs[i], values(d1)[i], 1e-12);
                assertEquals(6 * xs[i], values(d2)[i], 1e-12);
                assertEquals(6, values(d3)[i], 1e-12);
            }
            assertNull(x.grad());
        }
    }

    @Test
    void secondDerivativeOfTanhThroughBackwardWithCreateGraph() {
        double[] xs = {-2, -0.3, 0.7, 1.9};
        Tensor x = param(xs);
        x.tanh().sum().backward(null, true, true);
        Tensor d1 = x.grad();
        assertTrue(d1.requiresGrad());
        Tensor d2 = Autograd.grad(d1.sum(), new Tensor[] {x}, null, false, false)[0];
        for (int i = 0; i < xs.length; i++) {
            double t = Math.tanh(xs[i]);
            assertEquals(1 - t * t, values(d1)[i], 1e-12);
            assertEquals(-2 * t * (1 - t * t), values(d2)[i], 1e-12);
        }
    }

    @Test
    void createGraphWithoutRetainGraphFreesTheForwardNodesTheSecondOrderNeeds() {
        Tensor x = param(0.5, 1);
        Tensor d1 = Autograd.grad(x.tanh().sum(), new Tensor[] {x}, null, false, true)[0];
        var e = assertThrows(IllegalStateException.class, () -> d1.sum().backward());
        assertTrue(e.getMessage().contains("second time"), e.getMessage());
    }

    @Test
    void aGradientRecordedWithCreateGraphIsNotAnAliasOfTheSeed() {
        Tensor x = param(1, 2, 3);
        Tensor seed = vec(1, 2, 3);
        x.add(1.0).backward(seed, true, true); // add's backward passes the seed through unchanged
        x.mul(1.0).sum().backward(); // accumulates ones in place into x.grad()
        assertArrayEquals(new double[] {1, 2, 3}, values(seed), 0, "the caller's seed must not change");
        assertArrayEquals(new double[] {2, 3, 4}, values(x.grad()), 0);
        x.setGrad(null);
        assertFalse(seed.isClosed(), "clearing the gradient must not close the caller's seed");
    }

    @Test
    void aGradientRecordedWithCreateGraphIsNotABroadcastView() {
        Tensor x = param(1, 2, 3);
        x.sum().backward(null, true, true); // sum's backward is a stride-0 expand of the seed
        x.mul(x).sum().backward(); // accumulates 2x in place
        assertArrayEquals(new double[] {3, 5, 7}, values(x.grad()), 0);
    }

    @Test
    void mixedSecondDerivative() {
        Tensor x = param(1, 2);
        Tensor w = param(3, -4);
        // f = sum(x² w): ∂f/∂x = 2 x w; ∂/∂w of sum(∂f/∂x) = 2x
        Tensor gx = Autograd.grad(x.square().mul(w).sum(), new Tensor[] {x}, null, true, true)[0];
        Tensor gw = Autograd.grad(gx.sum(), new Tensor[] {w}, null, false, false)[0];
        assertArrayEquals(new double[] {6, -16}, values(gx), 1e-12);
        assertArrayEquals(new double[] {2, 4}, values(gw), 1e-12);
    }

    /** The penalty P(w) = ||∂/∂x sum(tanh(x·w))||² in plain Java: ∂/∂x[n][d] = Σ_k (1 - tanh²(z[n][k])) w[d][k]. */
    private static double penalty(double[][] x, double[][] w) {
        int n = x.length;
        int din = w.length;
        int k = w[0].length;
        double p = 0;
        for (int i = 0; i < n; i++) {
            double[] slope = new double[k];
            for (int j = 0; j < k; j++) {
                double z = 0;
                for (int d = 0; d < din; d++) {
                    z += x[i][d] * w[d][j];
                }
                double t = Math.tanh(z);
                slope[j] = 1 - t * t;
            }
            for (int d = 0; d < din; d++) {
                double g = 0;
                for (int j = 0; j < k; j++) {
                    g += slope[j] * w[d][j];
                }
                p += g * g;
            }
        }
        return p;
    }

    @Test
    void gradientPenaltyMatchesFiniteDifferences() {
        Inputs r = new Inputs(2024);
        double[][] xs = new double[3][];
        double[][] ws = new double[4][];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = r.uniformValues(-1, 1, 4);
        }
        for (int i = 0; i < ws.length; i++) {
            ws[i] = r.uniformValues(-1, 1, 2);
        }
        Tensor x = leaf(tensor(flat(xs), 3, 4));
        Tensor w = leaf(tensor(flat(ws), 4, 2));

        Tensor f = x.matmul(w).tanh();
        Tensor gx = Autograd.grad(f.sum(), new Tensor[] {x}, null, true, true)[0];
        Tensor p = gx.square().sum();
        assertEquals(penalty(xs, ws), p.item(), 1e-12);
        p.backward();
        double[] analytic = values(w.grad());

        double h = 1e-6;
        for (int d = 0; d < 4; d++) {
            for (int j = 0; j < 2; j++) {
                double keep = ws[d][j];
                ws[d][j] = keep + h;
                double plus = penalty(xs, ws);
                ws[d][j] = keep - h;
                double minus = penalty(xs, ws);
                ws[d][j] = keep;
                double numeric = (plus - minus) / (2 * h);
                assertEquals(numeric, analytic[d * 2 + j], 1e-7 + 1e-6 * Math.abs(numeric),
                        "dP/dw[" + d + "][" + j + "]");
            }
        }
    }

    private static double[] flat(double[][] rows) {
        return java.util.Arrays.stream(rows).flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    // ------------------------------------------------------------------ anomaly mode

    @Test
    void anomalyModeNamesTheOpWhoseBackwardFirstProducedANonFiniteGradient() {
        assertFalse(Autograd.isDetectAnomaly());
        // sqrt(e^x - 1) at x = 0: sqrt's backward divides by 0; exp's backward only passes the inf on
        Tensor x = param(0, 1);
        Tensor y = x.exp().sub(1.0).sqrt().mul(2.0).sum();
        y.backward(null, true, false);
        assertFalse(Double.isFinite(values(x.grad())[0]), "without anomaly mode the inf silently reaches x");
        try {
            Autograd.setDetectAnomaly(true);
            assertTrue(Autograd.isDetectAnomaly());
            var e = assertThrows(ArithmeticException.class, y::backward);
            assertTrue(e.getMessage().contains("SQRT") && !e.getMessage().contains("EXP"), e.getMessage());

            Tensor z = param(0, 4);
            Tensor nan = z.sqrt().mul(0.0).sum(); // 0 / (2·sqrt(0)) = NaN
            var e2 = assertThrows(ArithmeticException.class, nan::backward);
            assertTrue(e2.getMessage().contains("SQRT") && e2.getMessage().contains("NaN"), e2.getMessage());

            Tensor u = param(0, 2);
            var e3 = assertThrows(ArithmeticException.class, () -> u.log().sum().backward());
            assertTrue(e3.getMessage().contains("LOG"), e3.getMessage());
        } finally {
            Autograd.setDetectAnomaly(false);
        }
        assertFalse(Autograd.isDetectAnomaly());
    }

    // ------------------------------------------------------------------ scale

    @Test
    void aChainOf20000OpsBackpropagatesOnASmallStack() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<Double> grad = new AtomicReference<>();
        // 256 KiB of stack: a recursive walk of 20,000 nodes would overflow it
        Thread t = new Thread(null, () -> {
            try (Scope s = Scope.open()) {
                Tensor x = leaf(Tensor.scalar(0.5, DType.FLOAT64, Device.CPU));
                Tensor shift = Tensor.scalar(1e-3, DType.FLOAT64, Device.CPU);
                Tensor y = x;
                for (int i = 0; i < 10_000; i++) {
                    y = y.mul(1.00001).add(shift);
                }
                y.backward();
                grad.set(x.grad().item());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "deep-chain", 256 * 1024);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError("deep chain failed", failure.get());
        }
        assertEquals(Math.pow(1.00001, 10_000), grad.get(), 1e-9);
    }

    @Test
    void aTrainingLoopInScopesKeepsPoolMemoryFlat() {
        Inputs r = new Inputs(7);
        Tensor w1 = Scope.detached(() -> r.normal(8, 4));
        Tensor b1 = Scope.detached(() -> leaf(Tensor.zeros(DType.FLOAT64, Device.CPU, 8)));
        Tensor w2 = Scope.detached(() -> r.normal(3, 8));
        Tensor b2 = Scope.detached(() -> leaf(Tensor.zeros(DType.FLOAT64, Device.CPU, 3)));
        Tensor[] params = {w1, b1, w2, b2};
        Tensor x = r.constant(-1, 1, 16, 4);
        Tensor labels = r.indices(3, 16);
        MemoryPool pool = MemoryPool.host();

        Tensor firstGrad = null;
        long baseline = -1;
        double firstLoss = 0;
        double lastLoss = 0;
        for (int step = 0; step < 500; step++) {
            try (Scope s = Scope.open()) {
                Tensor hidden = F.linear(x, w1, b1).relu();
                Tensor loss = F.crossEntropy(F.linear(hidden, w2, b2), labels);
                loss.backward();
                try (Grad off = Grad.disabled()) {
                    for (Tensor p : params) {
                        p.sub_(p.grad().mul(0.1));
                        p.grad().zero_();
                    }
                }
                lastLoss = loss.item();
                if (step == 0) {
                    firstLoss = lastLoss;
                    firstGrad = w1.grad();
                }
            }
            if (step == 20) {
                baseline = pool.stats().bytesInUse();
            }
        }
        long after = pool.stats().bytesInUse();
        assertSame(firstGrad, w1.grad(), "parameter gradients are created once and reused");
        assertTrue(after <= baseline, "pool bytes in use grew from " + baseline + " to " + after
                + " over 480 steps: the step leaks");
        assertTrue(lastLoss < firstLoss, "the loop trains: loss " + firstLoss + " -> " + lastLoss);
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
