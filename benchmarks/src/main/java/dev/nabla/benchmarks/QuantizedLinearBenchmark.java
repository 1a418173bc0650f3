package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.quantization.Quantization;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Dynamically quantized inference against float32 at batch 128, side by side in one run, through the public API in
 * eval mode under {@code Grad.disabled()}: a float32 {@link Linear} on the {@code cpu} device (OpenBLAS sgemm), the
 * same layer after {@link Quantization#quantizeDynamic} on {@code cpu} (per-batch min-max and uint8 quantization, then
 * oneDNN's int8 GEMM) and on {@code java} (the pure-Java int8 kernels). Shapes ({@link #model}): one layer
 * {@code 784x512} or {@code 512x256}, or {@code mlp}, the Fashion-MNIST MLP's whole forward (Flatten, 784-512, ReLU,
 * Dropout, 512-256, ReLU, Dropout, 256-10) on {@code [128, 1, 28, 28]}. Each call runs in its own scope, so
 * activations are released as in a real inference loop.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class QuantizedLinearBenchmark {
    private static final int BATCH = 128;

    /** {@code INxOUT} for one layer, or {@code mlp}. */
    @Param({"784x512", "512x256", "mlp"})
    public String model;

    private Module float32Cpu;
    private Module int8Cpu;
    private Module int8Java;
    private Tensor xCpu;
    private Tensor xJava;

    /** Builds three copies of the same weights: float32, and quantized on each device. */
    @Setup(Level.Trial)
    public void setUp() {
        float32Cpu = build(Device.CPU);
        int8Cpu = Quantization.quantizeDynamic(build(Device.CPU));
        int8Java = Quantization.quantizeDynamic(build(Device.JAVA));
        float32Cpu.eval();
        long[] shape = model.equals("mlp") ? new long[] {BATCH, 1, 28, 28}
                : new long[] {BATCH, Long.parseLong(model.split("x")[0])};
        xCpu = Scope.detached(() -> Tensor.rand(new Generator(3), shape));
        xJava = Scope.detached(() -> xCpu.to(Device.JAVA));
    }

    /** The float model (wrapped in a Sequential so quantizeDynamic can swap a lone Linear). */
    private Module build(Device d) {
        Generator g = new Generator(11);
        if (model.equals("mlp")) {
            return new Sequential(new Flatten(), new Linear(784, 512, true, g, DType.FLOAT32, d), new ReLU(),
                    new Dropout(0.2), new Linear(512, 256, true, g, DType.FLOAT32, d), new ReLU(), new Dropout(0.2),
                    new Linear(256, 10, true, g, DType.FLOAT32, d));
        }
        String[] io = model.split("x");
        return new Sequential(new Linear(Long.parseLong(io[0]), Long.parseLong(io[1]), true, g, DType.FLOAT32, d));
    }

    private static float run(Module m, Tensor x) {
        try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
            return m.forward(x).flatten().select(0, 0).toFloatArray()[0];
        }
    }

    /** float32 on the cpu device (OpenBLAS). */
    @Benchmark
    public float float32Cpu() {
        return run(float32Cpu, xCpu);
    }

    /** Dynamic int8 on the cpu device (oneDNN int8 GEMM). */
    @Benchmark
    public float int8Cpu() {
        return run(int8Cpu, xCpu);
    }

    /** Dynamic int8 on the java device (pure-Java kernels). */
    @Benchmark
    public float int8Java() {
        return run(int8Java, xJava);
    }

    /** Releases the models and inputs. */
    @TearDown(Level.Trial)
    public void tearDown() {
        float32Cpu.close();
        int8Cpu.close();
        int8Java.close();
        xCpu.close();
        xJava.close();
    }
}
