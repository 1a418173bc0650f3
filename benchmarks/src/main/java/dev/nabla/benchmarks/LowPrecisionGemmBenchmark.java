package dev.nabla.benchmarks;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.nabla.backend.cpu.DnnlDataType;
import dev.nabla.backend.cpu.DnnlGemm;
import dev.nabla.bindings.openblas.cblas_h;
import dev.nabla.nativelib.OpenBlas;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
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
 * Reduced-precision GEMM through oneDNN ({@link DnnlGemm}) against float32 OpenBLAS {@code cblas_sgemm} on the same
 * shapes, side by side in one run: bfloat16 inputs with float32 accumulation (bfloat16 or float32 output), and the
 * int8 product of a quantised Linear layer ({@code u8} activations, {@code s8} weights, float32 output with a scale).
 *
 * <p>Shapes ({@link #shape}): square {@code n x n} or {@code MxKxN}; B is used transposed ({@code y = x W^T}, as a
 * Linear layer stores {@code W} as {@code [out, in]}) in every implementation. Operands are converted to their types
 * in the trial setup, outside the timed region. OpenBLAS uses all cores; oneDNN uses its OpenMP threads (all cores
 * unless {@code OMP_NUM_THREADS} says otherwise). Skips (throws in setup) without oneDNN.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class LowPrecisionGemmBenchmark {

    /** {@code n} for square products, or {@code MxKxN}. */
    @Param({"256", "512", "1024", "64x784x512"})
    public String shape;

    private int m;
    private int k;
    private int n;
    private Arena arena;
    private DnnlGemm dnnl;
    private MemorySegment aF32;
    private MemorySegment bF32;
    private MemorySegment cF32;
    private MemorySegment aBf16;
    private MemorySegment bBf16;
    private MemorySegment cBf16;
    private MemorySegment aU8;
    private MemorySegment bS8;
    private MemorySegment scale;

    /** Creates the operands in every type and runs each product once (primitive creation is not timed). */
    @Setup(Level.Trial)
    public void setUp() {
        int[] mkn = GemmBenchmark.mkn(shape);
        m = mkn[0];
        k = mkn[1];
        n = mkn[2];
        OpenBlas.require();
        dnnl = DnnlGemm.shared().orElseThrow(() -> new IllegalStateException("oneDNN is not available"));
        arena = Arena.ofShared();
        var random = new Random(42);
        aF32 = floats(random, (long) m * k);
        bF32 = floats(random, (long) n * k);
        cF32 = arena.allocate(JAVA_FLOAT, (long) m * n);
        aBf16 = bf16(aF32);
        bBf16 = bf16(bF32);
        cBf16 = arena.allocate(JAVA_SHORT, (long) m * n);
        aU8 = arena.allocate((long) m * k, 64);
        bS8 = arena.allocate((long) n * k, 64);
        for (long i = 0; i < aU8.byteSize(); i++) {
            aU8.set(JAVA_BYTE, i, (byte) random.nextInt(256));
        }
        for (long i = 0; i < bS8.byteSize(); i++) {
            bS8.set(JAVA_BYTE, i, (byte) (random.nextInt(256) - 128));
        }
        scale = arena.allocateFrom(JAVA_FLOAT, 1e-4f);
        f32OpenBlas();
        bf16Dnnl();
        bf16ToF32Dnnl();
        int8Dnnl();
    }

    /** Frees the operands (the shared oneDNN instance lives on). */
    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** The baseline: float32 {@code cblas_sgemm}. */
    @Benchmark
    public MemorySegment f32OpenBlas() {
        cblas_h.cblas_sgemm(cblas_h.CblasRowMajor(), cblas_h.CblasNoTrans(), cblas_h.CblasTrans(), m, n, k,
                1f, aF32, k, bF32, k, 0f, cF32, n);
        return cF32;
    }

    /** bfloat16 in and out, float32 accumulation. */
    @Benchmark
    public MemorySegment bf16Dnnl() {
        dnnl.gemm(DnnlDataType.BF16, DnnlDataType.BF16, false, true, m, n, k, 1f, aBf16, 0, k, bBf16, 0, k,
                0f, cBf16, 0, n);
        return cBf16;
    }

    /** bfloat16 in, float32 out. */
    @Benchmark
    public MemorySegment bf16ToF32Dnnl() {
        dnnl.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, true, m, n, k, 1f, aBf16, 0, k, bBf16, 0, k,
                0f, cF32, 0, n);
        return cF32;
    }

    /** u8 activations x s8 weights, exact int32 accumulation, float32 output scaled. */
    @Benchmark
    public MemorySegment int8Dnnl() {
        dnnl.gemmInt8(DnnlDataType.U8, DnnlDataType.F32, true, m, n, k, aU8, 0, k, 128, bS8, 0, k, scale, 0, 1,
                cF32, 0, n);
        return cF32;
    }

    private MemorySegment floats(Random random, long count) {
        MemorySegment s = arena.allocate(JAVA_FLOAT, count);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(JAVA_FLOAT, i, (float) random.nextGaussian());
        }
        return s;
    }

    /** bfloat16 copies, rounded to nearest even. */
    private MemorySegment bf16(MemorySegment f32) {
        long count = f32.byteSize() / 4;
        MemorySegment s = arena.allocate(JAVA_SHORT, count);
        for (long i = 0; i < count; i++) {
            int bits = Float.floatToRawIntBits(f32.getAtIndex(JAVA_FLOAT, i));
            s.setAtIndex(JAVA_SHORT, i, (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16));
        }
        return s;
    }
}
