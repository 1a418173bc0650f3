package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.java.JavaBackend;

import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link F#batchNorm} (the fused kernels on the Java backends) against a float64 nested-loop reference written
 * here: the output, the updated running statistics and the gradients of the input, weight and bias; in training
 * and evaluation, 2-D, 3-D and 4-D inputs (large ones split over threads on {@code cpu}, with chunks starting in the
 * middle of a row), with and without weight, bias and running statistics, with only some inputs requiring grad, and
 * a non-contiguous input; on every device and dtype. The kernels' scalar loops (without the Vector API) are
 * checked too, called directly.
 */
class BatchNormKernelTest {
    private static final double MOMENTUM = 0.1;
    private static final double EPS = 1e-5;

    /**
     * @param transposed the input is {@code [shape[0], shape[2], shape[1]]} transposed to {@code shape}
     */
    private record Case(long[] shape, boolean weight, boolean bias, boolean running, boolean training,
                        boolean xGrad, boolean paramGrad, boolean transposed) {
        @Override
        public String toString() {
            return Arrays.toString(shape) + (weight ? " weight" : "") + (bias ? " bias" : "")
                    + (running ? " running" : "") + (training ? " training" : " eval") + (xGrad ? " dx" : "")
                    + (paramGrad ? " dparams" : "") + (transposed ? " transposed" : "");
        }
    }

    private static Case c(boolean weight, boolean bias, boolean running, boolean training, long... shape) {
        return new Case(shape, weight, bias, running, training, true, true, false);
    }

    private static final Case[] CASES = {
        c(true, true, true, true, 6, 3),
        c(true, true, true, false, 6, 3),
        c(false, false, false, true, 5, 4),
        c(true, true, true, true, 4, 3, 5, 6),
        c(true, true, true, false, 4, 3, 5, 6),
        c(false, false, true, false, 4, 3, 5, 6),
        c(false, false, false, true, 4, 3, 5, 6),
        c(true, false, false, false, 3, 2, 7), // evaluation without running statistics: the batch's
        c(false, true, true, true, 5, 1, 3, 3),
        new Case(new long[] {4, 3, 5, 6}, true, true, true, true, false, true, false),
        new Case(new long[] {4, 3, 5, 6}, true, true, true, true, true, false, false),
        new Case(new long[] {4, 3, 5, 6}, true, true, true, false, true, false, false),
        new Case(new long[] {4, 3, 5, 6}, true, true, true, false, false, true, false),
        new Case(new long[] {3, 4, 5}, true, true, true, true, true, true, true),
        c(true, true, true, true, 16, 8, 24, 24),
        c(true, true, true, false, 16, 8, 24, 24),
        c(true, true, true, true, 4099, 20),
        c(false, false, true, false, 4099, 20),
    };

    @ParameterizedTest
    @MethodSource("dev.nabla.TestSupport#devicesAndDtypes")
    void matchesNestedLoopReference(Device device, DType dtype) {
        int seed = 1;
        for (Case k : CASES) {
            check(k, device, dtype, seed++);
        }
    }

    /**
     * The kernels' scalar loops (a Java backend without the Vector API, which the tests' JVM otherwise uses for
     * float32) called directly, all three gradients at once.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void scalarLoopsMatchNestedLoopReference(DType dtype) {
        JavaBackend scalar = new JavaBackend(false);
        Device dev = Device.JAVA;
        int seed = 100;
        for (Case k : CASES) {
            Reference r = reference(k, dtype, seed++);
            String what = k + " scalar " + dtype;
            int cs = r.cs();
            try (Scope scope = Scope.open()) {
                Tensor x = Tensor.of(r.x(), dtype, dev, k.shape);
                Tensor w = r.w() == null ? null : Tensor.of(r.w(), dtype, dev, cs);
                Tensor b = r.b() == null ? null : Tensor.of(r.b(), dtype, dev, cs);
                Tensor mean = r.batchStats() ? Tensor.empty(dtype, dev, cs) : Tensor.of(r.rm(), dtype, dev, cs);
                Tensor var = r.batchStats() ? Tensor.empty(dtype, dev, cs) : Tensor.of(r.rv(), dtype, dev, cs);
                Tensor y = Tensor.empty(dtype, dev, k.shape);
                assertTrue(scalar.batchNorm(dtype.scalar(), x.strided(), w == null ? null : w.strided(),
                        b == null ? null : b.strided(), r.batchStats(), EPS, mean.strided(), var.strided(),
                        y.strided()), what);
                TestSupport.assertClose(what + " output", r.y(), y.toDoubleArray(), rtol(dtype), rtol(dtype));
                TestSupport.assertClose(what + " mean", r.mean(), mean.toDoubleArray(), rtol(dtype), rtol(dtype));
                TestSupport.assertClose(what + " var", r.var(), var.toDoubleArray(), rtol(dtype), rtol(dtype));
                Tensor g = Tensor.of(r.g(), dtype, dev, k.shape);
                Tensor dx = Tensor.empty(dtype, dev, k.shape);
                Tensor dw = Tensor.empty(dtype, dev, cs);
                Tensor db = Tensor.empty(dtype, dev, cs);
                assertTrue(scalar.batchNormBackward(dtype.scalar(), x.strided(), g.strided(),
                        w == null ? null : w.strided(),
                        mean.strided(), var.strided(), r.batchStats(), EPS, dx.strided(), dw.strided(),
                        db.strided()), what);
                TestSupport.assertClose(what + " dx", r.dx(), dx.toDoubleArray(), rtol(dtype), rtol(dtype));
                TestSupport.assertClose(what + " dweight", r.dw(), dw.toDoubleArray(), rtol(dtype),
                        sumTol(dtype, r.count()));
                TestSupport.assertClose(what + " dbias", r.db(), db.toDoubleArray(), rtol(dtype),
                        sumTol(dtype, r.count()));
            }
        }
    }

    /** Inputs (rounded to the dtype) and the float64 nested-loop results of one case. */
    private record Reference(int n, int cs, int s, long count, boolean batchStats, double[] x, double[] g,
                             double[] w, double[] b, double[] rm, double[] rv, double[] mean, double[] var,
                             double[] y, double[] dx, double[] dw, double[] db) {
    }

    private static Reference reference(Case k, DType dtype, int seed) {
        int n = (int) k.shape[0];
        int cs = (int) k.shape[1];
        int s = 1;
        for (int d = 2; d < k.shape.length; d++) {
            s *= (int) k.shape[d];
        }
        int total = n * cs * s;
        double[] x = TestSupport.random(seed * 10L, total, 1, 3, dtype); // mean far from 0: centring matters
        double[] g = TestSupport.random(seed * 10L + 1, total, -1, 1, dtype);
        double[] w = k.weight ? TestSupport.random(seed * 10L + 2, cs, 0.5, 1.5, dtype) : null;
        double[] b = k.bias ? TestSupport.random(seed * 10L + 3, cs, -1, 1, dtype) : null;
        double[] rm = k.running ? TestSupport.random(seed * 10L + 4, cs, 1, 3, dtype) : null;
        double[] rv = k.running ? TestSupport.random(seed * 10L + 5, cs, 0.2, 0.5, dtype) : null;
        boolean batchStats = k.training || !k.running;
        long count = (long) n * s;
        double[] mean = new double[cs];
        double[] var = new double[cs];
        for (int c = 0; c < cs; c++) {
            if (batchStats) {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < s; j++) {
                        sum += x[(i * cs + c) * s + j];
                    }
                }
                mean[c] = sum / count;
                double sq = 0;
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < s; j++) {
                        double d = x[(i * cs + c) * s + j] - mean[c];
                        sq += d * d;
                    }
                }
                var[c] = sq / count;
            } else {
                mean[c] = rm[c];
                var[c] = rv[c];
            }
        }
        double[] y = new double[total];
        double[] dx = new double[total];
        double[] dw = new double[cs];
        double[] db = new double[cs];
        for (int c = 0; c < cs; c++) {
            double inv = 1 / Math.sqrt(var[c] + EPS);
            double wc = w == null ? 1 : w[c];
            double sg = 0;
            double sgx = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    int at = (i * cs + c) * s + j;
                    double xhat = (x[at] - mean[c]) * inv;
                    y[at] = xhat * wc + (b == null ? 0 : b[c]);
                    sg += g[at];
                    sgx += g[at] * xhat;
                }
            }
            db[c] = sg;
            dw[c] = sgx;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < s; j++) {
                    int at = (i * cs + c) * s + j;
                    double xhat = (x[at] - mean[c]) * inv;
                    dx[at] = batchStats ? wc * inv * (g[at] - sg / count - xhat * sgx / count) : g[at] * wc * inv;
                }
            }
        }
        return new Reference(n, cs, s, count, batchStats, x, g, w, b, rm, rv, mean, var, y, dx, dw, db);
    }

    private static double rtol(DType dtype) {
        return dtype == DType.FLOAT32 ? 2e-5 : 1e-11;
    }

    /** Tolerance of sums of {@code count} terms of size about 1 (the weight and bias gradients). */
    private static double sumTol(DType dtype, long count) {
        return (dtype == DType.FLOAT32 ? 1e-5 : 1e-11) * Math.sqrt(count);
    }

    private static void check(Case k, Device device, DType dtype, int seed) {
        Reference r = reference(k, dtype, seed);
        int n = r.n();
        int cs = r.cs();
        int s = r.s();
        int total = n * cs * s;
        long count = r.count();
        double[] x = r.x();
        double[] w = r.w();
        double[] b = r.b();
        double[] rm = r.rm();
        double[] rv = r.rv();
        double[] mean = r.mean();
        double[] var = r.var();

        // ---- the library
        double rtol = rtol(dtype);
        double atol = rtol;
        double sumTol = sumTol(dtype, count);
        String what = k + " " + device + " " + dtype;
        try (Grad on = Grad.enabled(); Scope scope = Scope.open()) {
            Tensor leaf;
            Tensor xt;
            if (k.transposed) {
                double[] xT = new double[total]; // [n, s, cs] laid out so that transposing (1, 2) gives x
                for (int i = 0; i < n; i++) {
                    for (int c = 0; c < cs; c++) {
                        for (int j = 0; j < s; j++) {
                            xT[(i * s + j) * cs + c] = x[(i * cs + c) * s + j];
                        }
                    }
                }
                leaf = Tensor.of(xT, dtype, device, n, s, cs).requiresGrad_(k.xGrad);
                xt = leaf.transpose(1, 2);
            } else {
                leaf = Tensor.of(x, dtype, device, k.shape).requiresGrad_(k.xGrad);
                xt = leaf;
            }
            Tensor wt = w == null ? null : Tensor.of(w, dtype, device, cs).requiresGrad_(k.paramGrad);
            Tensor bt = b == null ? null : Tensor.of(b, dtype, device, cs).requiresGrad_(k.paramGrad);
            Tensor rmt = rm == null ? null : Tensor.of(rm, dtype, device, cs);
            Tensor rvt = rv == null ? null : Tensor.of(rv, dtype, device, cs);
            Tensor y = F.batchNorm(xt, rmt, rvt, wt, bt, k.training, MOMENTUM, EPS);
            TestSupport.assertClose(what + " output", r.y(), y.toDoubleArray(), rtol, atol);
            if (k.training && k.running) {
                double[] expectRm = new double[cs];
                double[] expectRv = new double[cs];
                for (int c = 0; c < cs; c++) {
                    expectRm[c] = (1 - MOMENTUM) * rm[c] + MOMENTUM * mean[c];
                    expectRv[c] = (1 - MOMENTUM) * rv[c] + MOMENTUM * var[c] * count / (count - 1.0);
                }
                TestSupport.assertClose(what + " running mean", expectRm, rmt.toDoubleArray(), rtol, atol);
                TestSupport.assertClose(what + " running var", expectRv, rvt.toDoubleArray(), rtol, atol);
            } else if (k.running) {
                TestSupport.assertExact(what + " running mean untouched", rm, rmt.toDoubleArray());
                TestSupport.assertExact(what + " running var untouched", rv, rvt.toDoubleArray());
            }
            if (!y.requiresGrad()) {
                return;
            }
            if (device.kind() != Device.Kind.CUDA) {
                assertEquals("NativeBatchNormBackward", y.gradFn().name(), what + ": the fused op ran");
            }
            y.backward(Tensor.of(r.g(), dtype, device, k.shape));
            if (k.xGrad) {
                Tensor dx = k.transposed ? leaf.grad().transpose(1, 2) : leaf.grad();
                TestSupport.assertClose(what + " dx", r.dx(), dx.toDoubleArray(), rtol, atol);
            } else {
                assertNull(leaf.grad(), what + " dx");
            }
            if (wt != null) {
                if (k.paramGrad) {
                    TestSupport.assertClose(what + " dweight", r.dw(), wt.grad().toDoubleArray(), rtol, sumTol);
                } else {
                    assertNull(wt.grad(), what + " dweight");
                }
            }
            if (bt != null) {
                if (k.paramGrad) {
                    TestSupport.assertClose(what + " dbias", r.db(), bt.grad().toDoubleArray(), rtol, sumTol);
                } else {
                    assertNull(bt.grad(), what + " dbias");
                }
            }
        }
    }
}
