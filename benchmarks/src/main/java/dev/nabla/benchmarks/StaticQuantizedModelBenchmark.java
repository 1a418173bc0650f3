package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;
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
import dev.nabla.quantization.QConfig;
import dev.nabla.quantization.QuantWrapper;
import dev.nabla.quantization.StaticQuantization;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inference of the Fashion-MNIST MLP and CNN (the examples' architectures) at batch 128 on the {@code cpu} device:
 * float32 ({@link #float32}) against the statically int8-quantized model ({@link #int8}: fused, calibrated with
 * {@link QConfig#defaults()} on random batches, converted). Milliseconds per forward, each in its own scope.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class StaticQuantizedModelBenchmark {
    private static final int BATCH = 128;

    /** The two models of one architecture and an input batch. */
    @State(Scope.Benchmark)
    public static class Models {
        /** {@code mlp} or {@code cnn}. */
        @Param({"mlp", "cnn"})
        public String model;

        Module floatModel;
        QuantWrapper quantized;
        Tensor input;

        @Setup(Level.Trial)
        public void setUp() {
            boolean cnn = model.equals("cnn");
            floatModel = cnn ? cnn(new Generator(1)) : mlp(new Generator(1));
            floatModel.eval();
            Module copy = cnn ? cnn(new Generator(1)) : mlp(new Generator(1));
            copy.eval();
            if (cnn) {
                StaticQuantization.fuseModules(copy, List.of(List.of("0", "1", "2"), List.of("4", "5", "6"),
                        List.of("9", "10", "11")));
            } else {
                StaticQuantization.fuseModules(copy, List.of(List.of("1", "2"), List.of("4", "5")));
            }
            quantized = StaticQuantization.prepare(copy, QConfig.defaults());
            Generator g = new Generator(2);
            for (int i = 0; i < 4; i++) {
                try (dev.nabla.Scope s = dev.nabla.Scope.open()) {
                    quantized.forward(Tensor.randn(g, BATCH, 1, 28, 28));
                }
            }
            StaticQuantization.convert(quantized);
            input = dev.nabla.Scope.detached(() -> Tensor.randn(g, BATCH, 1, 28, 28));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            floatModel.close();
            quantized.close();
            input.close();
        }
    }

    static Module mlp(Generator g) {
        return new Sequential(
                new Flatten(),
                new Linear(784, 512, true, g, DType.FLOAT32, Device.CPU), new ReLU(), new Dropout(0.2, g.split()),
                new Linear(512, 256, true, g, DType.FLOAT32, Device.CPU), new ReLU(), new Dropout(0.2, g.split()),
                new Linear(256, 10, true, g, DType.FLOAT32, Device.CPU));
    }

    static Module cnn(Generator g) {
        int[] k3 = {3, 3};
        int[] s1 = {1, 1};
        return new Sequential(
                new Conv2d(1, 32, k3, s1, s1, s1, 1, false, g, DType.FLOAT32, Device.CPU),
                new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, k3, s1, s1, s1, 1, false, g, DType.FLOAT32, Device.CPU),
                new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * 7 * 7, 256, false, g, DType.FLOAT32, Device.CPU), new BatchNorm1d(256), new ReLU(),
                new Dropout(0.3, g.split()),
                new Linear(256, 10, true, g, DType.FLOAT32, Device.CPU));
    }

    /** The float32 model's forward. */
    @Benchmark
    public float float32(Models m) {
        try (dev.nabla.Scope s = dev.nabla.Scope.open(); dev.nabla.Grad off = dev.nabla.Grad.disabled()) {
            return m.floatModel.forward(m.input).toFloatArray()[0];
        }
    }

    /** The quantized model's forward (float in, float out). */
    @Benchmark
    public float int8(Models m) {
        try (dev.nabla.Scope s = dev.nabla.Scope.open(); dev.nabla.Grad off = dev.nabla.Grad.disabled()) {
            return m.quantized.forward(m.input).toFloatArray()[0];
        }
    }
}
