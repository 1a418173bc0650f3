package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import dev.nabla.bindings.openblas.cblas_h;
import dev.nabla.nativelib.OpenBlas;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * What a tiny operation costs through Nabla's Tensor API compared with calling OpenBLAS directly, float32 on the
 * {@code cpu} device, in nanoseconds per call: the fixed per-operation cost that dominates small workloads such as
 * the 2-4-4-1 tutorial network's step.
 *
 * <ul>
 *   <li>{@link #matmulApi} vs {@link #sgemmRaw}: an {@code n x n} product ({@code n} = 1, 8) as
 *       {@code a.matmul(b)} in a {@link dev.nabla.Scope} (as {@link GemmBenchmark} and a training step run it: shape
 *       checks, output from the memory pool, autograd bookkeeping, backend dispatch, downcall), vs
 *       {@code cblas_sgemm} through the generated bindings on preallocated native segments (just the downcall).
 *   <li>{@link #addApi} (fresh output in a scope) and {@link #addInPlaceApi} ({@code y.add_(x)}) on 16 elements
 *       vs {@link #saxpyRaw}, {@code cblas_saxpy} ({@code y += x}) on 16-element segments. Nabla's element-wise
 *       kernels are Java, not OpenBLAS; saxpy is the cheapest native call that does the same arithmetic.
 * </ul>
 *
 * <p>The raw paths first run one product through the {@code cpu} backend: that loads OpenBLAS (the bindings'
 * symbol lookup needs it loaded) and lets the backend set OpenBLAS to one thread, as it does for every small GEMM,
 * so both paths call the same library in the same state. The in-place and raw {@code y += x} let {@code y} grow;
 * float32 addition saturates rather than overflows, so the values stay finite.
 *
 * <p>Settings: one fork, 3 warm-up and 5 measured iterations of 1 s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class CallOverheadBenchmark {
    /** Elements of the element-wise operands. */
    static final int VECTOR_LENGTH = 16;

    /** The {@code n x n} GEMM operands, as tensors and as native segments holding the same values. */
    @State(Scope.Benchmark)
    public static class GemmOperands {
        /** {@code n} of the {@code n x n} products. */
        @Param({"1", "8"})
        public int n;

        Tensor a;
        Tensor b;
        Arena arena;
        MemorySegment aRaw;
        MemorySegment bRaw;
        MemorySegment cRaw;
        int rowMajor;
        int noTrans;

        @Setup(Level.Trial)
        public void setUp() {
            requireOpenBlas();
            var generator = new Generator(3);
            // No scope is open: these live until tearDown.
            a = Tensor.uniform(generator, -1, 1, DType.FLOAT32, Device.CPU, n, n);
            b = Tensor.uniform(generator, -1, 1, DType.FLOAT32, Device.CPU, n, n);
            // Loads OpenBLAS and puts it in the backend's small-GEMM thread setting before any raw call.
            try (dev.nabla.Scope warm = dev.nabla.Scope.open()) {
                a.matmul(b);
            }
            arena = Arena.ofShared();
            aRaw = floats(arena, a.toFloatArray());
            bRaw = floats(arena, b.toFloatArray());
            cRaw = floats(arena, new float[n * n]);
            rowMajor = cblas_h.CblasRowMajor();
            noTrans = cblas_h.CblasNoTrans();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            a.close();
            b.close();
            arena.close();
        }
    }

    /** The 16-element operands of {@code y += x}, as tensors and as native segments. */
    @State(Scope.Benchmark)
    public static class VectorOperands {
        Tensor x;
        Tensor y;
        Arena arena;
        MemorySegment xRaw;
        MemorySegment yRaw;

        @Setup(Level.Trial)
        public void setUp() {
            requireOpenBlas();
            var generator = new Generator(5);
            x = Tensor.uniform(generator, 0, 1, DType.FLOAT32, Device.CPU, VECTOR_LENGTH);
            y = Tensor.uniform(generator, 0, 1, DType.FLOAT32, Device.CPU, VECTOR_LENGTH);
            // Loads OpenBLAS (through the backend, as the GEMM operands do) before any raw call.
            try (dev.nabla.Scope warm = dev.nabla.Scope.open()) {
                x.reshape(1, VECTOR_LENGTH).matmul(y.reshape(VECTOR_LENGTH, 1));
            }
            arena = Arena.ofShared();
            xRaw = floats(arena, x.toFloatArray());
            yRaw = floats(arena, y.toFloatArray());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            x.close();
            y.close();
            arena.close();
        }
    }

    static void requireOpenBlas() {
        if (!Device.CPU.isNative()) {
            throw new IllegalStateException("CallOverheadBenchmark needs OpenBLAS: "
                    + String.join("; ", OpenBlas.attempts()));
        }
    }

    /** A native copy of {@code values}, 64-byte aligned like the memory pool's blocks. */
    static MemorySegment floats(Arena arena, float[] values) {
        MemorySegment s = arena.allocate((long) values.length * Float.BYTES, 64);
        MemorySegment.copy(values, 0, s, ValueLayout.JAVA_FLOAT, 0, values.length);
        return s;
    }

    /** {@code a.matmul(b)}, {@code n x n}, through the Tensor API in a scope. */
    @Benchmark
    public long matmulApi(GemmOperands g) {
        try (dev.nabla.Scope step = dev.nabla.Scope.open()) {
            return g.a.matmul(g.b).numel();
        }
    }

    /** {@code cblas_sgemm}, {@code n x n}, row-major, on preallocated segments. */
    @Benchmark
    public MemorySegment sgemmRaw(GemmOperands g) {
        cblas_h.cblas_sgemm(g.rowMajor, g.noTrans, g.noTrans, g.n, g.n, g.n, 1f, g.aRaw, g.n, g.bRaw, g.n, 0f,
                g.cRaw, g.n);
        return g.cRaw;
    }

    /** {@code x.add(y)}, 16 elements, fresh output from the pool, in a scope. */
    @Benchmark
    public long addApi(VectorOperands v) {
        try (dev.nabla.Scope step = dev.nabla.Scope.open()) {
            return v.x.add(v.y).numel();
        }
    }

    /** {@code y.add_(x)}, 16 elements, in place: no output to allocate, no scope needed. */
    @Benchmark
    public Tensor addInPlaceApi(VectorOperands v) {
        return v.y.add_(v.x);
    }

    /** {@code cblas_saxpy(16, 1, x, 1, y, 1)}: {@code y += x} on preallocated segments. */
    @Benchmark
    public MemorySegment saxpyRaw(VectorOperands v) {
        cblas_h.cblas_saxpy(VECTOR_LENGTH, 1f, v.xRaw, 1, v.yRaw, 1);
        return v.yRaw;
    }
}
