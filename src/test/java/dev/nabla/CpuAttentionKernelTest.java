package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cpu device's attention (OpenBLAS GEMMs over blocks) against the java device's fused kernel, the reference:
 * outputs and the gradients of q, k and v on shapes that take each of its paths (many problems split over threads,
 * one problem on the caller, several key blocks with the online softmax, causal with more or fewer keys than
 * queries, broadcast bool and additive masks with fully masked rows, dropout from the same seed), float32 and
 * float64, and a float64 GradCheck across two key blocks; strided heads (views of one projection) read in place, against
 * the java kernel on contiguous copies and by a float64 GradCheck.
 */
class CpuAttentionKernelTest extends ScopedTest {

    /** One call: batch dims, queries, keys, widths, mask kind (none, bool, additive), causal, dropout. */
    record Case(String name, long[] batch, int l, int s, int e, int ev, String mask, boolean causal, double dropout) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        Case[] cases = {
            new Case("many problems", new long[] {3, 4}, 70, 45, 16, 8, "none", false, 0),
            new Case("one problem, bool mask", new long[] {1}, 130, 97, 8, 5, "bool", false, 0),
            new Case("causal, more queries", new long[] {2}, 150, 90, 8, 8, "none", true, 0),
            new Case("causal, more keys, additive", new long[] {2, 2}, 40, 150, 8, 4, "additive", true, 0),
            new Case("key blocks, causal", new long[] {1}, 2100, 2100, 4, 3, "none", true, 0),
            new Case("key blocks, bool mask", new long[] {2, 1}, 70, 2300, 4, 3, "bool", false, 0),
            new Case("dropout with mask", new long[] {2, 3}, 33, 70, 8, 6, "additive", false, 0.3),
        };
        return Stream.of(cases).flatMap(c -> Stream.of(DType.FLOAT64, DType.FLOAT32).map(t -> Arguments.of(c, t)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void matchesTheJavaKernel(Case c, DType dtype) {
        Generator g = new Generator(c.l() * 31L + c.s());
        Tensor q = randn(g, dtype, c.batch(), c.l(), c.e());
        Tensor k = randn(g, dtype, c.batch(), c.s(), c.e());
        Tensor v = randn(g, dtype, c.batch(), c.s(), c.ev());
        Tensor gout = randn(g, dtype, c.batch(), c.l(), c.ev());
        Tensor mask = mask(g, c, dtype);
        Tensor[] want = run(c, q, k, v, mask, gout, Device.JAVA);
        Tensor[] got = run(c, q, k, v, mask, gout, Device.CPU);
        double tol = dtype == DType.FLOAT64 ? 1e-10 : 2e-4;
        for (int i = 0; i < want.length; i++) {
            assertClose(want[i], got[i], tol, c + " result " + i);
        }
    }

    @Test
    void gradCheckFloat64AcrossKeyBlocksWithMask() {
        Generator g = new Generator(4);
        Tensor q = Tensor.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 1, 2, 1).requiresGrad_(true);
        Tensor k = Tensor.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 1, 2049, 1).requiresGrad_(true);
        Tensor v = Tensor.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 1, 2049, 1).requiresGrad_(true);
        Tensor mask = Tensor.rand(g, 2, 2049).lt(0.7);
        GradCheck.Result r = GradCheck.check(in -> F.scaledDotProductAttention(in[0], in[1], in[2], mask, 0, false),
                q, k, v);
        assertTrue(r.passed(), r.toString());
    }

    /**
     * Heads viewed from one {@code [N, L, 3E]} projection ({@code [N, H, L, D]} views with row stride 3E, as
     * MultiheadAttention's q, k and v) and a transposed output gradient: the cpu kernel reads them in place and lays
     * out its output and gradients like them, with the values of the java kernel on contiguous copies.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dtypes")
    void readsStridedHeadsInPlace(DType dtype) {
        long n = 2;
        long l = 70;
        long h = 3;
        long d = 8;
        Generator g = new Generator(9);
        Tensor proj = Tensor.normal(g, 0, 1, dtype, Device.JAVA, n, l, 3 * h * d);
        Tensor gout = Tensor.normal(g, 0, 1, dtype, Device.JAVA, n, l, h, d);
        Tensor mask = Tensor.rand(g, l, l).to(Device.JAVA).lt(0.8);
        Tensor[][] results = new Tensor[2][];
        for (Device dev : new Device[] {Device.JAVA, Device.CPU}) {
            Tensor leaf = proj.to(dev).detach().requiresGrad_(true);
            Tensor[] qkv = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                qkv[i] = leaf.narrow(2, i * h * d, h * d).reshape(n, l, h, d).transpose(1, 2);
            }
            assertTrue(!qkv[0].isContiguous(), "the heads are strided views");
            Tensor out = F.scaledDotProductAttention(qkv[0], qkv[1], qkv[2], mask.to(dev), 0, true, Double.NaN,
                    new Generator(1));
            assertEquals("ScaledDotProductAttentionBackward", out.gradFn().name(), "the fused op ran");
            Tensor[] grads = Autograd.grad(out, qkv, gout.to(dev).transpose(1, 2), false, false);
            if (dev == Device.CPU) {
                assertTrue(out.transpose(1, 2).isContiguous(), "the output is laid out [N, L, H, D]");
                for (Tensor gr : grads) {
                    assertTrue(gr.transpose(1, 2).isContiguous(), "each gradient is laid out like its head");
                }
            }
            results[dev == Device.JAVA ? 0 : 1] = new Tensor[] {out, grads[0], grads[1], grads[2]};
        }
        double tol = dtype == DType.FLOAT64 ? 1e-10 : 2e-4;
        for (int i = 0; i < 4; i++) {
            assertClose(results[0][i], results[1][i], tol, "strided heads, result " + i);
        }
    }

    @Test
    void gradCheckFloat64OnStridedHeads() {
        Generator g = new Generator(5);
        Tensor proj = Tensor.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 2, 5, 3 * 2 * 3).requiresGrad_(true);
        GradCheck.Result r = GradCheck.check(in -> {
            Tensor[] qkv = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                qkv[i] = in[0].narrow(2, i * 6, 6).reshape(2, 5, 2, 3).transpose(1, 2);
            }
            return F.scaledDotProductAttention(qkv[0], qkv[1], qkv[2], null, 0, true).transpose(1, 2);
        }, proj);
        assertTrue(r.passed(), r.toString());
    }

    static Stream<DType> dtypes() {
        return Stream.of(DType.FLOAT64, DType.FLOAT32);
    }

    private static Tensor[] run(Case c, Tensor q, Tensor k, Tensor v, Tensor mask, Tensor gout, Device d) {
        Tensor qd = q.to(d).detach().requiresGrad_(true);
        Tensor kd = k.to(d).detach().requiresGrad_(true);
        Tensor vd = v.to(d).detach().requiresGrad_(true);
        Tensor out = F.scaledDotProductAttention(qd, kd, vd, mask == null ? null : mask.to(d), c.dropout(),
                c.causal(), Double.NaN, new Generator(77));
        assertEquals("ScaledDotProductAttentionBackward", out.gradFn().name(), "the fused op ran");
        Tensor[] grads = Autograd.grad(out, new Tensor[] {qd, kd, vd}, gout.to(d), false, false);
        return new Tensor[] {out, grads[0], grads[1], grads[2]};
    }

    /** The case's mask over [l, s] broadcast across the batch, with query row 1 fully masked out. */
    private static Tensor mask(Generator g, Case c, DType dtype) {
        if (c.mask().equals("none")) {
            return null;
        }
        double[] rowOne = new double[c.l()];
        rowOne[1] = 1;
        Tensor notRowOne = Tensor.of(rowOne, DType.FLOAT64, Device.JAVA, c.l(), 1).lt(0.5);
        Tensor keep = Tensor.rand(g, c.l(), c.s()).to(Device.JAVA).lt(0.75).logicalAnd(notRowOne);
        return c.mask().equals("bool") ? keep : Tensor.normal(g, 0, 1, dtype, Device.JAVA, c.l(), c.s())
                .maskedFill(keep.logicalNot(), Double.NEGATIVE_INFINITY);
    }

    private static Tensor randn(Generator g, DType dtype, long[] batch, long rows, long cols) {
        long[] shape = java.util.Arrays.copyOf(batch, batch.length + 2);
        shape[batch.length] = rows;
        shape[batch.length + 1] = cols;
        return Tensor.normal(g, 0, 1, dtype, Device.JAVA, shape);
    }

    private static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double[] want = expected.toDoubleArray();
        double[] got = actual.toDoubleArray();
        for (int i = 0; i < want.length; i++) {
            if (Double.isNaN(want[i])) { // the output of a fully masked row, as PyTorch's
                assertTrue(Double.isNaN(got[i]), what + ", element " + i + ": NaN expected, got " + got[i]);
            } else {
                assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + ", element " + i);
            }
        }
    }
}
