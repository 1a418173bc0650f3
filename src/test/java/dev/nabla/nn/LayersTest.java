package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** Each layer's forward against a plain-array computation from its definition, its options and its repr. */
@SuppressWarnings("try") // scopes opened only to release what the test allocates
class LayersTest {
    private static final DType F64 = DType.FLOAT64;

    private static Tensor randn(long seed, long... shape) {
        return Tensor.normal(new Generator(seed), 0, 1, F64, Device.CPU, shape);
    }

    private static Tensor arange(int n, long... shape) {
        return Tensor.arange(0, n, 1, F64, Device.CPU).reshape(shape);
    }

    // ------------------------------------------------------------------ convolution and pooling

    /** Direct convolution loops: x [N, C, H, W], w [O, C/g, kh, kw]. */
    private static double[] conv(double[] x, long[] xs, double[] w, long[] ws, double[] b, int s, int p, int d, int g,
                                 int oh, int ow) {
        int n = (int) xs[0];
        int c = (int) xs[1];
        int h = (int) xs[2];
        int wd = (int) xs[3];
        int o = (int) ws[0];
        int cg = (int) ws[1];
        int kh = (int) ws[2];
        int kw = (int) ws[3];
        double[] out = new double[n * o * oh * ow];
        for (int bi = 0; bi < n; bi++) {
            for (int oc = 0; oc < o; oc++) {
                int group = oc / (o / g);
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double acc = b == null ? 0 : b[oc];
                        for (int ic = 0; ic < cg; ic++) {
                            int cin = group * cg + ic;
                            for (int u = 0; u < kh; u++) {
                                for (int v = 0; v < kw; v++) {
                                    int y = i * s - p + u * d;
                                    int z = j * s - p + v * d;
                                    if (y >= 0 && y < h && z >= 0 && z < wd) {
                                        acc += x[((bi * c + cin) * h + y) * wd + z] * w[((oc * cg + ic) * kh + u) * kw + v];
                                    }
                                }
                            }
                        }
                        out[((bi * o + oc) * oh + i) * ow + j] = acc;
                    }
                }
            }
        }
        return out;
    }

    @Test
    void conv2dMatchesDirectLoops() {
        try (var conv = new Conv2d(4, 6, new int[] {3, 3}, new int[] {2, 2}, new int[] {1, 1}, new int[] {2, 2}, 2,
                true, new Generator(1), F64, Device.CPU); Scope s = Scope.open()) {
            Tensor x = randn(2, 2, 4, 7, 6);
            Tensor y = conv.forward(x);
            // out = floor((7 + 2 - 2*2 - 1) / 2) + 1 = 3, floor((6 + 2 - 5) / 2) + 1 = 2
            assertArrayEquals(new long[] {2, 6, 3, 2}, y.shape());
            Tensor w = conv.namedParameters().get("weight");
            double[] want = conv(x.toDoubleArray(), x.shape(), w.toDoubleArray(), w.shape(),
                    conv.namedParameters().get("bias").toDoubleArray(), 2, 1, 2, 2, 3, 2);
            assertArrayEquals(want, y.toDoubleArray(), 1e-13);
            var e = assertThrows(IllegalArgumentException.class, () -> conv.forward(randn(3, 1, 3, 5, 5)));
            assertTrue(e.getMessage().contains("[N, 4, H, W]"), e.getMessage());
        }
        try (var conv = new Conv2d(3, 16, 3, 1, 1)) {
            assertTrue(conv.toString().startsWith("Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"),
                    conv.toString());
        }
        try (var conv = new Conv2d(4, 6, new int[] {3, 1}, new int[] {2, 1}, new int[] {0, 0}, new int[] {2, 2}, 2,
                false, new Generator(1), F64, Device.CPU)) {
            assertTrue(conv.toString().startsWith("Conv2d(4, 6, kernel_size=(3, 1), stride=(2, 1), "
                    + "dilation=(2, 2), groups=2, bias=False)"), conv.toString());
        }
    }

    @Test
    void poolingLayers() {
        try (Scope s = Scope.open()) {
            Tensor x = arange(16, 1, 1, 4, 4);
            assertArrayEquals(new double[] {5, 7, 13, 15}, new MaxPool2d(2).forward(x).toDoubleArray());
            assertArrayEquals(new double[] {2.5, 4.5, 10.5, 12.5}, new AvgPool2d(2).forward(x).toDoubleArray());
            assertArrayEquals(new double[] {7.5}, new AdaptiveAvgPool2d(1).forward(x).toDoubleArray());
            // 4 -> 3: windows [0, 2), [1, 3), [2, 4) in each direction
            double[] want = new double[9];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    double sum = 0;
                    for (int y = i; y < i + 2; y++) {
                        for (int z = j; z < j + 2; z++) {
                            sum += y * 4 + z;
                        }
                    }
                    want[i * 3 + j] = sum / 4;
                }
            }
            assertArrayEquals(want, new AdaptiveAvgPool2d(3).forward(x).toDoubleArray(), 1e-15);
            // stride 1 with padding: max over a 3x3 neighbourhood (padding never wins)
            Tensor m = new MaxPool2d(3, 1, 1).forward(x);
            assertArrayEquals(new long[] {1, 1, 4, 4}, m.shape());
            assertEquals(5, m.toDoubleArray()[0]);
            // average with zero padding counted: corner = (0 + 1 + 4 + 5) / 9
            assertEquals(10.0 / 9, new AvgPool2d(3, 1, 1).forward(x).toDoubleArray()[0], 1e-15);
            assertArrayEquals(new long[] {1, 1, 2, 1}, new AdaptiveAvgPool2d(2, 1).forward(x).shape());
        }
        assertEquals("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)",
                new MaxPool2d(2).toString().lines().findFirst().orElseThrow());
        assertEquals("AvgPool2d(kernel_size=3, stride=1, padding=1)",
                new AvgPool2d(3, 1, 1).toString().lines().findFirst().orElseThrow());
        assertEquals("AdaptiveAvgPool2d(output_size=(2, 1))",
                new AdaptiveAvgPool2d(2, 1).toString().lines().findFirst().orElseThrow());
    }

    // ------------------------------------------------------------------ normalisation

    @Test
    void batchNorm1dTrainsOnBatchStatisticsAndEvaluatesOnRunningOnes() {
        try (var bn = new BatchNorm1d(3, 1e-5, 0.1, true, true, F64, Device.CPU); Scope s = Scope.open()) {
            Tensor x = randn(1, 5, 3).mul(2).add(1);
            double[] xv = x.toDoubleArray();
            double[] mean = new double[3];
            double[] var = new double[3]; // biased
            for (int c = 0; c < 3; c++) {
                for (int n = 0; n < 5; n++) {
                    mean[c] += xv[n * 3 + c] / 5;
                }
                for (int n = 0; n < 5; n++) {
                    var[c] += Math.pow(xv[n * 3 + c] - mean[c], 2) / 5;
                }
            }
            double[] y = bn.forward(x).toDoubleArray();
            for (int n = 0; n < 5; n++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals((xv[n * 3 + c] - mean[c]) / Math.sqrt(var[c] + 1e-5), y[n * 3 + c], 1e-12);
                }
            }
            double[] rm = bn.namedBuffers().get("running_mean").toDoubleArray();
            double[] rv = bn.namedBuffers().get("running_var").toDoubleArray();
            for (int c = 0; c < 3; c++) {
                assertEquals(0.1 * mean[c], rm[c], 1e-14);
                assertEquals(0.9 + 0.1 * var[c] * 5 / 4, rv[c], 1e-14); // unbiased variance
            }
            assertEquals(1, bn.namedBuffers().get("num_batches_tracked").item());
            bn.forward(x);
            assertEquals(2, bn.namedBuffers().get("num_batches_tracked").item());

            bn.eval();
            rm = bn.namedBuffers().get("running_mean").toDoubleArray();
            rv = bn.namedBuffers().get("running_var").toDoubleArray();
            double[] e = bn.forward(x).toDoubleArray();
            for (int n = 0; n < 5; n++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals((xv[n * 3 + c] - rm[c]) / Math.sqrt(rv[c] + 1e-5), e[n * 3 + c], 1e-12);
                }
            }
            assertEquals(2, bn.namedBuffers().get("num_batches_tracked").item(), "eval does not count batches");
            assertArrayEquals(rm, bn.namedBuffers().get("running_mean").toDoubleArray(), "eval leaves stats alone");
            // [N, C, L] is accepted, anything else is not
            assertArrayEquals(new long[] {2, 3, 4}, bn.forward(randn(2, 2, 3, 4)).shape());
            assertThrows(IllegalArgumentException.class, () -> bn.forward(randn(2, 2, 3, 4, 4)));
            assertThrows(IllegalArgumentException.class, () -> bn.forward(randn(2, 5, 4)));
        }
    }

    @Test
    void batchNorm2dNormalisesPerChannelOverBatchAndSpace() {
        try (var bn = new BatchNorm2d(2, 1e-5, 0.1, true, true, F64, Device.CPU); Scope s = Scope.open()) {
            Init.constant(bn.namedParameters().get("weight"), 2.0);
            Init.constant(bn.namedParameters().get("bias"), -1.0);
            Tensor x = randn(3, 4, 2, 3, 3).mul(3).add(5);
            double[] y = bn.forward(x).toDoubleArray();
            for (int c = 0; c < 2; c++) {
                double m = 0;
                double v = 0;
                for (int n = 0; n < 4; n++) {
                    for (int k = 0; k < 9; k++) {
                        m += y[(n * 2 + c) * 9 + k] / 36;
                    }
                }
                for (int n = 0; n < 4; n++) {
                    for (int k = 0; k < 9; k++) {
                        v += Math.pow(y[(n * 2 + c) * 9 + k] - m, 2) / 36;
                    }
                }
                assertEquals(-1, m, 1e-12); // bias
                assertEquals(4, v, 1e-3); // weight^2 (eps makes it slightly smaller)
            }
            assertThrows(IllegalArgumentException.class, () -> bn.forward(randn(1, 4, 2, 3)));
        }
        assertTrue(new BatchNorm2d(16).toString().startsWith(
                "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"));
    }

    @Test
    void batchNormWithoutAffineOrRunningStats() {
        try (var bn = new BatchNorm2d(2, 1e-5, 0.1, false, false, F64, Device.CPU); Scope s = Scope.open()) {
            assertTrue(bn.namedParameters().isEmpty());
            assertTrue(bn.namedBuffers().isEmpty());
            Tensor x = randn(4, 3, 2, 2, 2);
            double[] train = bn.forward(x).toDoubleArray();
            bn.eval();
            assertArrayEquals(train, bn.forward(x).toDoubleArray(), 0, "no running stats: batch stats in eval too");
        }
    }

    @Test
    void layerNormNormalisesTrailingDimensions() {
        try (var ln = new LayerNorm(new long[] {2, 3}, 1e-5, true, true, F64, Device.CPU); Scope s = Scope.open()) {
            Init.constant(ln.namedParameters().get("bias"), 0.5);
            Tensor x = randn(5, 4, 2, 3);
            double[] xv = x.toDoubleArray();
            double[] y = ln.forward(x).toDoubleArray();
            for (int r = 0; r < 4; r++) {
                double m = 0;
                double v = 0;
                for (int k = 0; k < 6; k++) {
                    m += xv[r * 6 + k] / 6;
                }
                for (int k = 0; k < 6; k++) {
                    v += Math.pow(xv[r * 6 + k] - m, 2) / 6;
                }
                for (int k = 0; k < 6; k++) {
                    assertEquals((xv[r * 6 + k] - m) / Math.sqrt(v + 1e-5) + 0.5, y[r * 6 + k], 1e-12);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> ln.forward(randn(1, 4, 3, 2)));
        }
        assertTrue(new LayerNorm(10).toString().startsWith("LayerNorm((10,), eps=1e-05, elementwise_affine=True)"));
        assertTrue(new LayerNorm(4, 5).toString().startsWith("LayerNorm((4, 5), eps=1e-05"));
        try (var plain = new LayerNorm(new long[] {3}, 1e-5, false, true, F64, Device.CPU)) {
            assertTrue(plain.namedParameters().isEmpty());
        }
        try (var noBias = new LayerNorm(new long[] {3}, 1e-5, true, false, F64, Device.CPU)) {
            assertEquals(List.of("weight"), List.copyOf(noBias.namedParameters().keySet()));
        }
    }

    // ------------------------------------------------------------------ dropout, shape layers, embedding

    @Test
    void dropoutZeroesAndRescalesInTrainingOnly() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.ones(F64, Device.CPU, 100, 100);
            var drop = new Dropout(0.3, new Generator(5));
            double[] y = drop.forward(x).toDoubleArray();
            long zeros = java.util.Arrays.stream(y).filter(v -> v == 0).count();
            assertTrue(java.util.Arrays.stream(y).allMatch(v -> v == 0 || Math.abs(v - 1 / 0.7) < 1e-15));
            assertEquals(3000, zeros, 4 * Math.sqrt(10000 * 0.3 * 0.7)); // binomial, 4 standard deviations
            assertArrayEquals(y, new Dropout(0.3, new Generator(5)).forward(x).toDoubleArray(), "seeded masks repeat");
            drop.eval();
            assertSame(x, drop.forward(x), "identity in evaluation");
            assertSame(x, new Dropout(0.0).forward(x));
            assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5));
            assertEquals("Dropout(p=0.3)", drop.toString().lines().findFirst().orElseThrow());
        }
    }

    @Test
    void flattenIdentityAndEmbedding() {
        try (Scope s = Scope.open()) {
            Tensor x = randn(1, 2, 3, 4, 5);
            assertArrayEquals(new long[] {2, 60}, new Flatten().forward(x).shape());
            assertArrayEquals(new long[] {6, 4, 5}, new Flatten(0, 1).forward(x).shape());
            assertArrayEquals(new long[] {2, 3, 20}, new Flatten(-2, -1).forward(x).shape());
            assertArrayEquals(x.toDoubleArray(), new Flatten().forward(x).toDoubleArray());
            assertSame(x, new Identity().forward(x));
            try (var emb = new Embedding(10, 3, new Generator(2), F64, Device.CPU)) {
                Tensor ids = Tensor.of(new long[] {4, 0, 4, 9}, 2, 2);
                Tensor y = emb.forward(ids);
                assertArrayEquals(new long[] {2, 2, 3}, y.shape());
                double[] w = emb.namedParameters().get("weight").toDoubleArray();
                double[] yv = y.toDoubleArray();
                int[] picks = {4, 0, 4, 9};
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 3; j++) {
                        assertEquals(w[picks[i] * 3 + j], yv[i * 3 + j]);
                    }
                }
                assertTrue(emb.toString().startsWith("Embedding(10, 3)"));
            }
            assertTrue(new Flatten().toString().startsWith("Flatten(start_dim=1, end_dim=-1)"));
        }
    }

    // ------------------------------------------------------------------ activations

    /** erf by its Taylor series (fine for |x| <= 3 in double). */
    private static double erf(double x) {
        double sum = 0;
        double term = x; // (-1)^n x^(2n+1) / n!
        for (int n = 0; n < 80; n++) {
            sum += term / (2 * n + 1);
            term *= -x * x / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private static void assertElementwise(Module m, DoubleUnaryOperator f, double tol) {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.arange(-3, 3, 0.25, F64, Device.CPU);
            double[] xv = x.toDoubleArray();
            double[] y = m.forward(x).toDoubleArray();
            for (int i = 0; i < xv.length; i++) {
                assertEquals(f.applyAsDouble(xv[i]), y[i], tol, m + " at " + xv[i]);
            }
        }
    }

    @Test
    void activationsFollowTheirFormulas() {
        assertElementwise(new ReLU(), v -> Math.max(v, 0), 0);
        assertElementwise(new LeakyReLU(0.2), v -> v >= 0 ? v : 0.2 * v, 1e-16);
        assertElementwise(new LeakyReLU(), v -> v >= 0 ? v : 0.01 * v, 1e-16);
        assertElementwise(new ELU(0.5), v -> v > 0 ? v : 0.5 * (Math.exp(v) - 1), 1e-15);
        assertElementwise(new Sigmoid(), v -> 1 / (1 + Math.exp(-v)), 1e-15);
        assertElementwise(new Tanh(), Math::tanh, 1e-15);
        assertElementwise(new SiLU(), v -> v / (1 + Math.exp(-v)), 1e-15);
        assertElementwise(new GELU(), v -> 0.5 * v * (1 + erf(v / Math.sqrt(2))), 1e-12);
        assertElementwise(new GELU(GELU.Approximate.TANH),
                v -> 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))), 1e-15);
        assertEquals("GELU(approximate='tanh')",
                new GELU(GELU.Approximate.TANH).toString().lines().findFirst().orElseThrow());
        assertEquals("LeakyReLU(negative_slope=0.01)", new LeakyReLU().toString().lines().findFirst().orElseThrow());
        assertEquals("ELU(alpha=1.0)", new ELU().toString().lines().findFirst().orElseThrow());
    }

    @Test
    void softmaxAndLogSoftmaxAlongTheirDimension() {
        try (Scope s = Scope.open()) {
            Tensor x = randn(8, 2, 3);
            double[] xv = x.toDoubleArray();
            double[] sm = new Softmax(0).forward(x).toDoubleArray();
            double[] lsm = new LogSoftmax(-1).forward(x).toDoubleArray();
            for (int j = 0; j < 3; j++) {
                double z = Math.exp(xv[j]) + Math.exp(xv[3 + j]);
                assertEquals(Math.exp(xv[j]) / z, sm[j], 1e-15);
                assertEquals(Math.exp(xv[3 + j]) / z, sm[3 + j], 1e-15);
            }
            for (int i = 0; i < 2; i++) {
                double z = 0;
                for (int j = 0; j < 3; j++) {
                    z += Math.exp(xv[i * 3 + j]);
                }
                for (int j = 0; j < 3; j++) {
                    assertEquals(xv[i * 3 + j] - Math.log(z), lsm[i * 3 + j], 1e-14);
                }
            }
            assertEquals("Softmax(dim=0)", new Softmax(0).toString().lines().findFirst().orElseThrow());
        }
    }

    // ------------------------------------------------------------------ residual block

    @Test
    void residualBlockAddsTheShortcut() {
        Generator g = new Generator(4);
        try (var body = new Linear(3, 3, true, g, F64, Device.CPU);
             var block = new ResidualBlock(body);
             Scope s = Scope.open()) {
            Tensor x = randn(5, 2, 3);
            assertArrayEquals(x.add(body.forward(x)).toDoubleArray(), block.forward(x).toDoubleArray(), 0);
            assertEquals(List.of("body.weight", "body.bias"), List.copyOf(block.namedParameters().keySet()));
        }
        try (var block = new ResidualBlock(
                new Sequential(new Linear(3, 4, true, g, F64, Device.CPU), new ReLU(),
                        new Linear(4, 4, true, g, F64, Device.CPU)),
                new Linear(3, 4, false, g, F64, Device.CPU), new ReLU());
             Scope s = Scope.open()) {
            Tensor x = randn(6, 2, 3);
            Module body = block.children().get("body");
            Module proj = block.children().get("shortcut");
            double[] want = proj.forward(x).add(body.forward(x)).relu().toDoubleArray();
            assertArrayEquals(want, block.forward(x).toDoubleArray(), 0);
            assertEquals(List.of("body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias", "shortcut.weight"),
                    List.copyOf(block.namedParameters().keySet()));
            assertTrue(block.toString().contains("(shortcut): Linear(in_features=3, out_features=4"),
                    block.toString());
        }
        try (var bad = new ResidualBlock(new Linear(3, 4)); Scope s = Scope.open()) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> bad.forward(Tensor.zeros(DType.FLOAT32, Device.CPU, 2, 3)));
            assertTrue(e.getMessage().contains("projection"), e.getMessage());
        }
    }

    @Test
    void parameterFreeLayersHaveNoState() {
        for (Module m : List.of(new ReLU(), new Tanh(), new Sigmoid(), new Flatten(), new Identity(), new Dropout(0.5),
                new MaxPool2d(2), new AvgPool2d(2), new AdaptiveAvgPool2d(1), new Softmax(1))) {
            assertTrue(m.namedParameters().isEmpty() && m.namedBuffers().isEmpty(), m.toString());
            assertFalse(m.toString().contains("params"), m.toString());
        }
        assertNull(new Conv2d(1, 1, new int[] {1, 1}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, false,
                new Generator(1), F64, Device.CPU).namedParameters().get("bias"));
    }
}
