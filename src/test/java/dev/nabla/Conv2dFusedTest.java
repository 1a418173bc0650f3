package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.nativelib.Dnnl;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code cpu} device's fused float32 convolution (oneDNN's primitives through {@link Conv2dOp}) against the
 * composed convolution (unfold + GEMM) of the pure-Java device computed in float64, which GradCheckOpsTest checks
 * against finite differences: output and the gradients of input, weight and bias on many geometries; and the second
 * derivative ({@code createGraph}) of the fused forward against the composed one.
 */
class Conv2dFusedTest extends ScopedTest {
    /** float32 against float64: relative to the largest magnitude of the expected tensor. */
    private static final double TOLERANCE = 2e-5;

    /** Geometry: n, c, h, w, o, kh, kw, stride (h, w), padding (h, w), dilation (h, w), groups, bias. */
    record Geometry(String name, int n, int c, int h, int w, int o, int kh, int kw, int[] stride, int[] padding,
                    int[] dilation, int groups, boolean bias) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> geometries() {
        return Stream.of(
                // name, n, c, h, w, o, kh, kw, stride h, w, padding h, w, dilation, groups, bias
                g("Fashion-MNIST conv1", 4, 1, 28, 28, 32, 3, 3, 1, 1, 1, 1, 1, 1, false),
                g("Fashion-MNIST conv2", 3, 32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1, false),
                g("3x3 with bias", 2, 3, 9, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1, true),
                g("N=1, 1x1", 1, 6, 5, 5, 4, 1, 1, 1, 1, 0, 0, 1, 1, true),
                g("stride 2, padding 1", 2, 4, 11, 10, 6, 3, 3, 2, 2, 1, 1, 1, 1, true),
                g("stride (1, 3), padding (2, 0)", 2, 3, 8, 13, 5, 3, 2, 1, 3, 2, 0, 1, 1, true),
                g("dilation 2", 2, 3, 10, 9, 4, 3, 3, 1, 1, 2, 2, 2, 1, true),
                g("5x5 odd sizes", 3, 5, 13, 11, 7, 5, 5, 2, 1, 2, 1, 1, 1, false),
                g("groups 2", 2, 4, 7, 7, 6, 3, 3, 1, 1, 1, 1, 1, 2, true),
                g("depthwise", 2, 8, 9, 9, 8, 3, 3, 2, 2, 1, 1, 1, 8, false),
                g("rectangular kernel 2x4", 1, 3, 6, 9, 2, 2, 4, 1, 2, 0, 1, 1, 1, true));
    }

    private static Arguments g(String name, int n, int c, int h, int w, int o, int kh, int kw, int sh, int sw, int ph,
                               int pw, int dil, int groups, boolean bias) {
        return Arguments.of(new Geometry(name, n, c, h, w, o, kh, kw, new int[] {sh, sw}, new int[] {ph, pw},
                new int[] {dil, dil}, groups, bias));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("geometries")
    void fusedMatchesComposedInFloat64(Geometry geo) {
        assumeTrue(Dnnl.load().isPresent(), "oneDNN is not installed: the cpu device composes its convolutions");
        Generator gen = new Generator(7);
        Tensor x = Tensor.randn(gen, geo.n, geo.c, geo.h, geo.w);
        Tensor w = Tensor.randn(gen, geo.o, geo.c / geo.groups, geo.kh, geo.kw);
        Tensor b = geo.bias ? Tensor.randn(gen, geo.o) : null;
        long[] outShape = {geo.n, geo.o, (geo.h + 2L * geo.padding[0] - geo.dilation[0] * (geo.kh - 1L) - 1)
                / geo.stride[0] + 1, (geo.w + 2L * geo.padding[1] - geo.dilation[1] * (geo.kw - 1L) - 1) / geo.stride[1] + 1};
        Tensor weights = Tensor.randn(gen, outShape);
        Tensor[] fused = run(geo, x, w, b, weights, Device.CPU, DType.FLOAT32, true);
        Tensor[] reference = run(geo, x, w, b, weights, Device.JAVA, DType.FLOAT64, false);
        String[] what = {"output", "grad x", "grad weight", "grad bias"};
        for (int i = 0; i < fused.length; i++) {
            if (reference[i] == null) {
                assertNull(fused[i], what[i]);
                continue;
            }
            assertClose(reference[i], fused[i], geo + " " + what[i]);
        }
    }

    /** Output and gradients of {@code sum(out * weights)} (random weights: every output position counts differently). */
    private static Tensor[] run(Geometry geo, Tensor x0, Tensor w0, Tensor b0, Tensor weights, Device device,
                                DType dtype, boolean expectFused) {
        Tensor x = x0.to(device, dtype).detach().requiresGrad_(true);
        Tensor w = w0.to(device, dtype).detach().requiresGrad_(true);
        Tensor b = b0 == null ? null : b0.to(device, dtype).detach().requiresGrad_(true);
        Tensor out = F.conv2d(x, w, b, geo.stride, geo.padding, geo.dilation, geo.groups);
        assertEquals(expectFused, out.gradFn() instanceof Conv2dOp, "fused path on " + device + " " + dtype
                + ": grad_fn " + out.gradFn());
        out.mul(weights.to(device, dtype)).sum().backward();
        return new Tensor[] {out, x.grad(), w.grad(), b == null ? null : b.grad()};
    }

    @Test
    void secondDerivativeOfFusedForwardMatchesComposed() {
        assumeTrue(Dnnl.load().isPresent(), "oneDNN is not installed: the cpu device composes its convolutions");
        Generator gen = new Generator(11);
        Tensor x0 = Tensor.randn(gen, 2, 4, 6, 5);
        Tensor w0 = Tensor.randn(gen, 6, 2, 3, 3);
        Tensor b0 = Tensor.randn(gen, 6);
        Tensor[] fused = secondOrder(x0, w0, b0, Device.CPU, DType.FLOAT32);
        Tensor[] reference = secondOrder(x0, w0, b0, Device.JAVA, DType.FLOAT64);
        for (int i = 0; i < fused.length; i++) {
            assertClose(reference[i], fused[i], "second derivative " + i);
        }
    }

    /**
     * With {@code createGraph}: the input and weight gradients of {@code sum(conv(x, w, b)²)}, then the gradients of
     * {@code sum(gx²) + sum(gw²)} with respect to x, w and b (every composed backward formula differentiated again).
     */
    private static Tensor[] secondOrder(Tensor x0, Tensor w0, Tensor b0, Device device, DType dtype) {
        Tensor x = x0.to(device, dtype).detach().requiresGrad_(true);
        Tensor w = w0.to(device, dtype).detach().requiresGrad_(true);
        Tensor b = b0.to(device, dtype).detach().requiresGrad_(true);
        int[] s = {1, 2};
        Tensor out = F.conv2d(x, w, b, s, new int[] {1, 1}, new int[] {1, 1}, 2);
        Tensor[] first = Autograd.grad(out.mul(out).sum(), new Tensor[] {x, w}, null, true, true);
        Tensor[] second = Autograd.grad(first[0].mul(first[0]).sum().add(first[1].mul(first[1]).sum()),
                new Tensor[] {x, w, b}, null, false, false);
        return new Tensor[] {first[0], first[1], second[0], second[1], second[2]};
    }

    @Test
    void float64OnTheCpuDeviceComposes() {
        Generator gen = new Generator(3);
        Tensor x = Tensor.randn(gen, 2, 3, 5, 5).to(DType.FLOAT64).requiresGrad_(true);
        Tensor w = Tensor.randn(gen, 4, 3, 3, 3).to(DType.FLOAT64).requiresGrad_(true);
        Tensor out = F.conv2d(x, w, null, 1, 1);
        assertNotNull(out.gradFn());
        assertTrue(!(out.gradFn() instanceof Conv2dOp), "oneDNN 2.6 has no float64 convolution: " + out.gradFn());
        assertArrayEquals(new long[] {2, 4, 5, 5}, out.shape());
    }

    private static void assertClose(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        double scale = 1e-3;
        for (double v : e) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], TOLERANCE * scale, what + " at " + i);
        }
    }
}
