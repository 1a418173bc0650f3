package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Initialisers against {@code torch.nn.init}'s formulas, and every layer's default initialisation against the
 * bounds and statistics PyTorch's defaults give (fixed seeds, so the statistics are repeatable; the tolerances
 * are several standard errors of the estimates).
 */
class InitTest {
    private static final DType F64 = DType.FLOAT64;

    private static Tensor empty(long... shape) {
        return Tensor.zeros(F64, Device.CPU, shape);
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElseThrow();
    }

    private static double std(double[] v) {
        double m = mean(v);
        return Math.sqrt(Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1));
    }

    private static double maxAbs(double[] v) {
        return Arrays.stream(v).map(Math::abs).max().orElseThrow();
    }

    /** Uniform in ±bound: inside it, reaching close to it, with the uniform's standard deviation bound/sqrt(3). */
    private static void assertUniform(double[] v, double bound, double stdTolerance, String what) {
        assertTrue(maxAbs(v) <= bound, what + ": max |w| " + maxAbs(v) + " exceeds " + bound);
        assertTrue(maxAbs(v) > 0.98 * bound, what + ": max |w| " + maxAbs(v) + " far below " + bound);
        assertEquals(bound / Math.sqrt(3), std(v), stdTolerance * bound / Math.sqrt(3), what + ": std");
        assertEquals(0, mean(v), 4 * bound / Math.sqrt(3 * v.length), what + ": mean");
    }

    @Test
    void fansFollowPyTorch() {
        assertEquals(new Init.Fans(256, 512), Init.fans(new long[] {512, 256}));
        assertEquals(new Init.Fans(3 * 25, 8 * 25), Init.fans(new long[] {8, 3, 5, 5}));
        var e = assertThrows(IllegalArgumentException.class, () -> Init.fans(new long[] {7}));
        assertTrue(e.getMessage().contains("[7]"), e.getMessage());
    }

    @Test
    void gainsFollowCalculateGain() {
        assertEquals(1.0, Init.gain(Init.Nonlinearity.LINEAR));
        assertEquals(1.0, Init.gain(Init.Nonlinearity.CONV));
        assertEquals(1.0, Init.gain(Init.Nonlinearity.SIGMOID));
        assertEquals(5.0 / 3, Init.gain(Init.Nonlinearity.TANH));
        assertEquals(Math.sqrt(2), Init.gain(Init.Nonlinearity.RELU));
        assertEquals(Math.sqrt(2 / (1 + 0.01 * 0.01)), Init.gain(Init.Nonlinearity.LEAKY_RELU));
        assertEquals(Math.sqrt(2 / 6.0), Init.gain(Init.Nonlinearity.LEAKY_RELU, Math.sqrt(5)), 1e-15);
        assertEquals(0.75, Init.gain(Init.Nonlinearity.SELU));
    }

    @Test
    void kaimingUniformAndNormal() {
        Generator g = new Generator(1);
        double[] u = Init.kaimingUniform(empty(512, 256), g).toDoubleArray(); // a=0, fan_in, leaky_relu: gain sqrt 2
        assertUniform(u, Math.sqrt(2) * Math.sqrt(3.0 / 256), 0.01, "kaiming uniform");
        double[] r = Init.kaimingUniform(empty(64, 32, 3, 3), 0, Init.FanMode.FAN_OUT, Init.Nonlinearity.RELU, g)
                .toDoubleArray();
        assertUniform(r, Math.sqrt(2) * Math.sqrt(3.0 / (64 * 9)), 0.02, "kaiming uniform fan_out");
        double[] n = Init.kaimingNormal(empty(512, 256), 0, Init.FanMode.FAN_OUT, Init.Nonlinearity.RELU, g)
                .toDoubleArray();
        assertEquals(Math.sqrt(2.0 / 512), std(n), 0.01 * Math.sqrt(2.0 / 512));
        assertEquals(0, mean(n), 4 * Math.sqrt(2.0 / 512) / Math.sqrt(n.length));
        double[] d = Init.kaimingNormal(empty(300, 400), g).toDoubleArray();
        assertEquals(Math.sqrt(2.0 / 400), std(d), 0.01 * Math.sqrt(2.0 / 400));
    }

    @Test
    void xavierUniformAndNormal() {
        Generator g = new Generator(2);
        double[] u = Init.xavierUniform(empty(300, 200), 2.0, g).toDoubleArray();
        assertUniform(u, 2.0 * Math.sqrt(6.0 / 500), 0.01, "xavier uniform");
        double[] n = Init.xavierNormal(empty(300, 200), g).toDoubleArray();
        assertEquals(Math.sqrt(2.0 / 500), std(n), 0.01 * Math.sqrt(2.0 / 500));
    }

    @Test
    void constantsAndDeterminism() {
        assertArrayEquals(new double[] {0, 0, 0, 0}, Init.zeros(Tensor.ones(F64, Device.CPU, 2, 2)).toDoubleArray());
        assertArrayEquals(new double[] {1, 1}, Init.ones(empty(2)).toDoubleArray());
        assertArrayEquals(new double[] {0.5, 0.5}, Init.constant(empty(2), 0.5).toDoubleArray());
        assertArrayEquals(Init.xavierNormal(empty(4, 5), new Generator(9)).toDoubleArray(),
                Init.xavierNormal(empty(4, 5), new Generator(9)).toDoubleArray());
    }

    /** {@code m [rows, cols]} times its transpose (rows) or transpose times it (columns). */
    private static void assertOrthonormal(double[] m, int rows, int cols, boolean byRows, double gain) {
        assertOrthonormal(m, rows, cols, byRows, gain, 1e-12);
    }

    private static void assertOrthonormal(double[] m, int rows, int cols, boolean byRows, double gain, double tol) {
        int n = byRows ? rows : cols;
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                double dot = 0;
                for (int k = 0; k < (byRows ? cols : rows); k++) {
                    dot += byRows ? m[a * cols + k] * m[b * cols + k] : m[k * cols + a] * m[k * cols + b];
                }
                assertEquals(a == b ? gain * gain : 0, dot, tol, "entry " + a + "," + b);
            }
        }
    }

    @Test
    void orthogonalGivesOrthonormalRowsOrColumns() {
        Generator g = new Generator(3);
        assertOrthonormal(Init.orthogonal(empty(3, 8), g).toDoubleArray(), 3, 8, true, 1);
        assertOrthonormal(Init.orthogonal(empty(8, 3), g).toDoubleArray(), 8, 3, false, 1);
        assertOrthonormal(Init.orthogonal(empty(5, 5), 2.0, g).toDoubleArray(), 5, 5, true, 2);
        assertOrthonormal(Init.orthogonal(empty(6, 2, 2, 2), g).toDoubleArray(), 6, 8, true, 1);
        float[] f = Init.orthogonal(Tensor.zeros(DType.FLOAT32, Device.CPU, 4, 4), g).toFloatArray();
        double[] fd = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            fd[i] = f[i];
        }
        assertOrthonormal(fd, 4, 4, true, 1.0, 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Init.orthogonal(empty(4), g));
    }

    @Test
    void initialisesLiveParametersWithoutRecording() {
        try (var linear = new Linear(4, 3)) {
            Tensor w = linear.namedParameters().get("weight");
            Init.orthogonal(w, new Generator(1));
            Init.zeros(linear.namedParameters().get("bias"));
            assertTrue(w.isLeaf() && w.requiresGrad());
            assertNull(w.grad());
            assertSame(w, linear.namedParameters().get("weight"));
            assertOrthonormal(w.toDoubleArray(), 3, 4, true, 1, 1e-6); // float32
            assertArrayEquals(new double[3], linear.namedParameters().get("bias").toDoubleArray());
        }
    }

    private static void assertSame(Object a, Object b) {
        org.junit.jupiter.api.Assertions.assertSame(a, b);
    }

    // ------------------------------------------------------------------ layer defaults

    @Test
    void linearAndConvDefaultsAreUniformInverseSqrtFanIn() {
        Generator g = new Generator(11);
        try (var linear = new Linear(1000, 500, true, g, DType.FLOAT32, Device.CPU)) {
            double bound = 1 / Math.sqrt(1000);
            assertUniform(linear.namedParameters().get("weight").toDoubleArray(), bound, 0.01, "Linear weight");
            assertUniform(linear.namedParameters().get("bias").toDoubleArray(), bound, 0.1, "Linear bias");
        }
        try (var conv = new Conv2d(64, 128, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1},
                1, true, g, DType.FLOAT32, Device.CPU)) {
            double bound = 1 / Math.sqrt(64 * 9);
            assertUniform(conv.namedParameters().get("weight").toDoubleArray(), bound, 0.01, "Conv2d weight");
            assertUniform(conv.namedParameters().get("bias").toDoubleArray(), bound, 0.2, "Conv2d bias");
        }
        try (var grouped = new Conv2d(64, 64, new int[] {5, 3}, new int[] {1, 1}, new int[] {0, 0},
                new int[] {1, 1}, 4, false, g, F64, Device.CPU)) {
            Tensor w = grouped.namedParameters().get("weight");
            assertArrayEquals(new long[] {64, 16, 5, 3}, w.shape());
            assertUniform(w.toDoubleArray(), 1 / Math.sqrt(16 * 15), 0.02, "grouped Conv2d weight");
            assertNull(grouped.namedParameters().get("bias"));
        }
    }

    @Test
    void otherLayerDefaults() {
        Generator g = new Generator(12);
        try (var emb = new Embedding(1000, 64, g, F64, Device.CPU)) {
            double[] w = emb.namedParameters().get("weight").toDoubleArray();
            assertEquals(0, mean(w), 0.02);
            assertEquals(1, std(w), 0.01);
        }
        try (var lstm = new LSTM(30, 100, 2, true, false, 0, g, F64, Device.CPU)) {
            for (var e : lstm.namedParameters().entrySet()) {
                double[] v = e.getValue().toDoubleArray();
                assertTrue(maxAbs(v) <= 0.1, e.getKey());
            }
            assertUniform(lstm.namedParameters().get("weight_hh_l1").toDoubleArray(), 0.1, 0.02, "LSTM weight_hh");
        }
        try (var bn = new BatchNorm2d(3); var ln = new LayerNorm(2, 3)) {
            assertArrayEquals(new double[] {1, 1, 1}, bn.namedParameters().get("weight").toDoubleArray());
            assertArrayEquals(new double[] {0, 0, 0}, bn.namedParameters().get("bias").toDoubleArray());
            assertArrayEquals(new double[] {0, 0, 0}, bn.namedBuffers().get("running_mean").toDoubleArray());
            assertArrayEquals(new double[] {1, 1, 1}, bn.namedBuffers().get("running_var").toDoubleArray());
            assertEquals(0, bn.namedBuffers().get("num_batches_tracked").item());
            assertArrayEquals(new long[] {2, 3}, ln.namedParameters().get("weight").shape());
            assertArrayEquals(new double[6], ln.namedParameters().get("bias").toDoubleArray());
        }
    }
}
