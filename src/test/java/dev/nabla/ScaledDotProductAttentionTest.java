package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.fixtures.Json;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code F.scaledDotProductAttention}: the fused kernel (java and cpu devices) and the composite path against
 * softmax(q kᵀ scale + mask) v computed by PyTorch in float64 (scripts/make_attention_fixtures.py), forward and the
 * gradients of q, k and v; GradCheck in float64 (also through dropout, which checks that the backward regenerates
 * the forward's mask); dropout reproducibility; the fused op's peak pool memory; errors.
 */
class ScaledDotProductAttentionTest extends ScopedTest {
    private static final String PATH = "/fixtures/nn/attention.json";

    static Stream<Arguments> cases() {
        List<Object> cases = Json.list(Json.map(Json.resource(PATH, PATH + " is missing; regenerate it with "
                + "/usr/bin/python3 scripts/make_attention_fixtures.py src/test/resources/fixtures/nn")).get("cases"));
        return cases.stream().flatMap(c -> Stream.of(Device.CPU, Device.JAVA).flatMap(d ->
                Stream.of(DType.FLOAT64, DType.FLOAT32).map(t -> Arguments.of(Json.map(c).get("name"), c, d, t))));
    }

    @ParameterizedTest(name = "fused: {0} on {2} {3}")
    @MethodSource("cases")
    void fusedMatchesPyTorch(String name, Object raw, Device device, DType dtype) {
        check(Json.map(raw), device, dtype, false);
    }

    @ParameterizedTest(name = "composite: {0} on {2} {3}")
    @MethodSource("cases")
    void compositeMatchesPyTorch(String name, Object raw, Device device, DType dtype) {
        if (device == Device.CPU) {
            check(Json.map(raw), device, dtype, true);
        }
    }

    private static void check(Map<String, Object> c, Device device, DType dtype, boolean composite) {
        double tol = dtype == DType.FLOAT64 ? 1e-10 : 2e-5;
        Tensor q = tensor(c.get("q"), dtype, device).requiresGrad_(true);
        Tensor k = tensor(c.get("k"), dtype, device).requiresGrad_(true);
        Tensor v = tensor(c.get("v"), dtype, device).requiresGrad_(true);
        Tensor mask = null;
        if (c.get("mask") != null) {
            mask = tensor(c.get("mask"), dtype, device);
            if ((Boolean) c.get("mask_bool")) {
                mask = mask.ne(0.0);
            }
        }
        boolean causal = (Boolean) c.get("causal");
        double scale = c.get("scale") == null ? Double.NaN : ((Number) c.get("scale")).doubleValue();
        Tensor out = composite ? ScaledDotProductAttention.composite(q, k, v, mask, causal, 0, scale, 0)
                : F.scaledDotProductAttention(q, k, v, mask, 0, causal, scale);
        assertEquals(composite ? "MatMulBackward" : "ScaledDotProductAttentionBackward", out.gradFn().name(),
                "which path ran");
        assertClose(c.get("out"), out, tol);
        out.mul(tensor(c.get("gout"), dtype, device)).sum().backward();
        assertClose(c.get("grad_q"), q.grad(), tol);
        assertClose(c.get("grad_k"), k.grad(), tol);
        assertClose(c.get("grad_v"), v.grad(), tol);
    }

    @Test
    void gradCheckFloat64WithMaskAndCausal() {
        for (Device d : new Device[] {Device.CPU, Device.JAVA}) {
            Tensor q = randn(1, d, 2, 3, 4).requiresGrad_(true);
            Tensor k = randn(2, d, 2, 5, 4).requiresGrad_(true);
            Tensor v = randn(3, d, 2, 5, 3).requiresGrad_(true);
            Tensor mask = randn(4, d, 3, 5);
            GradCheck.Result r = GradCheck.check(in -> F.scaledDotProductAttention(in[0], in[1], in[2], mask, 0,
                    true, 0.7), q, k, v);
            assertTrue(r.passed(), d + ": " + r);
        }
    }

    @Test
    void gradCheckThroughDropoutUsesTheForwardsMask() {
        // every call draws its seed from a fresh Generator(9): the function is deterministic, so the finite
        // differences see one fixed mask and the analytic gradient is right only if backward regenerates it
        Tensor q = randn(5, Device.CPU, 2, 6, 4).requiresGrad_(true);
        Tensor k = randn(6, Device.CPU, 2, 7, 4).requiresGrad_(true);
        Tensor v = randn(7, Device.CPU, 2, 7, 3).requiresGrad_(true);
        GradCheck.Result r = GradCheck.check(in -> F.scaledDotProductAttention(in[0], in[1], in[2], null, 0.4,
                false, Double.NaN, new Generator(9)), q, k, v);
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void dropoutIsReproducibleAndMatchesTheComposite() {
        Tensor q = randn(5, Device.CPU, 2, 6, 4).requiresGrad_(true);
        Tensor k = randn(6, Device.CPU, 2, 7, 4).requiresGrad_(true);
        Tensor v = randn(7, Device.CPU, 2, 7, 3).requiresGrad_(true);
        double[] a = F.scaledDotProductAttention(q, k, v, null, 0.5, false, Double.NaN, new Generator(3))
                .toDoubleArray();
        Tensor fused = F.scaledDotProductAttention(q, k, v, null, 0.5, false, Double.NaN, new Generator(3));
        assertArrayEquals(a, fused.toDoubleArray(), "same generator seed, same output");
        double[] other = F.scaledDotProductAttention(q, k, v, null, 0.5, false, Double.NaN, new Generator(4))
                .toDoubleArray();
        assertFalse(java.util.Arrays.equals(a, other), "another seed drops other weights");
        double[] none = F.scaledDotProductAttention(q, k, v).toDoubleArray();
        assertFalse(java.util.Arrays.equals(a, none), "dropout changed something");

        long seed = new Generator(3).nextLong(); // what the fused call drew
        Tensor ref = ScaledDotProductAttention.composite(q, k, v, null, false, 0.5, Double.NaN, seed);
        assertArrays(ref.toDoubleArray(), fused.toDoubleArray(), 1e-12);
        Tensor gout = randn(8, Device.CPU, 2, 6, 3);
        Tensor[] gFused = Autograd.grad(fused, new Tensor[] {q, k, v}, gout, false, false);
        Tensor[] gRef = Autograd.grad(ref, new Tensor[] {q, k, v}, gout, false, false);
        for (int i = 0; i < 3; i++) {
            assertArrays(gRef[i].toDoubleArray(), gFused[i].toDoubleArray(), 1e-12);
        }
    }

    @Test
    void doubleBackwardMatchesTheComposite() {
        Tensor q = randn(11, Device.CPU, 3, 4).requiresGrad_(true);
        Tensor k = randn(12, Device.CPU, 5, 4).requiresGrad_(true);
        Tensor v = randn(13, Device.CPU, 5, 2).requiresGrad_(true);
        Tensor gout = randn(14, Device.CPU, 3, 2);
        Tensor[] fused = secondOrder(F.scaledDotProductAttention(q, k, v, null, 0, true), gout, q, k, v);
        Tensor[] ref = secondOrder(ScaledDotProductAttention.composite(q, k, v, null, true, 0, Double.NaN, 0), gout,
                q, k, v);
        for (int i = 0; i < 3; i++) {
            assertArrays(ref[i].toDoubleArray(), fused[i].toDoubleArray(), 1e-10);
        }
    }

    /** The gradients of sum(dq²) + sum(dk²) + sum(dv²) with respect to q, k, v. */
    private static Tensor[] secondOrder(Tensor out, Tensor gout, Tensor... in) {
        Tensor[] g = Autograd.grad(out, in, gout, true, true);
        Tensor penalty = g[0].mul(g[0]).sum().add(g[1].mul(g[1]).sum()).add(g[2].mul(g[2]).sum());
        return Autograd.grad(penalty, in, null, false, false);
    }

    @Test
    void fusedPeakMemoryStaysFarBelowTheScoreMatrix() {
        int l = 2048;
        Tensor q = randn(21, Device.CPU, l, 64).to(DType.FLOAT32).requiresGrad_(true);
        Tensor k = randn(22, Device.CPU, l, 64).to(DType.FLOAT32).requiresGrad_(true);
        Tensor v = randn(23, Device.CPU, l, 64).to(DType.FLOAT32).requiresGrad_(true);
        Tensor gout = randn(24, Device.CPU, l, 64).to(DType.FLOAT32);
        Device.CPU.resetPeakMemoryStats();
        long before = Device.CPU.memoryStats().bytesInUse();
        Tensor out = F.scaledDotProductAttention(q, k, v, null, 0, true);
        out.backward(gout);
        long peak = Device.CPU.memoryStats().peakBytesInUse() - before;
        long scores = (long) l * l * 4;
        // out, lse and the three gradients: about 2 MB; one L x S float32 matrix alone is 16 MB
        assertTrue(peak < scores / 4, "peak " + peak + " bytes vs " + scores + " for the scores");
        assertTrue(Double.isFinite(q.grad().sum().item()));
    }

    @Test
    void reducedPrecisionComputesInFloat32() {
        Tensor q = randn(31, Device.CPU, 2, 3, 4).to(DType.FLOAT32);
        Tensor k = randn(32, Device.CPU, 2, 5, 4).to(DType.FLOAT32);
        Tensor v = randn(33, Device.CPU, 2, 5, 3).to(DType.FLOAT32);
        Tensor want = F.scaledDotProductAttention(q, k, v);
        Tensor got = F.scaledDotProductAttention(q.to(DType.BFLOAT16), k.to(DType.BFLOAT16), v.to(DType.BFLOAT16));
        assertEquals(DType.BFLOAT16, got.dtype());
        assertArrays(want.toDoubleArray(), got.toDoubleArray(), 5e-2);
    }

    @Test
    void badArgumentsAreNamed() {
        Tensor q = Tensor.zeros(2, 3, 4);
        Tensor k = Tensor.zeros(2, 5, 4);
        Tensor v = Tensor.zeros(2, 5, 6);
        assertMessage(() -> F.scaledDotProductAttention(q, Tensor.zeros(2, 5, 3), v), "shapes do not fit");
        assertMessage(() -> F.scaledDotProductAttention(q, k, Tensor.zeros(2, 4, 6)), "shapes do not fit");
        assertMessage(() -> F.scaledDotProductAttention(q, k, Tensor.zeros(5, 6)), "same rank");
        assertMessage(() -> F.scaledDotProductAttention(q, k, v, Tensor.zeros(3, 4)), "cannot be broadcast");
        assertMessage(() -> F.scaledDotProductAttention(q, k, v, Tensor.zeros(DType.INT64, Device.CPU, 3, 5)),
                "mask must be bool");
        assertMessage(() -> F.scaledDotProductAttention(q, k, v, null, 1.0, false), "dropout probability");
        assertMessage(() -> F.scaledDotProductAttention(q, k, v.to(DType.FLOAT64)), "one floating dtype");
        assertMessage(() -> F.scaledDotProductAttention(q, k.to(Device.JAVA), v), "different devices");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String part) {
        var e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains("scaledDotProductAttention") && e.getMessage().contains(part),
                e.getMessage());
    }

    private static Tensor randn(long seed, Device device, long... shape) {
        return Tensor.normal(new Generator(seed), 0, 1, DType.FLOAT64, device, shape);
    }

    private static Tensor tensor(Object o, DType dtype, Device device) {
        Map<String, Object> m = Json.map(o);
        long[] shape = Json.list(m.get("shape")).stream().mapToLong(x -> ((Number) x).longValue()).toArray();
        double[] data = Json.list(m.get("data")).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
        return Tensor.of(data, dtype, device, shape);
    }

    private static void assertClose(Object expected, Tensor actual, double tol) {
        Map<String, Object> m = Json.map(expected);
        long[] shape = Json.list(m.get("shape")).stream().mapToLong(x -> ((Number) x).longValue()).toArray();
        assertArrayEquals(shape, actual.shape());
        double[] want = Json.list(m.get("data")).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
        assertArrays(want, actual.toDoubleArray(), tol);
    }

    private static void assertArrays(double[] want, double[] got, double tol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), "element " + i);
        }
    }
}
