package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * Element-wise and reduction kernels through the Tensor API, float32, on {@code n} elements laid out as
 * {@code [n / 1000, 1000]}, on the {@code cpu} device (Java kernels split across threads when large) and the
 * {@code java} device (single-threaded), with a memory-copy baseline measured in the same run.
 *
 * <p>Kernels and the bytes {@link KernelReport} counts for them (bytes read + bytes written, float32, the least
 * traffic the operation needs; a kernel that makes several passes moves more than it is credited with):
 * <ul>
 *   <li>{@link #relu}: {@code x.relu()}, fresh output; {@code 8n}.
 *   <li>{@link #add}: {@code x + bias} with {@code bias} of shape {@code [1000]} broadcast over the rows, fresh
 *       output; {@code 8n + 4 * 1000}.
 *   <li>{@link #softmax}: {@code x.softmax(1)} over rows of 1000; {@code 8n}. Nabla composes it from max, sub,
 *       exp, sum and div, so its real traffic is several times that.
 *   <li>{@link #sum}: {@code x.sum()} of all elements to a scalar; {@code 4n}.
 *   <li>{@link #tensorClone}: {@code x.clone()}, a contiguous copy into a fresh tensor; {@code 8n}.
 *   <li>{@link #segmentCopy}: the baseline, {@code MemorySegment.copy} of {@code n} floats between two native
 *       segments (single-threaded, no Tensor API); {@code 8n}. It has no {@code device}.
 * </ul>
 *
 * <p>Each Tensor invocation runs in a {@link dev.nabla.Scope}, so outputs come from the memory pool and go back to
 * it, as in a training step. Inputs are {@code U[-1, 1)} (half the ReLU inputs are negative).
 *
 * <p>Settings: one fork, 2 warm-up and 3 measured iterations of 1 s: 55 parameter combinations, each in its own JVM.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class KernelBenchmark {
    /** Length of the last dimension: the softmax rows and the broadcast bias. */
    public static final int ROW = 1000;

    /** The input tensors of one size on one device. */
    @State(Scope.Benchmark)
    public static class Tensors {
        /** Elements: a multiple of {@link #ROW}. */
        @Param({"1000", "10000", "100000", "1000000", "10000000"})
        public long n;

        /** {@code cpu} or {@code java}. */
        @Param({"cpu", "java"})
        public String device;

        Tensor x;
        Tensor bias;

        @Setup(Level.Trial)
        public void setUp() {
            Device d = Device.parse(device);
            var generator = new Generator(11);
            // No scope is open: these live until tearDown.
            x = Tensor.uniform(generator, -1, 1, DType.FLOAT32, d, rows(n), ROW);
            bias = Tensor.uniform(generator, -1, 1, DType.FLOAT32, d, ROW);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            x.close();
            bias.close();
        }
    }

    /** Two native segments of {@code n} floats for the copy baseline. */
    @State(Scope.Benchmark)
    public static class Segments {
        /** Elements, as for {@link Tensors#n}. */
        @Param({"1000", "10000", "100000", "1000000", "10000000"})
        public long n;

        Arena arena;
        MemorySegment src;
        MemorySegment dst;

        @Setup(Level.Trial)
        public void setUp() {
            arena = Arena.ofShared();
            // 64-byte aligned like the memory pool's blocks; filled, so that the pages are mapped before timing
            src = arena.allocate(n * Float.BYTES, 64).fill((byte) 1);
            dst = arena.allocate(n * Float.BYTES, 64).fill((byte) 0);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            arena.close();
        }
    }

    /** Rows of {@code n} elements laid out with {@link #ROW} columns. */
    static long rows(long n) {
        if (n < ROW || n % ROW != 0) {
            throw new IllegalArgumentException("n must be a positive multiple of " + ROW + ", got " + n);
        }
        return n / ROW;
    }

    /** {@code x.relu()}. */
    @Benchmark
    public long relu(Tensors t) {
        try (dev.nabla.Scope op = dev.nabla.Scope.open()) {
            return t.x.relu().numel();
        }
    }

    /** {@code x + bias}, {@code [rows, 1000] + [1000]}. */
    @Benchmark
    public long add(Tensors t) {
        try (dev.nabla.Scope op = dev.nabla.Scope.open()) {
            return t.x.add(t.bias).numel();
        }
    }

    /** {@code x.softmax(1)}, rows of 1000. */
    @Benchmark
    public long softmax(Tensors t) {
        try (dev.nabla.Scope op = dev.nabla.Scope.open()) {
            return t.x.softmax(1).numel();
        }
    }

    /** {@code x.sum()}, all elements. */
    @Benchmark
    public long sum(Tensors t) {
        try (dev.nabla.Scope op = dev.nabla.Scope.open()) {
            return t.x.sum().numel();
        }
    }

    /** {@code x.clone()}. */
    @Benchmark
    public long tensorClone(Tensors t) {
        try (dev.nabla.Scope op = dev.nabla.Scope.open()) {
            return t.x.clone().numel();
        }
    }

    /** The baseline: {@code MemorySegment.copy} of {@code n} floats. */
    @Benchmark
    public MemorySegment segmentCopy(Segments s) {
        MemorySegment.copy(s.src, 0, s.dst, 0, s.n * Float.BYTES);
        return s.dst;
    }
}
