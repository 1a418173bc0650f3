package dev.nabla.cuda;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.backend.cuda.CudaBackend;
import dev.nabla.backend.cuda.CudaRuntime;
import dev.nabla.backend.registry.Backends;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.Storage;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Loss;
import dev.nabla.nn.MSELoss;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.util.Locale;

/**
 * Launch overhead and small-step time on {@code cuda}, the counterpart of {@code torch_steps.py} (same models,
 * batches and optimizers as benchmarks/python/torch_bench.py's {@code step_seed}, {@code step_mlp} and
 * {@code step_cnn}, float32): a one-element kernel launched back to back (host cost per launch) and launched then
 * waited for (round trip), then each training step (zero grads, forward, loss, backward, SGD step, in a scope) timed
 * over many steps between two synchronisations (MLP and CNN with TF32 off and on). Prints {@code RESULT} lines that
 * run-gpu-tests.sh collects. Usage: {@code CudaStepBench [--quick]}.
 */
public final class CudaStepBench {
    private CudaStepBench() {
    }

    public static void main(String[] args) {
        boolean quick = args.length > 0 && args[0].equals("--quick");
        if (Backends.cudaDeviceCount() == 0) {
            System.out.println("CudaStepBench: no CUDA device: " + Backends.cudaUnavailableReason());
            return;
        }
        System.out.println(CudaRuntime.describe());
        CudaBackend cuda = (CudaBackend) Backends.cuda(0);
        launches(cuda, quick ? 200 : 20000);
        step("seed", false, quick ? 20 : 3000, quick ? 5 : 200); // no GEMM large enough for TF32 to matter
        for (boolean tf32 : new boolean[] {false, true}) {
            Device.setAllowTf32(tf32);
            try {
                step("mlp", tf32, quick ? 3 : 300, quick ? 1 : 20);
                step("cnn", tf32, quick ? 1 : 100, quick ? 1 : 10);
            } finally {
                Device.setAllowTf32(false);
            }
        }
    }

    /** A fill of one element: the smallest launch the backend makes. */
    private static void launches(CudaBackend cuda, int n) {
        Storage s = cuda.pool().allocate(4);
        try {
            Strided one = new Strided(s.segment(), 0, new long[] {1}, new long[] {1});
            for (int i = 0; i < 100; i++) {
                cuda.fill(ScalarType.FLOAT32, one, i);
            }
            cuda.synchronize();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                cuda.fill(ScalarType.FLOAT32, one, i);
            }
            cuda.synchronize();
            double async = (System.nanoTime() - t0) / 1e3 / n;
            int trips = Math.max(1, n / 10);
            t0 = System.nanoTime();
            for (int i = 0; i < trips; i++) {
                cuda.fill(ScalarType.FLOAT32, one, i);
                cuda.synchronize();
            }
            double roundTrip = (System.nanoTime() - t0) / 1e3 / trips;
            System.out.printf(Locale.ROOT, "RESULT launch nabla_us_per_launch=%.2f nabla_us_launch_and_sync=%.2f%n",
                    async, roundTrip);
        } finally {
            s.release();
        }
    }

    private static void step(String name, boolean tf32, int steps, int warm) {
        Generator g = new Generator(0);
        Device d = Device.cuda(0);
        Module model;
        Loss loss;
        Tensor x;
        Tensor y;
        double momentum = 0.9;
        switch (name) {
            case "seed" -> {
                model = new Sequential(linear(2, 4, true, g), new ReLU(), linear(4, 4, true, g), new ReLU(),
                        linear(4, 1, true, g));
                loss = new MSELoss();
                x = Tensor.uniform(g, 0, 1, DType.FLOAT32, d, 5, 2);
                y = Tensor.uniform(g, 0, 1, DType.FLOAT32, d, 5, 1);
                momentum = 0;
            }
            case "mlp" -> {
                model = new Sequential(linear(784, 512, true, g), new ReLU(), linear(512, 256, true, g), new ReLU(),
                        linear(256, 10, true, g));
                loss = new CrossEntropyLoss();
                x = Tensor.uniform(g, 0, 1, DType.FLOAT32, d, 128, 784);
                y = labels(g, d);
            }
            default -> {
                int[] k3 = {3, 3};
                int[] s1 = {1, 1};
                model = new Sequential(
                        new Conv2d(1, 32, k3, s1, s1, s1, 1, false, g, DType.FLOAT32, Device.CPU), new BatchNorm2d(32),
                        new ReLU(), new MaxPool2d(2),
                        new Conv2d(32, 64, k3, s1, s1, s1, 1, false, g, DType.FLOAT32, Device.CPU), new BatchNorm2d(64),
                        new ReLU(), new MaxPool2d(2), new Flatten(), linear(64 * 7 * 7, 256, false, g),
                        new BatchNorm1d(256), new ReLU(), new Dropout(0.3, g.split()), linear(256, 10, true, g));
                loss = new CrossEntropyLoss();
                x = Tensor.uniform(g, 0, 1, DType.FLOAT32, d, 128, 1, 28, 28);
                y = labels(g, d);
            }
        }
        model.to(d);
        model.train();
        Optimizer opt = new SGD(model.parameters(), 0.01, momentum, 0, 0, false);
        CudaBackend cuda = (CudaBackend) Backends.cuda(0);
        double last = 0;
        long t0 = 0;
        for (int s = 0; s < warm + steps; s++) {
            if (s == warm) {
                cuda.synchronize();
                t0 = System.nanoTime();
            }
            try (Scope scope = Scope.open()) {
                opt.zeroGrad();
                Tensor l = loss.forward(model.forward(x), y);
                l.backward();
                opt.step();
                if (s == warm + steps - 1) {
                    last = l.item(); // synchronises
                }
            }
        }
        cuda.synchronize();
        double ms = (System.nanoTime() - t0) / 1e6 / steps;
        System.out.printf(Locale.ROOT, "RESULT step model=%s batch=%d tf32=%s steps=%d nabla_ms_per_step=%.4f "
                + "loss=%.4f%n", name, x.shape()[0], tf32, steps, ms, last);
        opt.close();
        model.close();
        x.close();
        y.close();
    }

    private static Linear linear(int in, int out, boolean bias, Generator g) {
        return new Linear(in, out, bias, g, DType.FLOAT32, Device.CPU);
    }

    private static Tensor labels(Generator g, Device d) {
        long[] classes = new long[128];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = g.nextInt(10);
        }
        return Tensor.of(classes, DType.INT64, d, 128);
    }
}
