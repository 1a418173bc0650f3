package dev.nabla.backend.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.registry.Backends;
import dev.nabla.base.ScalarType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Which library runs a float32 GEMM on the cpu backend: oneDNN's matmul from {@link CpuBackend#ONEDNN_MIN_DIM} in
 * every dimension, OpenBLAS below it and whenever the kernel threads are capped below the processor count (oneDNN's
 * OpenMP threads would not follow the cap). Either way the product equals a float64 reference. Linear's product with
 * a bias ({@link CpuBackend#gemmBias}) runs on oneDNN in the same cases and is declined (composed by the caller) in
 * the others. (A new shape also
 * stays on OpenBLAS once oneDNN's cache is full: {@code DnnlGemmTest.tryGemmNeverEvictsAFullCache}.)
 */
class CpuGemmRoutingTest {

    @Test
    void largeProductsRunOnOneDnnUnlessThreadsAreCapped() {
        Assumptions.assumeTrue(Backends.cpu() instanceof CpuBackend, "the cpu backend has no OpenBLAS here");
        DnnlGemm dnnl = DnnlGemm.shared().orElse(null);
        Assumptions.assumeTrue(dnnl != null, "libdnnl is not installed");
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "a cap needs two processors");
        CpuBackend cpu = (CpuBackend) Backends.cpu();
        Assumptions.assumeTrue(dnnl.cachedPrimitives() < DnnlGemm.CACHE_CAPACITY - 1,
                "the shared oneDNN cache is full: new shapes stay on OpenBLAS (DnnlGemmTest covers that)");

        int before = dnnl.cachedPrimitives();
        multiplyAndCheck(cpu, 131, 67, 97, false, true); // a shape no other test uses: a new primitive
        int after = dnnl.cachedPrimitives();
        assertEquals(before + 1, after, "expected one new oneDNN primitive");

        int threads = KernelThreads.threads();
        KernelThreads.setThreads(1);
        try {
            before = dnnl.cachedPrimitives();
            multiplyAndCheck(cpu, 133, 69, 99, true, false);
            assertEquals(before, dnnl.cachedPrimitives(), "a capped GEMM must stay on OpenBLAS");
        } finally {
            KernelThreads.setThreads(threads);
        }

        before = dnnl.cachedPrimitives();
        multiplyAndCheck(cpu, 135, 63, 101, false, false); // 63 < ONEDNN_MIN_DIM
        assertEquals(before, dnnl.cachedPrimitives(), "a GEMM with a dimension under 64 must stay on OpenBLAS");
    }

    @Test
    void theBiasProductRunsWhereTheProductWouldRunOnOneDnn() {
        Assumptions.assumeTrue(Backends.cpu() instanceof CpuBackend, "the cpu backend has no OpenBLAS here");
        Assumptions.assumeTrue(DnnlGemm.shared().isPresent(), "libdnnl is not installed");
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "a cap needs two processors");
        Assumptions.assumeTrue(DnnlGemm.shared().get().cachedPrimitives() < DnnlGemm.CACHE_CAPACITY - 2,
                "the shared oneDNN cache is full");
        CpuBackend cpu = (CpuBackend) Backends.cpu();
        assertTrue(biasProduct(cpu, ScalarType.FLOAT32, 70, 66, 90), "a float32 product of 64 and more per dimension");
        assertFalse(biasProduct(cpu, ScalarType.FLOAT32, 70, 10, 90), "n = 10 < 64 is OpenBLAS's: composed");
        assertFalse(biasProduct(cpu, ScalarType.FLOAT64, 70, 66, 90), "float64 is OpenBLAS's: composed");
        int threads = KernelThreads.threads();
        KernelThreads.setThreads(1);
        try {
            assertFalse(biasProduct(cpu, ScalarType.FLOAT32, 70, 66, 90), "capped threads keep oneDNN out");
        } finally {
            KernelThreads.setThreads(threads);
        }
    }

    /** Whether the backend computed {@code x wᵀ + bias}; when it did, checks the values. */
    private static boolean biasProduct(CpuBackend cpu, ScalarType type, int m, int n, int k) {
        var random = new SplittableRandom(m * 17L + n);
        try (Arena arena = Arena.ofConfined()) {
            float[] x = values(random, m * k), w = values(random, n * k), bias = values(random, n);
            long bytes = type.byteSize();
            MemorySegment sx = arena.allocate(bytes * x.length, 64), sw = arena.allocate(bytes * w.length, 64);
            MemorySegment sb = arena.allocate(bytes * n, 64), sc = arena.allocate(bytes * m * n, 64);
            if (type == ScalarType.FLOAT32) {
                MemorySegment.copy(x, 0, sx, JAVA_FLOAT, 0, x.length);
                MemorySegment.copy(w, 0, sw, JAVA_FLOAT, 0, w.length);
                MemorySegment.copy(bias, 0, sb, JAVA_FLOAT, 0, n);
            }
            if (!cpu.gemmBias(type, false, true, m, n, k, sx, 0, k, sw, 0, k, sb, 0, sc, 0, n)) {
                return false;
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = bias[j], sumAbs = Math.abs(sum);
                    for (int p = 0; p < k; p++) {
                        sum += (double) x[i * k + p] * w[j * k + p];
                        sumAbs += Math.abs((double) x[i * k + p] * w[j * k + p]);
                    }
                    assertEquals(sum, sc.getAtIndex(JAVA_FLOAT, (long) i * n + j), sumAbs * (k + 1) * 0x1p-23,
                            "C[" + i + "][" + j + "]");
                }
            }
            return true;
        }
    }

    private static void multiplyAndCheck(CpuBackend cpu, int m, int n, int k, boolean transA, boolean transB) {
        var random = new SplittableRandom(m * 31L + n);
        try (Arena arena = Arena.ofConfined()) {
            float[] a = values(random, m * k), b = values(random, k * n);
            MemorySegment sa = arena.allocateFrom(JAVA_FLOAT, a), sb = arena.allocateFrom(JAVA_FLOAT, b);
            MemorySegment sc = arena.allocate(JAVA_FLOAT, (long) m * n);
            int lda = transA ? m : k, ldb = transB ? k : n;
            cpu.gemm(ScalarType.FLOAT32, transA, transB, m, n, k, 1, sa, 0, lda, sb, 0, ldb, 0, sc, 0, n);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0, sumAbs = 0;
                    for (int p = 0; p < k; p++) {
                        double x = a[transA ? p * lda + i : i * lda + p], y = b[transB ? j * ldb + p : p * ldb + j];
                        sum += x * y;
                        sumAbs += Math.abs(x * y);
                    }
                    assertEquals(sum, sc.getAtIndex(JAVA_FLOAT, (long) i * n + j), sumAbs * k * 0x1p-23 + 1e-30,
                            "C[" + i + "][" + j + "] of " + m + "x" + n + "x" + k);
                }
            }
        }
    }

    private static float[] values(SplittableRandom random, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return v;
    }
}
