package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.backend.registry.Backends;
import dev.nabla.backend.cuda.CudaBackend;
import dev.nabla.memory.PoolStats;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Whole training steps on the GPU through the public API, against the same steps on the CPU: forward, backward,
 * optimizer, and the caching allocator (no cuMemAlloc once the shapes have been seen). Skipped without a GPU.
 */
class CudaTrainingTest {
    private static Device gpu;
    private static CudaBackend cuda;

    @BeforeAll
    static void requireGpu() {
        assumeTrue(Backends.cudaDeviceCount() > 0, "no CUDA device: " + Backends.cudaUnavailableReason());
        gpu = Device.cuda(0);
        cuda = (CudaBackend) Backends.cuda(0); // the device's own backend, not its DTypeDispatch wrapper
    }

    private static Module mlp(DType t) {
        Generator g = new Generator(42);
        return new Sequential(new Linear(20, 64, true, g, t, Device.CPU), new ReLU(),
                new Linear(64, 32, true, g, t, Device.CPU), new ReLU(), new Linear(32, 5, true, g, t, Device.CPU));
    }

    private static Tensor[] data(DType t, Device d, long n, long features, int classes, long seed) {
        Generator g = new Generator(seed);
        Tensor x = Tensor.normal(g, 0, 1, t, Device.CPU, n, features);
        long[] y = new long[(int) n];
        for (int i = 0; i < n; i++) {
            y[i] = (i * 7 + seed) % classes;
        }
        return new Tensor[] {x.to(d), Tensor.of(y, n).to(d)};
    }

    /** Runs {@code steps} steps and returns the losses. */
    private static double[] train(Module model, Optimizer opt, Tensor x, Tensor y, int steps) {
        double[] losses = new double[steps];
        for (int s = 0; s < steps; s++) {
            try (Scope scope = Scope.open()) {
                Tensor loss = F.crossEntropy(model.forward(x), y);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                losses[s] = loss.item();
            }
        }
        return losses;
    }

    private static void assertClose(String what, double[] want, double[] got, double tol) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(want[i] - got[i]) <= tol * Math.max(1, Math.abs(want[i])))) {
                fail(what + ": element " + i + " is " + got[i] + " on cuda, " + want[i] + " on cpu");
            }
        }
    }

    private static void compareTraining(DType t, Function<List<Tensor>, Optimizer> optimizer, double tol) {
        Module cpuModel = mlp(t);
        Module gpuModel = mlp(t).to(gpu);
        Tensor[] cpuData = data(t, Device.CPU, 50, 20, 5, 1);
        Tensor[] gpuData = data(t, gpu, 50, 20, 5, 1);
        double[] cpuLoss = train(cpuModel, optimizer.apply(cpuModel.parameters()), cpuData[0], cpuData[1], 6);
        double[] gpuLoss = train(gpuModel, optimizer.apply(gpuModel.parameters()), gpuData[0], gpuData[1], 6);
        assertClose(t + " losses", cpuLoss, gpuLoss, tol);
        assertTrue(gpuLoss[5] < gpuLoss[0], "the loss went down on cuda: " + java.util.Arrays.toString(gpuLoss));
        for (Map.Entry<String, Tensor> e : cpuModel.namedParameters().entrySet()) {
            Tensor g = gpuModel.namedParameters().get(e.getKey());
            assertEquals(gpu, g.device());
            assertClose(t + " " + e.getKey(), e.getValue().toDoubleArray(), g.toDoubleArray(), tol);
        }
    }

    @Test
    void mlpWithSgdMomentumMatchesTheCpu() {
        compareTraining(DType.FLOAT64, p -> new SGD(p, 0.1, 0.9, 0, 1e-4, true), 1e-10);
        compareTraining(DType.FLOAT32, p -> new SGD(p, 0.1, 0.9, 0, 1e-4, false), 2e-4);
    }

    @Test
    void mlpWithAdamWMatchesTheCpu() {
        compareTraining(DType.FLOAT64, p -> new AdamW(p, 1e-2, 0.01), 1e-8);
    }

    @Test
    void convNetForwardAndBackwardMatchTheCpu() {
        DType t = DType.FLOAT64;
        Generator g = new Generator(3);
        Module cpuModel = new Sequential(
                new Conv2d(2, 4, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true, g, t,
                        Device.CPU),
                new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 3, true, g, t, Device.CPU));
        Generator g2 = new Generator(3);
        Module gpuModel = new Sequential(
                new Conv2d(2, 4, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true, g2, t,
                        Device.CPU),
                new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 3, true, g2, t, Device.CPU))
                .to(gpu);
        Tensor x = Tensor.normal(new Generator(9), 0, 1, t, Device.CPU, 6, 2, 8, 8);
        Tensor y = Tensor.of(new long[] {0, 1, 2, 2, 1, 0});
        Tensor lossCpu = F.crossEntropy(cpuModel.forward(x), y);
        lossCpu.backward();
        Tensor lossGpu = F.crossEntropy(gpuModel.forward(x.to(gpu)), y.to(gpu));
        lossGpu.backward();
        assertClose("conv loss", new double[] {lossCpu.item()}, new double[] {lossGpu.item()}, 1e-10);
        for (Map.Entry<String, Tensor> e : cpuModel.namedParameters().entrySet()) {
            Tensor gg = gpuModel.namedParameters().get(e.getKey()).grad();
            assertClose("grad of " + e.getKey(), e.getValue().grad().toDoubleArray(), gg.toDoubleArray(), 1e-9);
        }
    }

    @Test
    void aTrainingStepAllocatesNoDeviceMemoryAfterWarmUp() {
        DType t = DType.FLOAT32;
        Module model = mlp(t).to(gpu);
        Tensor[] d = data(t, gpu, 128, 20, 5, 2);
        Optimizer opt = new SGD(model.parameters(), 0.05, 0.9, 0, 0, false);
        train(model, opt, d[0], d[1], 3);
        long allocs = cuda.deviceAllocations();
        PoolStats before = cuda.pool().stats();
        double[] losses = train(model, opt, d[0], d[1], 20);
        PoolStats after = cuda.pool().stats();
        assertEquals(allocs, cuda.deviceAllocations(), "cuMemAlloc calls during 20 warm steps; pool " + after);
        assertEquals(before.nativeAllocations(), after.nativeAllocations(), "pool " + after);
        assertTrue(after.allocations() > before.allocations(), "the steps allocated through the pool");
        assertTrue(losses[19] < losses[0], java.util.Arrays.toString(losses));
    }

    @Test
    void tensorsRoundTripAndMatmulMatchesTheCpu() {
        for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Tensor a = Tensor.normal(new Generator(5), 0, 1, t, Device.CPU, 37, 129);
            Tensor b = Tensor.normal(new Generator(6), 0, 1, t, Device.CPU, 129, 23);
            Tensor ga = a.to(gpu);
            assertEquals(gpu, ga.device());
            assertClose("round trip", a.toDoubleArray(), ga.to(Device.CPU).toDoubleArray(), 0);
            double tol = t == DType.FLOAT32 ? 1e-5 : 1e-12;
            assertClose("matmul " + t, a.matmul(b).toDoubleArray(), ga.matmul(b.to(gpu)).toDoubleArray(), tol);
            assertClose("matmul^T " + t, a.transpose(0, 1).matmul(a).toDoubleArray(),
                    ga.transpose(0, 1).matmul(ga).toDoubleArray(), tol * 10);
            assertClose("softmax " + t, a.softmax(1).toDoubleArray(), ga.softmax(1).toDoubleArray(), tol);
            assertClose("sum " + t, a.sum(0, false).toDoubleArray(), ga.sum(0, false).toDoubleArray(), tol * 10);
        }
    }
}
