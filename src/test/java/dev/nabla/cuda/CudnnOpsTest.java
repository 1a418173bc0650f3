package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Tensor;
import dev.nabla.backend.Backend;
import dev.nabla.backend.cuda.CudaBackend;
import dev.nabla.backend.cuda.CudaRuntime;
import dev.nabla.backend.cuda.CudnnSettings;
import dev.nabla.backend.registry.Backends;
import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every cuDNN op of the CUDA backend against the cpu backend on the same inputs: convolution forward, backward-data
 * and backward-filter (with bias; strides, padding, dilation, groups), batch norm training, inference and backward,
 * softmax and log-softmax forward and backward; float64 to 1e-10, float32 to PyTorch-level tolerance. Convolution's
 * reference is the cpu device's own (unfold + GEMM, autograd for the gradients). Skipped without a GPU and cuDNN.
 */
class CudnnOpsTest {
    private static CudaBackend cuda;
    private static final Backend CPU = Backends.cpu();

    private final boolean deterministic = CudnnSettings.deterministic();
    private final boolean benchmark = CudnnSettings.benchmark();

    @BeforeAll
    static void requireCudnn() {
        assumeTrue(Backends.cudaDeviceCount() > 0, "no CUDA device: " + Backends.cudaUnavailableReason());
        cuda = (CudaBackend) Backends.cuda(0);
        assumeTrue(cuda.usesCudnn(), "cuDNN is not loaded: " + CudaRuntime.libraries());
    }

    @AfterEach
    void restore() {
        CudnnSettings.setDeterministic(deterministic);
        CudnnSettings.setBenchmark(benchmark);
    }

    private static double rtol(ScalarType t) {
        return t == ScalarType.FLOAT64 ? 1e-10 : 1e-4;
    }

    private static double atol(ScalarType t) {
        return t == ScalarType.FLOAT64 ? 1e-10 : 1e-4;
    }

    static void assertClose(String what, double[] got, double[] want, double rtol, double atol) {
        if (got.length != want.length) {
            fail(what + ": " + got.length + " values, expected " + want.length);
        }
        for (int i = 0; i < got.length; i++) {
            if (!(Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) {
                fail(what + ": element " + i + " of " + got.length + " is " + got[i] + " on cuDNN, " + want[i]
                        + " on the cpu");
            }
        }
    }

    // ------------------------------------------------------------------ convolution

    /** One convolution: input, output channels, kernel, stride, padding, dilation, groups, bias. */
    record Conv(long n, long c, long h, long w, long o, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                int groups, boolean bias) {
        ConvGeometry geometry() {
            return new ConvGeometry(kh, kw, sh, sw, ph, pw, dh, dw);
        }

        long[] x() {
            return new long[] {n, c, h, w};
        }

        long[] weight() {
            return new long[] {o, c / groups, kh, kw};
        }

        long[] y() {
            return new long[] {n, o, geometry().outH(h), geometry().outW(w)};
        }
    }

    static Stream<Arguments> convolutions() {
        Conv[] cases = {
            new Conv(2, 3, 9, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, true),
            new Conv(2, 4, 10, 11, 6, 3, 2, 2, 1, 1, 0, 1, 2, 2, true), // strided, dilated, grouped
            new Conv(1, 6, 8, 8, 6, 3, 3, 1, 1, 1, 1, 1, 1, 6, false),  // depthwise
            new Conv(3, 5, 5, 6, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1, true),   // 1x1
            new Conv(2, 8, 12, 12, 16, 5, 5, 2, 2, 2, 2, 1, 1, 1, true),
        };
        return Stream.of(ScalarType.FLOAT32, ScalarType.FLOAT64)
                .flatMap(t -> Arrays.stream(cases).map(c -> Arguments.of(t, c)));
    }

    private static Tensor cpuTensor(ScalarType t, DeviceBuffers.Operand o) {
        return Tensor.of(o.hostValues(), t == ScalarType.FLOAT32 ? DType.FLOAT32 : DType.FLOAT64, Device.CPU, o.shape);
    }

    private static Tensor reference(Conv c, Tensor x, Tensor w, Tensor b) {
        return F.conv2d(x, w, b, new int[] {c.sh, c.sw}, new int[] {c.ph, c.pw}, new int[] {c.dh, c.dw}, c.groups);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("convolutions")
    void convolutionForwardAndBackwardAgreeWithTheCpu(ScalarType t, Conv c) {
        SplittableRandom r = new SplittableRandom(c.hashCode());
        try (DeviceBuffers buf = new DeviceBuffers(cuda)) {
            var x = buf.random(t, r, -1, 1, c.x());
            var w = buf.random(t, r, -1, 1, c.weight());
            var b = c.bias ? buf.random(t, r, -1, 1, c.o) : null;
            var g = buf.random(t, r, -1, 1, c.y());

            Tensor xt = cpuTensor(t, x).requiresGrad_(true);
            Tensor wt = cpuTensor(t, w).requiresGrad_(true);
            Tensor bt = b == null ? null : cpuTensor(t, b).requiresGrad_(true);
            Tensor yt = reference(c, xt, wt, bt);
            yt.backward(cpuTensor(t, g));

            var y = buf.unset(t, c.y());
            assertTrue(cuda.conv2d(t, x.device(), w.device(), b == null ? null : b.device(), c.geometry(), c.groups,
                    y.device()), "cuDNN took the forward");
            assertClose("forward", y.deviceValues(), yt.toDoubleArray(), rtol(t), atol(t));

            var gx = buf.unset(t, c.x());
            assertTrue(cuda.conv2dBackwardData(t, g.device(), w.device(), c.geometry(), c.groups, gx.device()));
            assertClose("backward data", gx.deviceValues(), xt.grad().toDoubleArray(), rtol(t), atol(t));

            var gw = buf.unset(t, c.weight());
            var gb = c.bias ? buf.unset(t, c.o) : null;
            assertTrue(cuda.conv2dBackwardWeight(t, x.device(), g.device(), c.geometry(), c.groups, gw.device(),
                    gb == null ? null : gb.device()));
            assertClose("backward weight", gw.deviceValues(), wt.grad().toDoubleArray(), rtol(t), atol(t) * 10);
            if (gb != null) {
                assertClose("backward bias", gb.deviceValues(), bt.grad().toDoubleArray(), rtol(t), atol(t) * 10);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"FLOAT32", "FLOAT64"})
    void deterministicModeRepeatsBitForBitAndTimedChoicesAgree(ScalarType t) {
        Conv c = new Conv(4, 16, 14, 14, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, true);
        SplittableRandom r = new SplittableRandom(5);
        try (DeviceBuffers buf = new DeviceBuffers(cuda)) {
            var x = buf.random(t, r, -1, 1, c.x());
            var g = buf.random(t, r, -1, 1, c.y());
            CudnnSettings.setDeterministic(true);
            double[][] runs = new double[2][];
            for (int i = 0; i < 2; i++) {
                var gw = buf.unset(t, c.weight());
                assertTrue(cuda.conv2dBackwardWeight(t, x.device(), g.device(), c.geometry(), 1, gw.device(), null));
                runs[i] = gw.deviceValues();
            }
            assertArrayEquals(runs[0], runs[1], "deterministic backward-filter differs between runs");

            CudnnSettings.setDeterministic(false);
            CudnnSettings.setBenchmark(true);
            var timed = buf.unset(t, c.weight());
            assertTrue(cuda.conv2dBackwardWeight(t, x.device(), g.device(), c.geometry(), 1, timed.device(), null));
            assertClose("timed algorithm", timed.deviceValues(), runs[0], rtol(t), atol(t) * 10);
        }
    }

    @Test
    void operandsCudnnDoesNotTakeAreLeftToTheCaller() {
        Conv c = new Conv(1, 2, 5, 5, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, false);
        try (DeviceBuffers buf = new DeviceBuffers(cuda)) {
            var x = buf.random(ScalarType.FLOAT32, new SplittableRandom(1), -1, 1, c.x());
            var w = buf.random(ScalarType.FLOAT32, new SplittableRandom(2), -1, 1, c.weight());
            var y = buf.unset(ScalarType.FLOAT32, c.y());
            Strided transposed = new Strided(x.dev, 0, c.x(), new long[] {50, 25, 1, 5});
            assertFalse(cuda.conv2d(ScalarType.FLOAT32, transposed, w.device(), null, c.geometry(), 1, y.device()));
            assertTrue(Double.isNaN(y.deviceValues()[0]), "nothing was written");
        }
    }

    // ------------------------------------------------------------------ softmax

    @ParameterizedTest
    @EnumSource(names = {"FLOAT32", "FLOAT64"})
    void softmaxAndLogSoftmaxAgreeWithTheCpu(ScalarType t) {
        SplittableRandom r = new SplittableRandom(3);
        double tol = t == ScalarType.FLOAT64 ? 1e-10 : 1e-5;
        for (long[] shape : new long[][] {{7, 10}, {2, 3, 129}, {5}, {4, 1}}) {
            for (boolean log : new boolean[] {false, true}) {
                try (DeviceBuffers buf = new DeviceBuffers(cuda)) {
                    var x = buf.random(t, r, -8, 8, shape);
                    var want = buf.unset(t, shape);
                    assertTrue(CPU.softmax(t, x.host(), want.host(), log));
                    var y = buf.unset(t, shape);
                    assertTrue(cuda.softmax(t, x.device(), y.device(), log));
                    String what = (log ? "log-softmax " : "softmax ") + Arrays.toString(shape);
                    assertClose(what, y.deviceValues(), want.hostValues(), tol, tol);

                    var yRef = buf.of(t, want.hostValues(), shape); // the same y on both sides
                    var g = buf.random(t, r, -1, 1, shape);
                    var gWant = buf.unset(t, shape);
                    assertTrue(CPU.softmaxBackward(t, yRef.host(), g.host(), gWant.host(), log));
                    var gx = buf.unset(t, shape);
                    assertTrue(cuda.softmaxBackward(t, yRef.device(), g.device(), gx.device(), log));
                    assertClose(what + " backward", gx.deviceValues(), gWant.hostValues(), tol, tol);
                }
            }
        }
    }

    // ------------------------------------------------------------------ batch norm

    static Stream<Arguments> batchNorms() {
        long[][] shapes = {{4, 3, 5, 6}, {8, 5}, {2, 4, 3, 3, 2}};
        return Stream.of(ScalarType.FLOAT32, ScalarType.FLOAT64).flatMap(t -> Arrays.stream(shapes)
                .flatMap(s -> Stream.of(Arguments.of(t, s, true), Arguments.of(t, s, false))));
    }

    @ParameterizedTest(name = "{0} {1} affine={2}")
    @MethodSource("batchNorms")
    void batchNormTrainingInferenceAndBackwardAgreeWithTheCpu(ScalarType t, long[] shape, boolean affine) {
        SplittableRandom r = new SplittableRandom(Arrays.hashCode(shape));
        double eps = 1e-5;
        long c = shape[1];
        double tol = t == ScalarType.FLOAT64 ? 1e-10 : 1e-4;
        try (DeviceBuffers buf = new DeviceBuffers(cuda)) {
            var x = buf.random(t, r, -2, 3, shape);
            var w = affine ? buf.random(t, r, 0.5, 1.5, c) : null;
            var b = affine ? buf.random(t, r, -1, 1, c) : null;

            // training: batch statistics into mean and var (outputs start as NaN on both sides)
            var mean = buf.unset(t, c);
            var var = buf.unset(t, c);
            var out = buf.unset(t, shape);
            assertTrue(CPU.batchNorm(t, x.host(), host(w), host(b), true, eps, mean.host(), var.host(), out.host()));
            assertTrue(cuda.batchNorm(t, x.device(), device(w), device(b), true, eps, mean.device(), var.device(),
                    out.device()));
            assertClose("batch mean", mean.deviceValues(), mean.hostValues(), tol, tol);
            assertClose("batch variance (biased)", var.deviceValues(), var.hostValues(), tol, tol);
            assertClose("training output", out.deviceValues(), out.hostValues(), tol, tol);

            // backward of training, from the same statistics on both sides
            var m = buf.of(t, mean.hostValues(), c);
            var v = buf.of(t, var.hostValues(), c);
            var g = buf.random(t, r, -1, 1, shape);
            var gx = buf.unset(t, shape);
            var gw = buf.unset(t, c);
            var gb = buf.unset(t, c);
            assertTrue(CPU.batchNormBackward(t, x.host(), g.host(), host(w), m.host(), v.host(), true, eps, gx.host(),
                    gw.host(), gb.host()));
            assertTrue(cuda.batchNormBackward(t, x.device(), g.device(), device(w), m.device(), v.device(), true, eps,
                    gx.device(), gw.device(), gb.device()));
            assertClose("grad input", gx.deviceValues(), gx.hostValues(), tol, tol);
            assertClose("grad weight", gw.deviceValues(), gw.hostValues(), tol, tol * 10);
            assertClose("grad bias", gb.deviceValues(), gb.hostValues(), tol, tol * 10);
            var onlyWeight = buf.unset(t, c);
            assertTrue(cuda.batchNormBackward(t, x.device(), g.device(), device(w), m.device(), v.device(), true, eps,
                    null, onlyWeight.device(), null));
            assertClose("grad weight alone", onlyWeight.deviceValues(), gw.hostValues(), tol, tol * 10);

            // inference: given (running) statistics
            var rm = buf.random(t, r, -0.5, 0.5, c);
            var rv = buf.random(t, r, 0.5, 2, c);
            var inf = buf.unset(t, shape);
            assertTrue(CPU.batchNorm(t, x.host(), host(w), host(b), false, eps, rm.host(), rv.host(), inf.host()));
            assertTrue(cuda.batchNorm(t, x.device(), device(w), device(b), false, eps, rm.device(), rv.device(),
                    inf.device()));
            assertClose("inference output", inf.deviceValues(), inf.hostValues(), tol, tol);
            // cuDNN's backward differentiates through batch statistics: with running ones it declines, and Nabla's
            // own kernel (where the backend has one) or the caller's composition runs instead
            var gxRunning = buf.unset(t, shape);
            boolean done = cuda.batchNormBackward(t, x.device(), g.device(), device(w), rm.device(), rv.device(),
                    false, eps, gxRunning.device(), null, null);
            var gxWant = buf.unset(t, shape);
            assertTrue(CPU.batchNormBackward(t, x.host(), g.host(), host(w), rm.host(), rv.host(), false, eps,
                    gxWant.host(), null, null));
            double[] got = gxRunning.deviceValues();
            if (done) {
                assertClose("grad input with running statistics", got, gxWant.hostValues(), tol, tol);
            } else {
                assertTrue(Arrays.stream(got).allMatch(Double::isNaN), "a declined call wrote its output");
            }
        }
    }

    private static Strided host(DeviceBuffers.Operand o) {
        return o == null ? null : o.host();
    }

    private static Strided device(DeviceBuffers.Operand o) {
        return o == null ? null : o.device();
    }
}
