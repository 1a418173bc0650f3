package dev.nabla.cuda;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.backend.cuda.CudaBackend;
import dev.nabla.backend.cuda.CudaRuntime;
import dev.nabla.backend.cuda.CudnnSettings;
import dev.nabla.backend.registry.Backends;
import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.SGD;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The cuDNN benchmark of {@code run-gpu-tests.sh}, beside {@code torch_cudnn.py} (the same work in PyTorch eager):
 * <ul>
 *   <li>conv2d forward + backward (data and filter, bias gradient) at a ResNet-like shape, 64 to 64 channels, 3x3,
 *       56x56, batch 64, float32: cuDNN through the backend's calls, then the same step through the tensor API
 *       ({@code F.conv2d} and autograd) with cuDNN on and off; TF32 off, then allowed;</li>
 *   <li>the Fashion-MNIST CNN training step (the examples' {@code Models.cnn}: two conv-BatchNorm-ReLU-maxpool blocks,
 *       3136-256-10 with BatchNorm and dropout, SGD with Nesterov momentum), batch 128, float32, cuDNN on and off.</li>
 * </ul>
 * Prints {@code RESULT ...} lines. Usage: {@code CudnnBench [--quick]}; {@code --quick} is a smoke run on small
 * shapes (batch 4 at 28x28 for the convolution, batch 16 for the CNN), not comparable with the full run.
 */
public final class CudnnBench {
    private static final int C = 64;
    private static final ConvGeometry K3 = new ConvGeometry(3, 3, 1, 1, 1, 1, 1, 1);

    private CudnnBench() {
    }

    /**
     * The run's sizes.
     *
     * @param n        the convolution's batch
     * @param hw       its height and width
     * @param cnnBatch the CNN step's batch
     */
    private record Sizes(int n, int hw, int cnnBatch) {
        static final Sizes FULL = new Sizes(64, 56, 128);
        static final Sizes QUICK = new Sizes(4, 28, 16);

        /** Multiply-adds times 2 of one pass; forward, backward-data and backward-filter each do this many. */
        double convFlops() {
            return 2.0 * n * C * hw * hw * C * 9;
        }
    }

    public static void main(String[] args) {
        boolean quick = args.length > 0 && args[0].equals("--quick");
        if (Backends.cudaDeviceCount() == 0) {
            System.out.println("CudnnBench: no CUDA device: " + Backends.cudaUnavailableReason());
            return;
        }
        CudaBackend cuda = (CudaBackend) Backends.cuda(0);
        System.out.println(CudaRuntime.describe());
        System.out.println("cuDNN in use: " + cuda.usesCudnn());
        int iters = quick ? 3 : 20;
        Sizes z = quick ? Sizes.QUICK : Sizes.FULL;
        // without cuDNN, "on" would time the same kernels as "off"
        boolean[] cudnnSettings = cuda.usesCudnn() ? new boolean[] {true, false} : new boolean[] {false};
        for (boolean tf32 : new boolean[] {false, true}) {
            Device.setAllowTf32(tf32);
            try {
                if (cuda.usesCudnn()) {
                    convBackend(cuda, z, iters, tf32);
                }
                for (boolean cudnn : cudnnSettings) {
                    convTensor(z, iters, tf32, cudnn);
                }
            } finally {
                Device.setAllowTf32(false);
            }
        }
        for (boolean cudnn : cudnnSettings) {
            cnn(z, quick ? 3 : 50, cudnn);
        }
    }

    /** The three passes as the backend's cuDNN calls, each timed on its own. */
    private static void convBackend(CudaBackend cuda, Sizes z, int iters, boolean tf32) {
        ScalarType t = ScalarType.FLOAT32;
        SplittableRandom r = new SplittableRandom(64);
        try (DeviceBuffers buf = new DeviceBuffers(cuda)) {
            var x = buf.random(t, r, -1, 1, z.n(), C, z.hw(), z.hw());
            var w = buf.random(t, r, -0.1, 0.1, C, C, 3, 3);
            var b = buf.random(t, r, -0.1, 0.1, C);
            var y = buf.random(t, r, -1, 1, z.n(), C, z.hw(), z.hw());
            var gx = buf.random(t, r, -1, 1, z.n(), C, z.hw(), z.hw());
            var gw = buf.random(t, r, -1, 1, C, C, 3, 3);
            var gb = buf.random(t, r, -1, 1, C);
            Runnable fwd = () -> require(cuda.conv2d(t, x.device(), w.device(), b.device(), K3, 1, y.device()));
            Runnable bwdData = () -> require(cuda.conv2dBackwardData(t, y.device(), w.device(), K3, 1, gx.device()));
            Runnable bwdFilter = () -> require(cuda.conv2dBackwardWeight(t, x.device(), y.device(), K3, 1,
                    gw.device(), gb.device()));
            double msF = time(cuda, fwd, iters);
            double msD = time(cuda, bwdData, iters);
            double msW = time(cuda, bwdFilter, iters);
            double ms = msF + msD + msW;
            System.out.printf(Locale.ROOT, "RESULT conv2d n=%d c=%d o=%d hw=%d k=3 dtype=float32 tf32=%s path=cudnn "
                    + "ms_forward=%.3f ms_backward_data=%.3f ms_backward_filter=%.3f ms_fwd_bwd=%.3f tflops=%.1f%n",
                    z.n(), C, C, z.hw(), tf32, msF, msD, msW, ms, 3 * z.convFlops() / (ms / 1e3) / 1e12);
        }
    }

    private static double time(CudaBackend cuda, Runnable pass, int iters) {
        for (int i = 0; i < 3; i++) {
            pass.run(); // the first call of a shape chooses its algorithm
        }
        cuda.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < iters; i++) {
            pass.run();
        }
        cuda.synchronize();
        return (System.nanoTime() - t0) / 1e6 / iters;
    }

    private static void require(boolean ran) {
        if (!ran) {
            throw new IllegalStateException("cuDNN declined the benchmark's convolution");
        }
    }

    /** Forward and backward through {@code F.conv2d} and autograd, as a model runs it. */
    private static void convTensor(Sizes z, int iters, boolean tf32, boolean cudnn) {
        CudnnSettings.setEnabled(cudnn);
        try {
            Device d = Device.cuda(0);
            Generator g = new Generator(3);
            Tensor x = Tensor.normal(g, 0, 1, DType.FLOAT32, Device.CPU, z.n(), C, z.hw(), z.hw()).to(d).requiresGrad_(true);
            Tensor w = Tensor.normal(g, 0, 0.05, DType.FLOAT32, Device.CPU, C, C, 3, 3).to(d).requiresGrad_(true);
            Tensor b = Tensor.normal(g, 0, 0.05, DType.FLOAT32, Device.CPU, C).to(d).requiresGrad_(true);
            Tensor gy = Tensor.normal(g, 0, 1, DType.FLOAT32, Device.CPU, z.n(), C, z.hw(), z.hw()).to(d);
            CudaBackend cuda = (CudaBackend) Backends.cuda(0);
            Runnable step = () -> {
                try (Scope scope = Scope.open()) {
                    Tensor y = F.conv2d(x, w, b, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
                    y.backward(gy);
                }
                x.setGrad(null);
                w.setGrad(null);
                b.setGrad(null);
            };
            double ms = time(cuda, step, iters);
            System.out.printf(Locale.ROOT, "RESULT conv2d n=%d c=%d o=%d hw=%d k=3 dtype=float32 tf32=%s "
                    + "path=tensor-api cudnn=%s ms_fwd_bwd=%.3f tflops=%.1f%n", z.n(), C, C, z.hw(), tf32,
                    cudnn ? "on" : "off", ms, 3 * z.convFlops() / (ms / 1e3) / 1e12);
        } finally {
            CudnnSettings.setEnabled(true);
        }
    }

    /** The examples' Fashion-MNIST CNN ({@code Models.cnn}), on the CPU for its initial weights. */
    private static Module fashionCnn(Generator g) {
        int[] k3 = {3, 3};
        int[] s1 = {1, 1};
        int[] p1 = {1, 1};
        return new Sequential(
                new Conv2d(1, 32, k3, s1, p1, s1, 1, false, g, DType.FLOAT32, Device.CPU),
                new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, k3, s1, p1, s1, 1, false, g, DType.FLOAT32, Device.CPU),
                new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * 7 * 7, 256, false, g, DType.FLOAT32, Device.CPU), new BatchNorm1d(256), new ReLU(),
                new Dropout(0.3, g.split()),
                new Linear(256, 10, true, g, DType.FLOAT32, Device.CPU));
    }

    private static void cnn(Sizes z, int steps, boolean cudnn) {
        CudnnSettings.setEnabled(cudnn);
        try {
            Device d = Device.cuda(0);
            Generator g = new Generator(2);
            Module model = fashionCnn(g);
            model.to(d);
            model.train();
            int batch = z.cnnBatch();
            Tensor x = Tensor.normal(g, 0, 1, DType.FLOAT32, Device.CPU, batch, 1, 28, 28).to(d);
            CudaBench.Timed r = CudaBench.timeSteps(d, model, x, CudaBench.labels(batch, d),
                    new SGD(model.parameters(), 0.05, 0.9, 0, 5e-4, true), 3, steps);
            System.out.printf(Locale.ROOT, "RESULT cnn-fashion device=cuda path=nabla cudnn=%s batch=%d steps=%d "
                    + "ms_per_step=%.3f samples_per_s=%.0f loss=%.4f%n", cudnn ? "on" : "off", batch, steps,
                    r.seconds() * 1e3 / steps, steps * batch / r.seconds(), r.loss());
        } finally {
            CudnnSettings.setEnabled(true);
        }
    }
}
