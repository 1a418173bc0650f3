package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import dev.nabla.backend.Backend;
import dev.nabla.backend.cuda.CudaBackend;
import dev.nabla.backend.cuda.CudaRuntime;
import dev.nabla.backend.cuda.CudnnSettings;
import dev.nabla.backend.registry.Backends;
import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Without cuDNN (not loaded, as under the CPU emulation, or switched off) the CUDA backend's optional convolution
 * methods decline, writing nothing, its batch norm and softmax methods decline likewise or run on Nabla's own fused
 * kernels, and the ops still run on CUDA, agreeing with the cpu device in float64. Needs a CUDA device (real or
 * emulated).
 */
class CudnnFallbackTest {
    private static final Backend CPU = Backends.cpu();
    private static CudaBackend cuda;
    private static Device gpu;
    private final boolean enabled = CudnnSettings.enabled();

    @BeforeAll
    static void requireCuda() {
        assumeTrue(Backends.cudaDeviceCount() > 0, "no CUDA device: " + Backends.cudaUnavailableReason());
        cuda = (CudaBackend) Backends.cuda(0);
        gpu = Device.cuda(0);
    }

    @BeforeEach
    void switchCudnnOff() {
        CudnnSettings.setEnabled(false);
    }

    @AfterEach
    void restore() {
        CudnnSettings.setEnabled(enabled);
    }

    @Test
    void withoutLibcudnnTheBackendUsesNoCudnnEvenWhenEnabled() {
        assumeTrue(!CudaRuntime.libraries().hasCudnn(), "libcudnn is loaded here");
        CudnnSettings.setEnabled(true);
        assertFalse(cuda.usesCudnn());
        assertTrue(CudaRuntime.cudnnVersion() == 0);
    }

    @Test
    void convolutionDeclinesAndWritesNothing() {
        assertFalse(cuda.usesCudnn());
        ScalarType t = ScalarType.FLOAT32;
        ConvGeometry g = new ConvGeometry(3, 3, 1, 1, 1, 1, 1, 1);
        SplittableRandom r = new SplittableRandom(1);
        try (DeviceBuffers buf = new DeviceBuffers(cuda)) {
            var x = buf.random(t, r, -1, 1, 2, 3, 5, 5);
            var w = buf.random(t, r, -1, 1, 4, 3, 3, 3);
            var y = buf.unset(t, 2, 4, 5, 5);
            var gx = buf.unset(t, 2, 3, 5, 5);
            var gw = buf.unset(t, 4, 3, 3, 3);
            assertFalse(cuda.conv2d(t, x.device(), w.device(), null, g, 1, y.device()));
            assertFalse(cuda.conv2dBackwardData(t, y.device(), w.device(), g, 1, gx.device()));
            assertFalse(cuda.conv2dBackwardWeight(t, x.device(), y.device(), g, 1, gw.device(), null));
            for (var untouched : new DeviceBuffers.Operand[] {y, gx, gw}) {
                assertUntouched(untouched);
            }
        }
    }

    @Test
    void softmaxAndBatchNormDeclineWritingNothingOrRunOnNablasKernels() {
        ScalarType t = ScalarType.FLOAT64;
        SplittableRandom r = new SplittableRandom(2);
        try (DeviceBuffers buf = new DeviceBuffers(cuda)) {
            var x = buf.random(t, r, -2, 2, 4, 3, 5);
            var g = buf.random(t, r, -1, 1, 4, 3, 5);
            var y = buf.unset(t, 4, 3, 5);
            var want = buf.unset(t, 4, 3, 5);
            CPU.softmax(t, x.host(), want.host(), true);
            declinedOrAgrees("log-softmax", cuda.softmax(t, x.device(), y.device(), true), want, y);
            var gx = buf.unset(t, 4, 3, 5);
            var gWant = buf.unset(t, 4, 3, 5);
            CPU.softmaxBackward(t, x.host(), g.host(), gWant.host(), false);
            declinedOrAgrees("softmax backward", cuda.softmaxBackward(t, x.device(), g.device(), gx.device(), false),
                    gWant, gx);

            var mean = buf.unset(t, 3);
            var var = buf.unset(t, 3);
            var out = buf.unset(t, 4, 3, 5);
            var meanWant = buf.unset(t, 3);
            var varWant = buf.unset(t, 3);
            var outWant = buf.unset(t, 4, 3, 5);
            CPU.batchNorm(t, x.host(), null, null, true, 1e-5, meanWant.host(), varWant.host(), outWant.host());
            boolean done = cuda.batchNorm(t, x.device(), null, null, true, 1e-5, mean.device(), var.device(),
                    out.device());
            declinedOrAgrees("batch norm", done, outWant, out);
            declinedOrAgrees("batch mean", done, meanWant, mean);
            declinedOrAgrees("batch variance", done, varWant, var);
        }
    }

    private static void declinedOrAgrees(String what, boolean done, DeviceBuffers.Operand want,
                                         DeviceBuffers.Operand got) {
        if (done) {
            CudnnOpsTest.assertClose(what, got.deviceValues(), want.hostValues(), 1e-10, 1e-10);
        } else {
            assertUntouched(got);
        }
    }

    private static void assertUntouched(DeviceBuffers.Operand output) {
        for (double v : output.deviceValues()) {
            assertTrue(Double.isNaN(v), "a declined call wrote its output");
        }
    }

    @Test
    void convolutionBatchNormAndSoftmaxStillRunOnCudaAndAgreeWithTheCpu() {
        Generator gen = new Generator(7);
        Tensor x = Tensor.normal(gen, 0, 1, DType.FLOAT64, Device.CPU, 2, 4, 7, 6);
        Tensor w = Tensor.normal(gen, 0, 1, DType.FLOAT64, Device.CPU, 6, 2, 3, 3);
        Tensor b = Tensor.normal(gen, 0, 1, DType.FLOAT64, Device.CPU, 6);
        Tensor bnWeight = Tensor.normal(gen, 1, 0.1, DType.FLOAT64, Device.CPU, 6);
        Function<Tensor[], Tensor> net = in -> {
            Tensor y = F.conv2d(in[0], in[1], in[2], new int[] {1, 2}, new int[] {1, 1}, new int[] {1, 1}, 2);
            y = F.batchNorm(y, null, null, in[3], null, true, 0.1, 1e-5);
            return F.logSoftmax(y.reshape(2, -1), 1).mul(F.softmax(y.reshape(2, -1), 1)).sum();
        };
        Tensor[] onCpu = {x, w, b, bnWeight};
        Tensor[] onGpu = new Tensor[4];
        for (int i = 0; i < 4; i++) {
            onCpu[i] = onCpu[i].detach().requiresGrad_(true);
            onGpu[i] = onCpu[i].detach().to(gpu).requiresGrad_(true);
        }
        Tensor want = net.apply(onCpu);
        Tensor got = net.apply(onGpu);
        want.backward();
        got.backward();
        CudnnOpsTest.assertClose("loss", got.to(Device.CPU).toDoubleArray(), want.toDoubleArray(), 1e-10, 1e-10);
        for (int i = 0; i < 4; i++) {
            CudnnOpsTest.assertClose("gradient " + i, onGpu[i].grad().to(Device.CPU).toDoubleArray(),
                    onCpu[i].grad().toDoubleArray(), 1e-9, 1e-10);
        }
    }
}
