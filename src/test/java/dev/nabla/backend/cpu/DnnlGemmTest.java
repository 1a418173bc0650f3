package dev.nabla.backend.cpu;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.nativelib.Dnnl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * oneDNN GEMM against a pure-Java reference computed in double from the same rounded inputs. Skipped without libdnnl.
 *
 * <p>Tolerance of the float paths: float32 accumulation of {@code k} products errs by at most about
 * {@code k * 2^-24 * sum|a*b|}; a bfloat16 output adds half an ulp, {@code 2^-9 * |c|} (float16: {@code 2^-12}).
 */
class DnnlGemmTest {
    private static DnnlGemm gemm;
    private final Arena arena = Arena.ofAuto();

    @BeforeAll
    static void requireDnnl() {
        Assumptions.assumeTrue(Dnnl.load().isPresent(), () -> "libdnnl is not installed: " + Dnnl.attempts());
        gemm = DnnlGemm.create();
    }

    @AfterAll
    static void close() {
        if (gemm != null) {
            gemm.close();
        }
    }

    @ParameterizedTest(name = "{0}->{1} {2}x{3}x{4} transA={5} transB={6} pad={7} alpha={8} beta={9}")
    @CsvSource({
            "BF16, F32,  1,  1,  1, false, false, 0, 1.0, 0.0",
            "BF16, F32,  7, 13,  5, false, false, 0, 1.0, 0.0",
            "BF16, F32, 33, 17, 65, true,  false, 3, 1.0, 0.0",
            "BF16, F32, 19, 31, 23, false, true,  1, 1.5, 0.0",
            "BF16, F32, 64, 48, 80, true,  true,  5, 1.0, 0.5",
            "BF16, BF16, 9, 11, 130, false, false, 2, 1.0, 0.0",
            "BF16, BF16, 31, 7, 17, true,  true,  0, -2.0, 1.0",
            "F16,  F32, 17, 19, 21, false, true,  3, 1.0, 0.25",
            "F16,  F16, 12, 5,  33, true,  false, 0, 1.0, 0.0",
            "F32,  F32,  1,  1,  1, false, false, 0, 1.0, 0.0",
            "F32,  F32, 67, 65, 129, false, true, 2, 1.0, 1.0",
            "F32,  F32, 128, 70, 96, true, false, 0, -0.5, 0.0",
            "F32,  F32, 33, 77, 64, true,  true,  4, 2.0, 0.5",
    })
    void matchesReference(DnnlDataType in, DnnlDataType out, int m, int n, int k, boolean transA, boolean transB,
                          int pad, float alpha, float beta) {
        var random = new Random(m * 1000L + n * 10L + k);
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        long offset = 3; // operands start after some unrelated elements
        double[] a = rounded(random, in, aRows * (long) lda + offset);
        double[] b = rounded(random, in, bRows * (long) ldb + offset);
        double[] c0 = rounded(random, out, m * (long) ldc + offset);
        MemorySegment sa = store(in, a), sb = store(in, b), sc = store(out, c0);

        try {
            gemm.gemm(in, out, transA, transB, m, n, k, alpha, sa, offset, lda, sb, offset, ldb, beta, sc, offset, ldc);
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("oneDNN has no " + in + " matmul on this CPU: " + e.getMessage());
        }

        double outputUlp = out == DnnlDataType.BF16 ? 0x1p-8 : out == DnnlDataType.F16 ? 0x1p-11 : 0x1p-23;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0, sumAbs = 0;
                for (int p = 0; p < k; p++) {
                    double x = a[(int) offset + (transA ? p * lda + i : i * lda + p)];
                    double y = b[(int) offset + (transB ? j * ldb + p : p * ldb + j)];
                    sum += x * y;
                    sumAbs += Math.abs(x * y);
                }
                int at = (int) offset + i * ldc + j;
                double expected = alpha * sum + (beta == 0 ? 0 : beta * c0[at]);
                double tolerance = Math.abs(alpha) * sumAbs * k * 0x1p-23 + Math.abs(expected) * outputUlp
                        + Math.abs(beta * c0[at]) * 0x1p-23 + 1e-30;
                double actual = load(out, sc, at);
                assertEquals(expected, actual, tolerance, "C[" + i + "][" + j + "]");
            }
        }
        for (int at = 0; at < c0.length; at++) { // padding and the elements before the offset are untouched
            int row = (at - (int) offset) / ldc, col = (at - (int) offset) % ldc;
            if (at < offset || row >= m || col >= n) {
                assertEquals(c0[at], load(out, sc, at), "element " + at + " outside C changed");
            }
        }
    }

    /** Linear's fused forward: the bias added to every row as the product is written; C's old contents unread. */
    @ParameterizedTest(name = "{0}x{1}x{2} transA={3} transB={4} pad={5}")
    @CsvSource({"128, 512, 784, false, true, 0", "67, 65, 129, false, false, 2", "64, 80, 96, true, true, 3",
            "1, 1, 1, true, false, 0"})
    void gemmBiasMatchesReference(int m, int n, int k, boolean transA, boolean transB, int pad) {
        var random = new Random(m * 7L + n * 3L + k);
        DnnlDataType f32 = DnnlDataType.F32;
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
        long offset = 5;
        double[] a = rounded(random, f32, aRows * (long) lda + offset);
        double[] b = rounded(random, f32, bRows * (long) ldb + offset);
        double[] bias = rounded(random, f32, n + offset);
        double[] c0 = filled(m * ldc + (int) offset, Double.NaN); // never read: NaN would show
        MemorySegment sa = store(f32, a), sb = store(f32, b), sbias = store(f32, bias), sc = store(f32, c0);

        assertTrue(gemm.tryGemmBias(transA, transB, m, n, k, sa, offset, lda, sb, offset, ldb, sbias, offset, sc,
                offset, ldc));

        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = bias[(int) offset + j], sumAbs = Math.abs(sum);
                for (int p = 0; p < k; p++) {
                    double x = a[(int) offset + (transA ? p * lda + i : i * lda + p)];
                    double y = b[(int) offset + (transB ? j * ldb + p : p * ldb + j)];
                    sum += x * y;
                    sumAbs += Math.abs(x * y);
                }
                double actual = load(f32, sc, (int) offset + i * ldc + j);
                assertEquals(sum, actual, sumAbs * (k + 1) * 0x1p-23 + 1e-30, "C[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void gemmBiasNamesABiasTooShort() {
        MemorySegment a = store(DnnlDataType.F32, filled(4 * 6, 1)), b = store(DnnlDataType.F32, filled(6 * 5, 1));
        MemorySegment c = store(DnnlDataType.F32, filled(4 * 5, 0));
        MemorySegment bias = store(DnnlDataType.F32, filled(4, 1));
        var e = assertThrows(IllegalArgumentException.class, () -> gemm.tryGemmBias(false, false, 4, 5, 6, a, 0, 6,
                b, 0, 5, bias, 0, c, 0, 5));
        assertTrue(e.getMessage().startsWith("bias needs 5"), e.getMessage());
    }

    @Test
    void betaZeroDoesNotReadC() {
        int m = 4, n = 5, k = 6;
        MemorySegment a = store(DnnlDataType.BF16, filled(m * k, 1)), b = store(DnnlDataType.BF16, filled(k * n, 0.5));
        MemorySegment c = store(DnnlDataType.F32, filled(m * n, Double.NaN));
        gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        for (int i = 0; i < m * n; i++) {
            assertEquals(3.0f, c.getAtIndex(JAVA_FLOAT, i), "element " + i);
        }
    }

    @ParameterizedTest(name = "{0} {1}x{2}x{3} transB={4} zeroPoint={5}")
    @CsvSource({"U8, 1, 1, 1, false, 0", "U8, 13, 7, 29, true, 3", "S8, 33, 65, 17, false, -5", "U8, 64, 32, 784, true, 128"})
    void int8IsExactInS32(DnnlDataType aType, int m, int n, int k, boolean transB, int zeroPoint) {
        var random = new Random(m * 31L + n * 7L + k);
        int ldb = (transB ? k : n) + 2;
        byte[] a = int8(random, aType, m * k);
        byte[] b = int8(random, DnnlDataType.S8, (transB ? n : k) * ldb);
        MemorySegment sa = bytes(a), sb = bytes(b), sc = arena.allocate(JAVA_INT, (long) m * n);
        MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f);
        run(() -> gemm.gemmInt8(aType, DnnlDataType.S32, transB, m, n, k, sa, 0, k, zeroPoint, sb, 0, ldb,
                one, 0, 1, sc, 0, n));
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long expected = int8Dot(aType, a, b, i, j, k, ldb, transB, zeroPoint);
                assertEquals(expected, sc.getAtIndex(JAVA_INT, (long) i * n + j), "C[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void int8PerColumnScalesToF32() {
        int m = 9, n = 6, k = 50, zeroPoint = 7;
        var random = new Random(5);
        byte[] a = int8(random, DnnlDataType.U8, m * k), w = int8(random, DnnlDataType.S8, n * k);
        float[] scales = new float[n];
        for (int j = 0; j < n; j++) {
            scales[j] = 0.01f * (j + 1);
        }
        MemorySegment sc = arena.allocate(JAVA_FLOAT, (long) m * n);
        run(() -> gemm.gemmInt8(DnnlDataType.U8, DnnlDataType.F32, true, m, n, k, bytes(a), 0, k, zeroPoint,
                bytes(w), 0, k, arena.allocateFrom(JAVA_FLOAT, scales), 0, n, sc, 0, n));
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double expected = scales[j] * (double) int8Dot(DnnlDataType.U8, a, w, i, j, k, k, true, zeroPoint);
                assertEquals(expected, sc.getAtIndex(JAVA_FLOAT, (long) i * n + j), Math.abs(expected) * 0x1p-22,
                        "C[" + i + "][" + j + "]");
            }
        }
    }

    /** The packed path gives {@link DnnlGemm#gemmInt8}'s exact sums and its roundings, then the bias add's. */
    @ParameterizedTest(name = "{0} {1}x{2}x{3} zeroPoint={4} perColumn={5} bias={6}")
    @CsvSource({"U8, 1, 1, 1, 0, false, false", "U8, 128, 512, 784, 61, true, true", "U8, 17, 33, 65, 127, false, true",
            "S8, 13, 7, 29, -5, true, false", "U8, 128, 10, 256, 0, true, true", "U8, 9, 20, 4099, 255, true, true"})
    void linearInt8IsGemmInt8ThenBias(DnnlDataType aType, int m, int n, int k, int zeroPoint, boolean perColumn,
                                      boolean withBias) {
        var random = new Random(m * 31L + n * 7L + k);
        byte[] a = int8(random, aType, m * k);
        byte[] w = int8(random, DnnlDataType.S8, n * k);
        float[] scales = new float[perColumn ? n : 1];
        float[] bias = new float[n];
        for (int j = 0; j < n; j++) {
            scales[j % scales.length] = (float) (1e-4 + 1e-3 * random.nextDouble());
            bias[j] = (float) (random.nextDouble() - 0.5);
        }
        MemorySegment sa = bytes(a), sw = bytes(w), ss = arena.allocateFrom(JAVA_FLOAT, scales);
        MemorySegment sb = withBias ? arena.allocateFrom(JAVA_FLOAT, bias) : MemorySegment.NULL;
        MemorySegment fused = arena.allocate(JAVA_FLOAT, (long) m * n);
        MemorySegment plain = arena.allocate(JAVA_FLOAT, (long) m * n);
        run(() -> gemm.linearInt8(aType, m, n, k, sa, 0, k, zeroPoint, sw, 0, k, new AtomicReference<>(), ss, 0,
                scales.length, sb, 0, fused, 0, n));
        run(() -> gemm.gemmInt8(aType, DnnlDataType.F32, true, m, n, k, sa, 0, k, zeroPoint, sw, 0, k, ss, 0,
                scales.length, plain, 0, n));
        for (int i = 0; i < m * n; i++) {
            float expected = plain.getAtIndex(JAVA_FLOAT, i) + (withBias ? bias[i % n] : 0f);
            assertEquals(expected, fused.getAtIndex(JAVA_FLOAT, i), "C[" + i / n + "][" + i % n + "]");
        }
    }

    /** The slot keeps the packing: a call reuses it (so stale when B changed) until the caller empties the slot. */
    @Test
    void linearInt8PacksOncePerSlot() {
        int m = 4, n = 3, k = 8;
        MemorySegment a = bytes(new byte[] {1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0,
                1, 0, 0, 0, 0, 0, 0, 0});
        byte[] w = new byte[n * k];
        Arrays.fill(w, (byte) 1);
        MemorySegment sw = bytes(w);
        MemorySegment one = arena.allocateFrom(JAVA_FLOAT, 1f);
        MemorySegment c = arena.allocate(JAVA_FLOAT, (long) m * n);
        var slot = new AtomicReference<Object>();
        Runnable call = () -> gemm.linearInt8(DnnlDataType.U8, m, n, k, a, 0, k, 0, sw, 0, k, slot, one, 0, 1,
                MemorySegment.NULL, 0, c, 0, n);
        run(call);
        Object packed = slot.get();
        assertTrue(packed instanceof DnnlPackedWeights, "the slot holds the packing: " + packed);
        assertEquals(16f, c.getAtIndex(JAVA_FLOAT, n)); // row 1: 8 * 2 * 1
        sw.fill((byte) 3);
        run(call);
        assertTrue(packed == slot.get(), "the packing is reused");
        assertEquals(16f, c.getAtIndex(JAVA_FLOAT, n));
        slot.set(null);
        run(call);
        assertEquals(48f, c.getAtIndex(JAVA_FLOAT, n)); // repacked from the new B: 8 * 2 * 3
    }

    @Test
    void tryGemmNeverEvictsAFullCache() {
        try (DnnlGemm own = DnnlGemm.create(2)) {
            MemorySegment a = store(DnnlDataType.F32, filled(64, 1)), c = store(DnnlDataType.F32, filled(64, 0));
            assertTrue(own.tryGemm(DnnlDataType.F32, DnnlDataType.F32, false, false, 8, 8, 8, 1f, a, 0, 8, a, 0, 8, 0f,
                    c, 0, 8));
            assertEquals(8f, c.getAtIndex(JAVA_FLOAT, 0));
            assertTrue(own.tryGemm(DnnlDataType.F32, DnnlDataType.F32, false, true, 8, 8, 8, 2f, a, 0, 8, a, 0, 8, 0f,
                    c, 0, 8));
            assertEquals(16f, c.getAtIndex(JAVA_FLOAT, 0));
            assertEquals(2, own.cachedPrimitives());

            // full: a third shape is declined and C left as it was; the cached shapes still run
            assertFalse(own.tryGemm(DnnlDataType.F32, DnnlDataType.F32, false, false, 4, 8, 8, 1f, a, 0, 8, a, 0, 8,
                    0f, c, 0, 8));
            assertEquals(16f, c.getAtIndex(JAVA_FLOAT, 0));
            assertEquals(2, own.cachedPrimitives());
            assertTrue(own.tryGemm(DnnlDataType.F32, DnnlDataType.F32, false, false, 8, 8, 8, 1f, a, 0, 8, a, 0, 8, 0f,
                    c, 0, 8));
            assertEquals(8f, c.getAtIndex(JAVA_FLOAT, 0));

            // gemm evicts: the cache starts again with the new shape
            own.gemm(DnnlDataType.F32, DnnlDataType.F32, false, false, 4, 8, 8, 1f, a, 0, 8, a, 0, 8, 0f, c, 0, 8);
            assertEquals(1, own.cachedPrimitives());
        }
    }

    @Test
    void primitivesAreCachedPerShape() {
        try (DnnlGemm own = DnnlGemm.create()) {
            MemorySegment a = store(DnnlDataType.BF16, filled(64, 1)), c = store(DnnlDataType.F32, filled(64, 0));
            for (int i = 0; i < 3; i++) {
                own.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, false, 8, 8, 8, 1f, a, 0, 8, a, 0, 8, 0f, c, 0, 8);
            }
            assertEquals(1, own.cachedPrimitives());
            own.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, true, 8, 8, 8, 1f, a, 0, 8, a, 0, 8, 0f, c, 0, 8);
            assertEquals(2, own.cachedPrimitives());
            own.close();
            var e = assertThrows(IllegalStateException.class, () -> own.gemm(DnnlDataType.BF16, DnnlDataType.F32,
                    false, false, 8, 8, 8, 1f, a, 0, 8, a, 0, 8, 0f, c, 0, 8));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    @Test
    void concurrentCallsGiveCorrectResults() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int size = 8 + (t % 4) * 8; // four shapes, so creation races with execution
                futures.add(pool.submit(() -> {
                    MemorySegment a = store(DnnlDataType.BF16, filled(size * size, 1));
                    MemorySegment c = store(DnnlDataType.F32, filled(size * size, 0));
                    for (int r = 0; r < 20; r++) {
                        gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, false, size, size, size, 1f,
                                a, 0, size, a, 0, size, 0f, c, 0, size);
                        for (int i = 0; i < size * size; i++) {
                            assertEquals(size, c.getAtIndex(JAVA_FLOAT, i));
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Threads sharing one weight's slot: the first calls race to pack it, every call gets the exact result. */
    @Test
    void concurrentPackedCallsShareOneSlot() throws Exception {
        int m = 16, n = 48, k = 100, zeroPoint = 9;
        var random = new Random(17);
        byte[] a = int8(random, DnnlDataType.U8, m * k);
        byte[] w = int8(random, DnnlDataType.S8, n * k);
        MemorySegment sa = bytes(a), sw = bytes(w), one = arena.allocateFrom(JAVA_FLOAT, 1f);
        var slot = new AtomicReference<Object>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> {
                    MemorySegment c = Arena.ofAuto().allocate(JAVA_FLOAT, (long) m * n);
                    for (int r = 0; r < 20; r++) {
                        gemm.linearInt8(DnnlDataType.U8, m, n, k, sa, 0, k, zeroPoint, sw, 0, k, slot, one, 0, 1,
                                MemorySegment.NULL, 0, c, 0, n);
                        for (int i = 0; i < m * n; i++) {
                            float expected = int8Dot(DnnlDataType.U8, a, w, i / n, i % n, k, k, true, zeroPoint);
                            assertEquals(expected, c.getAtIndex(JAVA_FLOAT, i), "C[" + i / n + "][" + i % n + "]");
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void badInputNamesTheArgument() {
        MemorySegment a = store(DnnlDataType.BF16, filled(100, 1)), c = store(DnnlDataType.F32, filled(100, 0));
        assertMessage("a must not be null", () -> gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, false,
                4, 4, 4, 1f, null, 0, 4, a, 0, 4, 0f, c, 0, 4));
        assertMessage("m and n must be non-negative", () -> gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, false,
                -1, 4, 4, 1f, a, 0, 4, a, 0, 4, 0f, c, 0, 4));
        assertMessage("k must be at least 1", () -> gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, false,
                4, 4, 0, 1f, a, 0, 4, a, 0, 4, 0f, c, 0, 4));
        assertMessage("lda must be at least", () -> gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, false,
                4, 4, 5, 1f, a, 0, 4, a, 0, 4, 0f, c, 0, 4));
        assertMessage("ldb must be at least", () -> gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, true,
                4, 4, 5, 1f, a, 0, 5, a, 0, 4, 0f, c, 0, 4));
        assertMessage("ldc must be at least", () -> gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, false,
                4, 4, 4, 1f, a, 0, 4, a, 0, 4, 0f, c, 0, 3));
        assertMessage("b needs 100 BF16 elements from offset 1", () -> gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32,
                false, false, 4, 10, 10, 1f, a, 0, 10, a, 1, 10, 0f, c, 0, 10));
        assertMessage("c offset must be non-negative", () -> gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32,
                false, false, 4, 4, 4, 1f, a, 0, 4, a, 0, 4, 0f, c, -1, 4));
        assertMessage("a must be a native segment", () -> gemm.gemm(DnnlDataType.BF16, DnnlDataType.F32, false, false,
                4, 4, 4, 1f, MemorySegment.ofArray(new short[16]), 0, 4, a, 0, 4, 0f, c, 0, 4));
        assertMessage("outputType must be BF16 or F32", () -> gemm.gemm(DnnlDataType.BF16, DnnlDataType.F16,
                false, false, 4, 4, 4, 1f, a, 0, 4, a, 0, 4, 0f, c, 0, 4));
        assertMessage("inputType must be F32, BF16 or F16", () -> gemm.gemm(DnnlDataType.S8, DnnlDataType.F32,
                false, false, 4, 4, 4, 1f, a, 0, 4, a, 0, 4, 0f, c, 0, 4));
        assertMessage("scaleCount must be 1 or n = 4", () -> gemm.gemmInt8(DnnlDataType.U8, DnnlDataType.F32, false,
                4, 4, 4, a, 0, 4, 0, a, 0, 4, c, 0, 2, c, 0, 4));
        assertMessage("aType must be U8 or S8", () -> gemm.gemmInt8(DnnlDataType.S32, DnnlDataType.F32, false,
                4, 4, 4, a, 0, 4, 0, a, 0, 4, c, 0, 1, c, 0, 4));
        assertMessage("scales must not be null", () -> gemm.gemmInt8(DnnlDataType.U8, DnnlDataType.F32, false,
                4, 4, 4, a, 0, 4, 0, a, 0, 4, null, 0, 1, c, 0, 4));
    }

    private static void assertMessage(String expected, Runnable call) {
        var e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private static void run(Runnable call) {
        try {
            call.run();
        } catch (UnsupportedOperationException e) {
            Assumptions.abort("oneDNN has no int8 matmul on this CPU: " + e.getMessage());
        }
    }

    /** Random values in [-2, 2), already rounded to {@code type}, so the reference sees exactly what oneDNN reads. */
    private static double[] rounded(Random random, DnnlDataType type, long count) {
        double[] values = new double[(int) count];
        for (int i = 0; i < values.length; i++) {
            values[i] = roundTo(type, (float) (random.nextDouble() * 4 - 2));
        }
        return values;
    }

    private static double[] filled(int count, double value) {
        double[] values = new double[count];
        Arrays.fill(values, value);
        return values;
    }

    private static double roundTo(DnnlDataType type, float value) {
        return switch (type) {
            case BF16 -> Bf16.toFloat(Bf16.fromFloat(value));
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(value));
            default -> value;
        };
    }

    private MemorySegment store(DnnlDataType type, double[] values) {
        MemorySegment s = arena.allocate((long) values.length * type.bytes(), 64);
        for (int i = 0; i < values.length; i++) {
            float v = (float) values[i];
            switch (type) {
                case BF16 -> s.setAtIndex(JAVA_SHORT, i, Bf16.fromFloat(v));
                case F16 -> s.setAtIndex(JAVA_SHORT, i, Float.floatToFloat16(v));
                default -> s.setAtIndex(JAVA_FLOAT, i, v);
            }
        }
        return s;
    }

    private static double load(DnnlDataType type, MemorySegment s, int index) {
        return switch (type) {
            case BF16 -> Bf16.toFloat(s.getAtIndex(JAVA_SHORT, index));
            case F16 -> Float.float16ToFloat(s.getAtIndex(JAVA_SHORT, index));
            default -> s.getAtIndex(JAVA_FLOAT, index);
        };
    }

    private static byte[] int8(Random random, DnnlDataType type, int count) {
        byte[] values = new byte[count];
        for (int i = 0; i < count; i++) {
            values[i] = (byte) (type == DnnlDataType.U8 ? random.nextInt(256) : random.nextInt(256) - 128);
        }
        return values;
    }

    private MemorySegment bytes(byte[] values) {
        return arena.allocate(Math.max(1, values.length), 64).copyFrom(MemorySegment.ofArray(values));
    }

    private static long int8Dot(DnnlDataType aType, byte[] a, byte[] b, int i, int j, int k, int ldb, boolean transB,
                                int zeroPoint) {
        long sum = 0;
        for (int p = 0; p < k; p++) {
            int x = aType == DnnlDataType.U8 ? Byte.toUnsignedInt(a[i * k + p]) : a[i * k + p];
            sum += (long) (x - zeroPoint) * b[transB ? j * ldb + p : p * ldb + j];
        }
        return sum;
    }

    /** bfloat16 bits of a float, rounded to nearest even (the reference conversion), and back. */
    static final class Bf16 {
        static short fromFloat(float value) {
            int bits = Float.floatToRawIntBits(value);
            if (Float.isNaN(value)) {
                return (short) 0x7fc0;
            }
            return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
        }

        static float toFloat(short bits) {
            return Float.intBitsToFloat((bits & 0xffff) << 16);
        }
    }
}
