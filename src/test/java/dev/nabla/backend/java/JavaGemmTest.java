package dev.nabla.backend.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.ChildJvm;
import dev.nabla.backend.java.JavaGemm.Kernel;
import dev.nabla.backend.java.vector.VectorGemm;
import dev.nabla.base.ScalarType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every pure-Java GEMM kernel (direct loop, blocked scalar, Vector API) against {@link ReferenceKernels#gemm} on
 * shapes chosen to hit the edges of the blocking: 1x1x1, odd sizes, sizes just past the micro-tile and the
 * cache blocks, all four transpose combinations, leading dimensions wider than the matrix with elements in
 * between that must stay untouched, nonzero offsets, and alpha/beta with BLAS semantics.
 *
 * <p>Tolerance: each kernel sums {@code k} products in a different order (and float32 kernels accumulate in
 * float, the reference in double), so the standard bound for a dot product applies: {@code |error| <=
 * gamma_k * sum_p |a_ip||b_pj|} with {@code gamma_k ~ k u}. The check uses {@code (k + 4) * ulp(1)} (ulp = 2u, a
 * factor two of margin; the extra 4 covers the alpha scaling, the beta term and the final rounding) times
 * {@code |alpha| sum|a||b| + |beta c|}. A wrong index, a missed edge or a skipped depth block gives errors of
 * the size of the terms themselves, far above this bound.
 */
class JavaGemmTest {
    private static final boolean VECTOR = VectorSupport.available();

    /** {m, n, k}: tiny, odd, exact tile multiples, and just past micro-tile, KC, MC and NC boundaries. */
    private static final int[][] SHAPES = {
            {1, 1, 1}, {5, 4, 2}, {7, 13, 5}, {1, 37, 19}, {23, 1, 11}, {2, 3, 1}, {16, 32, 48}, {12, 48, 64},
            {130, 257, 70}, {61, 33, 300}, {300, 21, 9}, {9, 600, 140}, {3, 2100, 3}, {50, 50, 513},
    };

    /** {alpha, beta}: plain product, accumulate, general scaling, alpha = 0 (A and B not needed). */
    private static final double[][] SCALES = {{1, 0}, {1, 1}, {0.5, -2}, {-1.5, 0}, {0, 0.5}};

    static Stream<Arguments> kernels() {
        List<Arguments> out = new ArrayList<>();
        for (ScalarType t : new ScalarType[] {ScalarType.FLOAT32, ScalarType.FLOAT64}) {
            out.add(Arguments.of(Kernel.DIRECT, t));
            out.add(Arguments.of(Kernel.BLOCKED, t));
            if (VECTOR) {
                out.add(Arguments.of(Kernel.VECTOR, t));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kernels")
    void matchesReferenceOnEdgeShapesAllTransposes(Kernel kernel, ScalarType t) {
        Random rnd = new Random(42);
        for (int[] s : SHAPES) {
            for (int tr = 0; tr < 4; tr++) {
                double[] ab = SCALES[(tr + s[0] + s[2]) % SCALES.length];
                check(kernel, t, (tr & 1) != 0, (tr & 2) != 0, s[0], s[1], s[2], ab[0], ab[1], rnd);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kernels")
    void matchesReferenceOnRandomShapesAndScales(Kernel kernel, ScalarType t) {
        Random rnd = new Random(7 + kernel.ordinal());
        for (int it = 0; it < 60; it++) {
            int max = it < 50 ? 40 : 200;
            double[] ab = SCALES[rnd.nextInt(SCALES.length)];
            check(kernel, t, rnd.nextBoolean(), rnd.nextBoolean(), 1 + rnd.nextInt(max), 1 + rnd.nextInt(max),
                    1 + rnd.nextInt(max), ab[0], ab[1], rnd);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("kernels")
    void zeroDepthScalesCAndEmptyShapesDoNothing(Kernel kernel, ScalarType t) {
        Random rnd = new Random(3);
        for (double[] ab : SCALES) {
            check(kernel, t, false, false, 6, 35, 0, ab[0], ab[1], rnd);
            check(kernel, t, true, true, 1, 1, 0, ab[0], ab[1], rnd);
        }
        // m or n of 0: callers skip these, but they must be no-ops, not crashes.
        check(kernel, t, false, false, 0, 5, 3, 1, 0, rnd);
        check(kernel, t, true, false, 5, 0, 3, 1, 1, rnd);
        check(kernel, t, false, true, 0, 0, 0, 1, 0, rnd);
    }

    @Test
    void publicEntryPointsMatchReferenceAcrossTheSizeThreshold() {
        Random rnd = new Random(11);
        for (ScalarType t : new ScalarType[] {ScalarType.FLOAT32, ScalarType.FLOAT64}) {
            for (int n : new int[] {2, 8, 16, 17, 24, 40, 64}) {
                for (boolean useVector : new boolean[] {false, true}) {
                    checkWith((tA, tB, m, nn, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) ->
                                    JavaGemm.gemm(useVector, t, tA, tB, m, nn, k, alpha, a, aOff, lda, b, bOff, ldb,
                                            beta, c, cOff, ldc),
                            t, rnd.nextBoolean(), rnd.nextBoolean(), n, n + 1, n - 1, 1, 0.5, rnd);
                }
            }
        }
    }

    @Test
    void chooseUsesTheDirectLoopForSmallProductsOnly() {
        assertEquals(Kernel.DIRECT, JavaGemm.choose(true, 5, 4, 2));
        assertEquals(Kernel.DIRECT, JavaGemm.choose(false, 5, 4, 2));
        assertEquals(Kernel.BLOCKED, JavaGemm.choose(false, 256, 256, 256));
        assertEquals(VECTOR ? Kernel.VECTOR : Kernel.BLOCKED, JavaGemm.choose(true, 256, 256, 256));
        assertEquals(Kernel.DIRECT, JavaGemm.choose(true, 0, 1 << 20, 1 << 20));
    }

    @Test
    void batchedGemmMatchesOneGemmPerEntryIncludingSharedOperands() {
        Random rnd = new Random(5);
        for (ScalarType t : new ScalarType[] {ScalarType.FLOAT32, ScalarType.FLOAT64}) {
            for (boolean useVector : new boolean[] {false, true}) {
                int m = 9;
                int n = 20;
                int k = 33;
                int batch = 3;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment a = random(arena, t, (long) batch * m * k, rnd);
                    MemorySegment b = random(arena, t, (long) k * n, rnd); // stride 0: shared by every entry
                    MemorySegment c = random(arena, t, (long) batch * m * n, rnd);
                    MemorySegment expected = arena.allocate(c.byteSize());
                    expected.copyFrom(c);
                    for (int i = 0; i < batch; i++) {
                        ReferenceKernels.gemm(t, false, false, m, n, k, 1, a, (long) i * m * k, k, b, 0, n, 1,
                                expected, (long) i * m * n, n);
                    }
                    JavaGemm.batchedGemm(useVector, t, false, false, m, n, k, 1, a, 0, k, (long) m * k, b, 0, n, 0,
                            1, c, 0, n, (long) m * n, batch);
                    for (long i = 0; i < (long) batch * m * n; i++) {
                        double want = ReferenceKernels.get(t, expected, i);
                        double got = ReferenceKernels.get(t, c, i);
                        assertEquals(want, got, 1e-4 * (k + 4) * Math.max(1, Math.abs(want)), "element " + i);
                    }
                }
            }
        }
    }

    @Test
    void vectorGemmIsUsableDirectly() {
        if (!VECTOR) {
            return;
        }
        assertTrue(VectorGemm.floatLanes() >= 1);
        Random rnd = new Random(13);
        for (ScalarType t : new ScalarType[] {ScalarType.FLOAT32, ScalarType.FLOAT64}) {
            checkWith((tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) ->
                            VectorGemm.gemm(t, tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc),
                    t, true, false, 37, 45, 29, 2, 0, rnd);
        }
    }

    /**
     * Without {@code --add-modules jdk.incubator.vector}, asking for the vector path must fall back to the
     * scalar one and never load {@link VectorGemm}. Checked in a child JVM, since this one has the module.
     */
    @Test
    void runsWithoutTheVectorModuleAndNeverLoadsVectorGemm() throws Exception {
        String output = ChildJvm.run(List.of("-Xlog:class+load=info"), NoVectorModuleMain.class);
        assertTrue(output.contains("gemm=ok"), output);
        assertFalse(output.contains("jdk.incubator.vector"), "vector module touched:\n" + output);
        assertFalse(output.contains(VectorGemm.class.getName()), "VectorGemm loaded:\n" + output);
    }

    /** Child JVM for {@link #runsWithoutTheVectorModuleAndNeverLoadsVectorGemm()}. */
    static final class NoVectorModuleMain {
        private NoVectorModuleMain() {
        }

        /** Runs one GEMM large enough for the packed path with {@code useVector} set and checks it. */
        public static void main(String[] args) {
            if (VectorSupport.available()) {
                throw new IllegalStateException("expected a JVM without jdk.incubator.vector");
            }
            checkWith((tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc) ->
                            JavaGemm.gemm(true, ScalarType.FLOAT32, tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb,
                                    beta, c, cOff, ldc),
                    ScalarType.FLOAT32, false, true, 64, 64, 64, 1, 0, new Random(1));
            System.out.println("gemm=ok");
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** A GEMM implementation under test, in {@link JavaGemm#gemm} argument order minus kernel and dtype. */
    @FunctionalInterface
    interface Gemm {
        void run(boolean transA, boolean transB, int m, int n, int k, double alpha, MemorySegment a, long aOff,
                 int lda, MemorySegment b, long bOff, int ldb, double beta, MemorySegment c, long cOff, int ldc);
    }

    private static void check(Kernel kernel, ScalarType t, boolean transA, boolean transB, int m, int n, int k,
                              double alpha, double beta, Random rnd) {
        checkWith((tA, tB, mm, nn, kk, al, a, aOff, lda, b, bOff, ldb, be, c, cOff, ldc) ->
                        JavaGemm.gemm(kernel, t, tA, tB, mm, nn, kk, al, a, aOff, lda, b, bOff, ldb, be, c, cOff, ldc),
                t, transA, transB, m, n, k, alpha, beta, rnd);
    }

    /**
     * Runs {@code gemm} on random operands stored with padded leading dimensions at nonzero offsets, C filled
     * with NaN when {@code beta == 0}, and compares with the reference inside the error bound of the class
     * comment; every element of C's buffer outside the {@code m x n} view must be left as it was.
     */
    static void checkWith(Gemm gemm, ScalarType t, boolean transA, boolean transB, int m, int n, int k, double alpha,
                          double beta, Random rnd) {
        String what = String.format("%s %s%s m=%d n=%d k=%d alpha=%s beta=%s", t, transA ? "T" : "N",
                transB ? "T" : "N", m, n, k, alpha, beta);
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        int lda = Math.max(aCols, 1) + rnd.nextInt(4);
        int ldb = Math.max(bCols, 1) + rnd.nextInt(4);
        int ldc = Math.max(n, 1) + rnd.nextInt(4);
        long aOff = rnd.nextInt(5);
        long bOff = rnd.nextInt(5);
        long cOff = rnd.nextInt(5);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = random(arena, t, aOff + (long) Math.max(aRows, 1) * lda, rnd);
            MemorySegment b = random(arena, t, bOff + (long) Math.max(bRows, 1) * ldb, rnd);
            long cLen = cOff + (long) Math.max(m, 1) * ldc;
            MemorySegment c = random(arena, t, cLen, rnd);
            if (beta == 0) {
                // BLAS: C is not read when beta is 0, so NaN there must not reach the result.
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        ReferenceKernels.set(t, c, cOff + (long) i * ldc + j, Double.NaN);
                    }
                }
            }
            MemorySegment before = arena.allocate(c.byteSize());
            before.copyFrom(c);
            MemorySegment expected = arena.allocate(c.byteSize());
            expected.copyFrom(c);
            if (m > 0 && n > 0) {
                ReferenceKernels.gemm(t, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, expected,
                        cOff, ldc);
            }

            gemm.run(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);

            double ulp = t == ScalarType.FLOAT32 ? Math.ulp(1.0f) : Math.ulp(1.0);
            for (long idx = 0; idx < cLen; idx++) {
                long rel = idx - cOff;
                int i = rel < 0 ? -1 : (int) (rel / ldc);
                int j = rel < 0 ? -1 : (int) (rel % ldc);
                double got = ReferenceKernels.get(t, c, idx);
                if (i < 0 || i >= m || j >= n) {
                    double old = ReferenceKernels.get(t, before, idx);
                    if (Double.doubleToLongBits(got) != Double.doubleToLongBits(old)) {
                        fail(what + ": element " + idx + " outside C changed from " + old + " to " + got);
                    }
                    continue;
                }
                double magnitude = 0;
                for (int p = 0; p < k; p++) {
                    double av = ReferenceKernels.get(t, a, aOff + (transA ? (long) p * lda + i : (long) i * lda + p));
                    double bv = ReferenceKernels.get(t, b, bOff + (transB ? (long) j * ldb + p : (long) p * ldb + j));
                    magnitude += Math.abs(av * bv);
                }
                magnitude *= Math.abs(alpha);
                if (beta != 0) {
                    magnitude += Math.abs(beta * ReferenceKernels.get(t, before, idx));
                }
                double want = ReferenceKernels.get(t, expected, idx);
                double tol = (k + 4) * ulp * magnitude + Double.MIN_NORMAL;
                if (!(Math.abs(got - want) <= tol)) {
                    fail(String.format("%s: C[%d,%d] = %s, reference %s, tolerance %.3g", what, i, j, got, want, tol));
                }
            }
        }
    }

    private static MemorySegment random(Arena arena, ScalarType t, long elements, Random rnd) {
        MemorySegment s = arena.allocate(Math.max(elements, 1) * t.byteSize());
        for (long i = 0; i < elements; i++) {
            ReferenceKernels.set(t, s, i, rnd.nextDouble() * 2 - 1);
        }
        return s;
    }
}
