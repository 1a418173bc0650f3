package dev.nabla.cuda;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.backend.cuda.CudaBackend;
import dev.nabla.backend.cuda.CudaRuntime;
import dev.nabla.backend.registry.Backends;
import dev.nabla.base.ScalarType;
import dev.nabla.memory.Storage;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The GPU benchmark of {@code run-gpu-tests.sh}: cuBLAS SGEMM/DGEMM TFLOP/s through Nabla's backend (FP32 as is,
 * then with TF32 allowed), and MLP / CNN training-step throughput on {@code cuda} (and briefly on {@code cpu} for
 * scale). Prints {@code RESULT ...} lines that the script collects. Usage: {@code CudaBench [--quick]}.
 */
public final class CudaBench {
    private CudaBench() {
    }

    public static void main(String[] args) {
        boolean quick = args.length > 0 && args[0].equals("--quick");
        if (Backends.cudaDeviceCount() == 0) {
            System.out.println("CudaBench: no CUDA device: " + Backends.cudaUnavailableReason());
            return;
        }
        System.out.println(CudaRuntime.describe());
        CudaBackend cuda = (CudaBackend) Backends.cuda(0);
        int[] sizes = quick ? new int[] {1024} : new int[] {4096, 8192};
        for (int n : sizes) {
            gemm(cuda, ScalarType.FLOAT32, n, false);
        }
        for (int n : sizes) {
            gemm(cuda, ScalarType.FLOAT32, n, true);
        }
        gemm(cuda, ScalarType.FLOAT64, quick ? 512 : 4096, false);
        mlp(Device.cuda(0), quick ? 5 : 200, "cuda");
        mlp(Device.CPU, quick ? 2 : 5, "cpu");
        cnn(Device.cuda(0), quick ? 3 : 50, "cuda");
        System.out.println("RESULT pool " + cuda.pool().stats() + " cuMemAlloc=" + cuda.deviceAllocations());
    }

    private static void gemm(CudaBackend cuda, ScalarType t, int n, boolean tf32) {
        long bytes = (long) n * n * t.byteSize();
        Storage a = cuda.pool().allocate(bytes);
        Storage b = cuda.pool().allocate(bytes);
        Storage c = cuda.pool().allocate(bytes);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(bytes, 8);
            SplittableRandom r = new SplittableRandom(n);
            for (long i = 0; i < (long) n * n; i++) {
                if (t == ScalarType.FLOAT32) {
                    host.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (r.nextDouble() - 0.5));
                } else {
                    host.setAtIndex(ValueLayout.JAVA_DOUBLE, i, r.nextDouble() - 0.5);
                }
            }
            cuda.copyFromHost(host, a.segment(), 0, bytes);
            cuda.copyFromHost(host, b.segment(), 0, bytes);
        }
        CudaBackend.setAllowTf32(tf32);
        try {
            for (int i = 0; i < 3; i++) {
                cuda.gemm(t, false, false, n, n, n, 1.0, a.segment(), 0, n, b.segment(), 0, n, 0.0, c.segment(), 0, n);
            }
            cuda.synchronize();
            int iters = n >= 8192 ? 10 : 20;
            long t0 = System.nanoTime();
            for (int i = 0; i < iters; i++) {
                cuda.gemm(t, false, false, n, n, n, 1.0, a.segment(), 0, n, b.segment(), 0, n, 0.0, c.segment(), 0, n);
            }
            cuda.synchronize();
            double s = (System.nanoTime() - t0) / 1e9;
            double tflops = 2.0 * n * n * (double) n * iters / s / 1e12;
            System.out.printf(Locale.ROOT, "RESULT gemm dtype=%s n=%d tf32=%s nabla_tflops=%.1f ms_per_gemm=%.3f%n", t,
                    n, tf32, tflops, s * 1000 / iters);
        } finally {
            CudaBackend.setAllowTf32(false);
            a.release();
            b.release();
            c.release();
        }
    }

    private static void mlp(Device d, int steps, String label) {
        DType t = DType.FLOAT32;
        Generator g = new Generator(1);
        Module model = new Sequential(new Linear(784, 512, true, g, t, Device.CPU), new ReLU(),
                new Linear(512, 512, true, g, t, Device.CPU), new ReLU(), new Linear(512, 10, true, g, t, Device.CPU));
        model.to(d);
        int batch = 256;
        Tensor x = Tensor.normal(g, 0, 1, t, Device.CPU, batch, 784).to(d);
        Timed r = timeSteps(d, model, x, labels(batch, d), new SGD(model.parameters(), 0.01, 0.9, 0, 0, false),
                3, steps);
        System.out.printf(Locale.ROOT,
                "RESULT mlp784-512-512-10 device=%s batch=%d steps=%d steps_per_s=%.1f samples_per_s=%.0f loss=%.4f%n",
                label, batch, steps, steps / r.seconds(), steps * batch / r.seconds(), r.loss());
    }

    private static void cnn(Device d, int steps, String label) {
        DType t = DType.FLOAT32;
        Generator g = new Generator(2);
        Module model = new Sequential(
                new Conv2d(1, 32, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true, g, t,
                        Device.CPU),
                new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true,
                        g, t,
                        Device.CPU),
                new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(64 * 7 * 7, 10, true, g, t, Device.CPU));
        model.to(d);
        int batch = 128;
        Tensor x = Tensor.normal(g, 0, 1, t, Device.CPU, batch, 1, 28, 28).to(d);
        Timed r = timeSteps(d, model, x, labels(batch, d), new SGD(model.parameters(), 0.01, 0.9, 0, 0, false),
                2, steps);
        System.out.printf(Locale.ROOT,
                "RESULT cnn-28x28-c32-c64 device=%s batch=%d steps=%d steps_per_s=%.1f samples_per_s=%.0f loss=%.4f%n",
                label, batch, steps, steps / r.seconds(), steps * batch / r.seconds(), r.loss());
    }

    /** Class labels {@code i % 10} for a batch, on {@code d}. */
    static Tensor labels(int batch, Device d) {
        long[] labels = new long[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % 10;
        }
        return Tensor.of(labels, batch).to(d);
    }

    /** The wall time of {@link #timeSteps}'s timed steps, and the loss of the last. */
    record Timed(double seconds, double loss) {
    }

    /**
     * Runs up to {@code maxWarm} untimed training steps (cross-entropy of {@code model(x)} against {@code y}, then
     * {@code opt}), drains a GPU's queue, and times {@code steps} more; reading the last loss drains it again.
     */
    static Timed timeSteps(Device d, Module model, Tensor x, Tensor y, Optimizer opt, int maxWarm, int steps) {
        double loss = 0;
        int warm = Math.min(maxWarm, steps);
        long t0 = 0;
        for (int s = 0; s < warm + steps; s++) {
            if (s == warm) {
                if (d.kind() == Device.Kind.CUDA) {
                    ((CudaBackend) Backends.cuda(d.index())).synchronize();
                }
                t0 = System.nanoTime();
            }
            try (Scope scope = Scope.open()) {
                Tensor l = F.crossEntropy(model.forward(x), y);
                opt.zeroGrad();
                l.backward();
                opt.step();
                if (s == warm + steps - 1) {
                    loss = l.item(); // synchronises
                }
            }
        }
        return new Timed((System.nanoTime() - t0) / 1e9, loss);
    }
}
