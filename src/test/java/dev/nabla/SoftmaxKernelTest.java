package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused softmax and log-softmax (last dimension) against a float64 nested-loop reference written here: rows of
 * lengths that exercise the vector loop and its tail, large magnitudes (the row maximum must be subtracted), forward
 * and the input gradient for a given output gradient; on every device and dtype.
 */
class SoftmaxKernelTest {

    private static final int[][] SHAPES = {{3, 1}, {4, 7}, {2, 33}, {5, 1000}, {2, 3, 17}};

    @ParameterizedTest
    @MethodSource("dev.nabla.TestSupport#devicesAndDtypes")
    void matchesTheReference(Device device, DType dtype) {
        for (int[] shape : SHAPES) {
            for (boolean log : new boolean[] {false, true}) {
                check(device, dtype, shape, log);
            }
        }
    }

    private static void check(Device device, DType dtype, int[] shape, boolean log) {
        int n = shape[shape.length - 1];
        int total = 1;
        for (int s : shape) {
            total *= s;
        }
        double[] x = TestSupport.random(21 + total, total, -30, 30, dtype);
        double[] g = TestSupport.random(22 + total, total, -1, 1, dtype);
        double[] y = new double[total];
        double[] gx = new double[total];
        for (int r = 0; r < total / n; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, x[r * n + i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(x[r * n + i] - max);
            }
            double dot = 0;
            double gsum = 0;
            for (int i = 0; i < n; i++) {
                double p = Math.exp(x[r * n + i] - max) / sum;
                y[r * n + i] = log ? x[r * n + i] - max - Math.log(sum) : p;
                dot += g[r * n + i] * p;
                gsum += g[r * n + i];
            }
            for (int i = 0; i < n; i++) {
                double p = Math.exp(x[r * n + i] - max) / sum;
                gx[r * n + i] = log ? g[r * n + i] - p * gsum : p * (g[r * n + i] - dot);
            }
        }
        long[] dims = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            dims[i] = shape[i];
        }
        double u = TestSupport.unitRoundoff(dtype);
        try (Scope s = Scope.open()) {
            Tensor xt = Tensor.of(x, dtype, device, dims).requiresGrad_(true);
            Tensor yt = log ? xt.logSoftmax(-1) : xt.softmax(-1);
            double[] got = yt.toDoubleArray();
            for (int i = 0; i < total; i++) {
                // log-softmax values reach ~60 here; the exp of the vector path is good to a few ulps
                double tol = 64 * u * Math.max(1, Math.abs(y[i]));
                assertEquals(y[i], got[i], tol, (log ? "logSoftmax " : "softmax ") + java.util.Arrays.toString(shape)
                        + " output " + i);
            }
            yt.backward(Tensor.of(g, dtype, device, dims));
            double[] grad = xt.grad().toDoubleArray();
            for (int i = 0; i < total; i++) {
                double tol = 64 * u * n * Math.max(1, Math.abs(gx[i]));
                assertEquals(gx[i], grad[i], tol, (log ? "logSoftmax " : "softmax ") + java.util.Arrays.toString(shape)
                        + " gradient " + i);
            }
        }
    }
}
