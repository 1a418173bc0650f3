package dev.nabla.autograd;

import static dev.nabla.autograd.Inputs.leaf;
import static dev.nabla.autograd.Inputs.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Autograd;
import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.GradCheck;
import dev.nabla.Node;
import dev.nabla.SavedTensor;
import dev.nabla.ScopedTest;
import dev.nabla.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link GradCheck} as users meet it: checking custom ops written the documented way (a {@link Node} subclass
 * whose forward runs inside {@link Grad#disabled()} and which then calls {@link Node#record}).
 */
class GradCheckApiTest extends ScopedTest {

    /**
     * A custom cube op, {@code x³}. Its backward is {@code 3x²·g}, optionally with an error of {@code +0.5·g} at one
     * flat position, so a check must find exactly that element.
     */
    static final class Cube extends Node {
        private final SavedTensor x;
        private final long wrongAt;

        private Cube(Tensor x, long wrongAt) {
            super(x);
            this.x = save(x);
            this.wrongAt = wrongAt;
        }

        static Tensor apply(Tensor x, long wrongAt) {
            Tensor out;
            try (Grad off = Grad.disabled()) {
                out = x.mul(x).mul(x);
            }
            return Node.needed(x) ? new Cube(x, wrongAt).record(out) : out;
        }

        @Override
        public String name() {
            return "CubeBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor slope = x.get().square().mul(3.0);
            if (wrongAt >= 0) {
                double[] bump = new double[Math.toIntExact(slope.numel())];
                bump[(int) wrongAt] = 0.5;
                slope = slope.add(tensor(bump, slope.shape()));
            }
            return new Tensor[] {g.mul(slope)};
        }
    }

    /** {@code a·b + a} for two same-shaped inputs, computing only the gradients that are needed. */
    static final class MulAdd extends Node {
        private final SavedTensor a;
        private final SavedTensor b;

        private MulAdd(Tensor a, Tensor b) {
            super(a, b);
            this.a = needsInputGrad(1) ? save(a) : null;
            this.b = needsInputGrad(0) ? save(b) : null;
        }

        static Tensor apply(Tensor a, Tensor b) {
            Tensor out;
            try (Grad off = Grad.disabled()) {
                out = a.mul(b).add(a);
            }
            return new MulAdd(a, b).record(out);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {needsInputGrad(0) ? g.mul(b.get().add(1.0)) : null,
                    needsInputGrad(1) ? g.mul(a.get()) : null};
        }
    }

    /** {@code x²} whose backward is right but computed out of the graph, so it cannot be differentiated again. */
    static final class OpaqueSquare extends Node {
        private final SavedTensor x;

        private OpaqueSquare(Tensor x) {
            super(x);
            this.x = save(x);
        }

        static Tensor apply(Tensor x) {
            Tensor out;
            try (Grad off = Grad.disabled()) {
                out = x.square();
            }
            return new OpaqueSquare(x).record(out);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            try (Grad off = Grad.disabled()) {
                return new Tensor[] {g.mul(x.get()).mul(2.0)};
            }
        }
    }

    @Test
    void aWrongBackwardFailsNamingTheWorstElement() {
        Tensor x = new Inputs(3).uniform(0.5, 1.5, 2, 3);
        GradCheck.Result r = GradCheck.check(in -> Cube.apply(in[0], 5), x);
        assertFalse(r.passed());
        assertEquals(0, r.input());
        assertArrayEquals(new long[] {1, 2}, r.inputIndex(), "flat position 5 of [2, 3] is [1, 2]");
        assertEquals(5, r.outputIndex());
        double x12 = x.toDoubleArray()[5];
        assertEquals(3 * x12 * x12, r.numeric(), 1e-6);
        assertEquals(3 * x12 * x12 + 0.5, r.analytic(), 1e-12);
        assertEquals(0.5, r.maxAbsError(), 1e-6);
        String text = r.toString();
        assertTrue(text.contains("FAILED") && text.contains("[1, 2]") && text.contains("out[5]"), text);
    }

    @Test
    void aCorrectCustomOpPasses() {
        Inputs rng = new Inputs(4);
        GradCheck.Result cube = GradCheck.check(in -> Cube.apply(in[0], -1).sum(), rng.uniform(-2, 2, 3, 2));
        assertTrue(cube.passed(), cube.toString());
        assertTrue(cube.maxAbsError() < 1e-7, cube.toString());
        assertTrue(cube.toString().startsWith("gradcheck passed"), cube.toString());

        GradCheck.Result both = GradCheck.check(in -> MulAdd.apply(in[0], in[1]), rng.normal(2, 3),
                rng.normal(2, 3));
        assertTrue(both.passed(), both.toString());
        Tensor constant = rng.constant(-1, 1, 2, 3);
        GradCheck.Result one = GradCheck.check(in -> MulAdd.apply(in[0], in[1]), rng.normal(2, 3), constant);
        assertTrue(one.passed(), one.toString());
    }

    @Test
    void aCustomOpBuildsOnTheEngineLikeABuiltInOne() {
        Tensor a = leaf(tensor(new double[] {1, 2}, 2));
        Tensor b = tensor(new double[] {3, -1}, 2);
        Tensor y = MulAdd.apply(a, b);
        assertEquals("MulAddBackward", y.gradFn().name());
        y.sum().backward();
        assertArrayEquals(new double[] {4, 0}, a.grad().toDoubleArray(), 0);
        assertNull(b.grad());

        // its backward is written with Tensor ops, so it can be differentiated again: d²(x³)/dx² = 6x
        Tensor x = leaf(tensor(new double[] {-1, 2}, 2));
        Tensor d1 = Autograd.grad(Cube.apply(x, -1).sum(), new Tensor[] {x}, null, false, true)[0];
        Tensor d2 = Autograd.grad(d1.sum(), new Tensor[] {x}, null, false, false)[0];
        assertArrayEquals(new double[] {-6, 12}, d2.toDoubleArray(), 1e-12);

        // nothing is recorded for inputs that do not require grad
        assertNull(Cube.apply(b, -1).gradFn());
    }

    @Test
    void aBackwardComputedOutsideTheGraphFailsTheSecondOrderCheck() {
        Tensor x = new Inputs(5).uniform(-1, 1, 4);
        assertTrue(GradCheck.check(in -> OpaqueSquare.apply(in[0]), x).passed(), "first order is right");
        GradCheck.Result second = GradCheck.check(in -> {
            try (Grad on = Grad.enabled()) {
                Tensor g = Autograd.grad(OpaqueSquare.apply(in[0]).sum(), new Tensor[] {in[0]}, null, true, true)[0];
                return g.add(in[0].mul(0.0)); // keep the result attached, as GradCheckOpsTest does
            }
        }, x);
        assertFalse(second.passed(), "the second derivative 2 is missing: " + second);
        assertEquals(2.0, second.numeric(), 1e-6);
        assertEquals(0.0, second.analytic(), 0);
    }

    @Test
    void aBackwardThatReturnsAGradientOfTheWrongShapeIsReportedNamingTheOp() {
        // MulAdd does not sum its gradients back over broadcast dimensions: b [3] would get a [2, 3] gradient
        Tensor a = leaf(tensor(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
        Tensor b = leaf(tensor(new double[] {1, 2, 3}, 3));
        for (boolean viaGrad : new boolean[] {false, true}) {
            Tensor y = MulAdd.apply(a, b).sum();
            var e = assertThrows(IllegalStateException.class, () -> {
                if (viaGrad) {
                    Autograd.grad(y, new Tensor[] {a, b}, null, false, false);
                } else {
                    y.backward();
                }
            });
            String m = e.getMessage();
            assertTrue(m.contains("MulAddBackward") && m.contains("[2, 3]") && m.contains("[3]"), m);
        }
    }

    @Test
    void float32InputsAreRejectedWithAClearMessage() {
        Tensor x = tensor(new double[] {1, 2}, 2).to(DType.FLOAT32).requiresGrad_(true);
        var e = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(in -> in[0].square(), x));
        assertTrue(e.getMessage().contains("float64") && e.getMessage().contains(x.describe()), e.getMessage());
    }

    @Test
    void nonLeafInputsAndOutputsThatIgnoreTheInputsAreRejected() {
        Tensor x = leaf(tensor(new double[] {1, 2}, 2));
        Tensor y = x.mul(2.0);
        var nonLeaf = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(in -> in[0].square(), y));
        assertTrue(nonLeaf.getMessage().contains("not a leaf"), nonLeaf.getMessage());

        Tensor c = tensor(new double[] {1, 2}, 2);
        var constant = assertThrows(IllegalArgumentException.class, () -> GradCheck.check(in -> in[0].square(), c));
        assertTrue(constant.getMessage().contains("does not depend"), constant.getMessage());
    }

    @Test
    void customTolerancesAreHonoured() {
        Tensor x = new Inputs(6).uniform(0.5, 1.5, 3);
        // an error of 0.5 passes with an absolute tolerance of 1
        assertTrue(GradCheck.check(in -> Cube.apply(in[0], 1), 1e-6, 1.0, 0.0, x).passed());
        assertFalse(GradCheck.check(in -> Cube.apply(in[0], 1), 1e-6, 0.1, 0.0, x).passed());
    }
}
