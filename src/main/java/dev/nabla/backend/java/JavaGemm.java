package dev.nabla.backend.java;

import dev.nabla.DType;
import dev.nabla.backend.java.vector.VectorGemm;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * GEMM in pure Java, three ways chosen per call:
 * <ul>
 *   <li>a direct loop for small products (below {@link #SMALL_SCALAR} / {@link #SMALL_VECTOR} multiply-adds),
 *       where packing would cost more than it saves (the seed network's GEMMs are 5x2 by 2x4);</li>
 *   <li>{@link VectorGemm} (Vector API, packed panels, FMA micro-kernel) when the vector path is asked for and
 *       {@code jdk.incubator.vector} is present;</li>
 *   <li>otherwise a blocked scalar GEMM: op(B) is packed in {@code KC x NC} blocks that stay in L2, op(A) two
 *       rows at a time, and the inner loop runs along two rows of C over plain arrays, four depth steps per
 *       pass, so that C2 auto-vectorises it.</li>
 * </ul>
 * All paths have BLAS semantics: {@code C} is not read when {@code beta == 0}; {@code A} and {@code B} are not
 * read when {@code k == 0} or {@code alpha == 0}. Offsets and leading dimensions count elements.
 */
final class JavaGemm {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /** Multiply-adds ({@code m*n*k}) up to which the scalar path uses the direct loop instead of packing. */
    static final long SMALL_SCALAR = 512;
    /** Multiply-adds up to which the vector path uses the direct loop instead of packing. */
    static final long SMALL_VECTOR = 512;
    /** Depth of a packed block of op(B) in the scalar path. */
    static final int S_KC = 128;
    /** Columns of a packed block of op(B) in the scalar path: a KC x NC float block is 256 KB, in L2. */
    static final int S_NC = 512;

    private JavaGemm() {
    }

    /** The implementations that {@code gemm(Kernel, ...)} can be told to run. */
    enum Kernel {
        /** Triple loop, no packing: for small products. */
        DIRECT,
        /** Blocked scalar GEMM with packed blocks and an auto-vectorised inner loop. */
        BLOCKED,
        /** {@link VectorGemm}; only when {@link VectorSupport#available()}. */
        VECTOR
    }

    /**
     * Row-major {@code C = alpha op(A) op(B) + beta C}; see {@link dev.nabla.backend.Backend#gemm}.
     * {@code useVector} selects {@link VectorGemm}, honoured only when the Vector API module is present.
     */
    static void gemm(boolean useVector, DType dtype, boolean transA, boolean transB, int m, int n, int k,
                     double alpha, MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                     double beta, MemorySegment c, long cOffset, int ldc) {
        gemm(choose(useVector, m, n, k), dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
                beta, c, cOffset, ldc);
    }

    /** The kernel that {@code gemm(boolean useVector, ...)} runs for an {@code m x n x k} product. */
    static Kernel choose(boolean useVector, int m, int n, int k) {
        // The check of VectorSupport keeps VectorGemm (and jdk.incubator.vector) from ever being linked without
        // the module: HotSpot resolves a call only when it first runs.
        boolean vector = useVector && VectorSupport.available();
        long work = (long) Math.max(m, 0) * Math.max(n, 0) * Math.max(k, 0);
        if (work <= (vector ? SMALL_VECTOR : SMALL_SCALAR)) {
            return Kernel.DIRECT;
        }
        return vector ? Kernel.VECTOR : Kernel.BLOCKED;
    }

    /** Runs the given kernel, whatever the size (tests use this to reach every path on every shape). */
    static void gemm(Kernel kernel, DType dtype, boolean transA, boolean transB, int m, int n, int k,
                     double alpha, MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                     double beta, MemorySegment c, long cOffset, int ldc) {
        if (m <= 0 || n <= 0) {
            return;
        }
        boolean f32 = dtype == DType.FLOAT32;
        if (k <= 0 || alpha == 0) {
            if (f32) {
                scaleF(m, n, (float) beta, c, cOffset, ldc);
            } else {
                scaleD(m, n, beta, c, cOffset, ldc);
            }
            return;
        }
        switch (kernel) {
            case DIRECT -> {
                if (f32) {
                    directF(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
                } else {
                    directD(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
                }
            }
            case VECTOR -> VectorGemm.gemm(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
                    beta, c, cOffset, ldc);
            case BLOCKED -> {
                if (f32) {
                    blockedF(transA, transB, m, n, k, (float) alpha, a, aOffset, lda, b, bOffset, ldb, (float) beta,
                            c, cOffset, ldc);
                } else {
                    blockedD(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
                }
            }
        }
    }

    /**
     * {@code batch} independent GEMMs; matrix {@code i} of each operand starts {@code i * stride} elements after
     * its offset (a stride of 0 reuses one matrix); see {@link dev.nabla.backend.Backend#batchedGemm}. A plain
     * loop: each entry already picks its own best path, and packing buffers are sized per entry, so batching
     * them would save only allocations that are small beside the work.
     */
    static void batchedGemm(boolean useVector, DType dtype, boolean transA, boolean transB, int m, int n, int k,
                            double alpha, MemorySegment a, long aOffset, int lda, long strideA,
                            MemorySegment b, long bOffset, int ldb, long strideB,
                            double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch) {
        for (int i = 0; i < batch; i++) {
            gemm(useVector, dtype, transA, transB, m, n, k, alpha, a, aOffset + i * strideA, lda,
                    b, bOffset + i * strideB, ldb, beta, c, cOffset + i * strideC, ldc);
        }
    }

    // ---------------------------------------------------------------- float32

    /**
     * Direct triple loop for small products, accumulating in double and rounding once, like
     * {@link ReferenceKernels#gemm}; no packing, no allocation.
     */
    private static void directF(boolean transA, boolean transB, int m, int n, int k, double alpha,
                                MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                                double beta, MemorySegment c, long cOff, int ldc) {
        // Element strides of op(A) along its rows (i) and columns (p), and of op(B) along p and j.
        long ai = transA ? 1 : lda;
        long ap = transA ? lda : 1;
        long bp = transB ? 1 : ldb;
        long bj = transB ? ldb : 1;
        for (int i = 0; i < m; i++) {
            long cRow = cOff + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                long x = aOff + i * ai;
                long y = bOff + j * bj;
                double sum = 0;
                for (int p = 0; p < k; p++, x += ap, y += bp) {
                    sum += (double) a.getAtIndex(F32, x) * b.getAtIndex(F32, y);
                }
                double old = beta == 0 ? 0 : beta * c.getAtIndex(F32, cRow + j);
                c.setAtIndex(F32, cRow + j, (float) (alpha * sum + old));
            }
        }
    }

    /**
     * Blocked scalar GEMM; see the class comment for the layout. op(B)'s block is kept as one array per row and
     * C's rows accumulate in arrays of their own, so every inner loop indexes its arrays from 0: C2 then proves
     * the loads and stores independent and vectorises them (with offsets into one shared array it does not).
     */
    private static void blockedF(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                 MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                                 float beta, MemorySegment c, long cOff, int ldc) {
        int kcMax = Math.min(k, S_KC);
        int ncMax = Math.min(n, S_NC);
        float[][] bRows = new float[kcMax][ncMax];
        float[] ap = new float[2 * kcMax];
        float[] acc0 = new float[ncMax];
        float[] acc1 = new float[ncMax];
        float[] cRow = new float[ncMax];
        for (int jc = 0; jc < n; jc += S_NC) {
            int nc = Math.min(S_NC, n - jc);
            for (int pc = 0; pc < k; pc += S_KC) {
                int kc = Math.min(S_KC, k - pc);
                // Later depth blocks accumulate onto what the first one wrote.
                float betaEff = pc == 0 ? beta : 1;
                packBF(transB, b, bOff, ldb, pc, kc, jc, nc, bRows);
                for (int i0 = 0; i0 < m; i0 += 2) {
                    int mr = Math.min(2, m - i0);
                    packAF(transA, a, aOff, lda, i0, mr, pc, kc, ap);
                    Arrays.fill(acc0, 0, nc, 0);
                    Arrays.fill(acc1, 0, nc, 0);
                    // Two rows of C per sweep share every load of B; four depth steps per sweep quarter the
                    // loads and stores of the accumulators.
                    int p = 0;
                    for (; p + 3 < kc; p += 4) {
                        axpy4x2F(acc0, acc1, bRows[p], bRows[p + 1], bRows[p + 2], bRows[p + 3],
                                ap[p], ap[p + 1], ap[p + 2], ap[p + 3],
                                ap[kc + p], ap[kc + p + 1], ap[kc + p + 2], ap[kc + p + 3], nc);
                    }
                    for (; p < kc; p++) {
                        axpy1x2F(acc0, acc1, bRows[p], ap[p], ap[kc + p], nc);
                    }
                    writeRowF(acc0, nc, alpha, betaEff, c, cOff + (long) i0 * ldc + jc, cRow);
                    if (mr == 2) {
                        writeRowF(acc1, nc, alpha, betaEff, c, cOff + (long) (i0 + 1) * ldc + jc, cRow);
                    }
                }
            }
        }
    }

    /** {@code c0 += sum_q a_q b_q}, {@code c1 += sum_q e_q b_q} over four rows {@code b_q} of op(B). */
    private static void axpy4x2F(float[] c0, float[] c1, float[] b0, float[] b1, float[] b2, float[] b3,
                                 float a0, float a1, float a2, float a3,
                                 float e0, float e1, float e2, float e3, int n) {
        for (int j = 0; j < n; j++) {
            float x0 = b0[j];
            float x1 = b1[j];
            float x2 = b2[j];
            float x3 = b3[j];
            c0[j] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
            c1[j] += e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3;
        }
    }

    /** {@code c0 += a0 b0}, {@code c1 += e0 b0}: the depth steps left over after groups of four. */
    private static void axpy1x2F(float[] c0, float[] c1, float[] b0, float a0, float e0, int n) {
        for (int j = 0; j < n; j++) {
            float x0 = b0[j];
            c0[j] += a0 * x0;
            c1[j] += e0 * x0;
        }
    }

    /**
     * Copies rows {@code i0, i0 + 1} (only {@code mr} of them; a missing second row becomes zeros), columns
     * {@code pc..pc+kc-1} of op(A) into {@code ap}, row after row.
     */
    private static void packAF(boolean transA, MemorySegment a, long aOff, int lda, int i0, int mr, int pc, int kc,
                               float[] ap) {
        for (int r = 0; r < mr; r++) {
            if (transA) {
                long s = aOff + (long) pc * lda + i0 + r;
                for (int p = 0; p < kc; p++, s += lda) {
                    ap[r * kc + p] = a.getAtIndex(F32, s);
                }
            } else {
                MemorySegment.copy(a, F32, (aOff + (long) (i0 + r) * lda + pc) * 4, ap, r * kc, kc);
            }
        }
        if (mr < 2) {
            Arrays.fill(ap, kc, 2 * kc, 0);
        }
    }

    /** Copies rows {@code pc..pc+kc-1}, columns {@code jc..jc+nc-1} of op(B) into one array per row. */
    private static void packBF(boolean transB, MemorySegment b, long bOff, int ldb, int pc, int kc, int jc, int nc,
                               float[][] bRows) {
        if (!transB) {
            for (int p = 0; p < kc; p++) {
                MemorySegment.copy(b, F32, (bOff + (long) (pc + p) * ldb + jc) * 4, bRows[p], 0, nc);
            }
        } else {
            // B is stored n x k: a stored row is a column of op(B).
            for (int j = 0; j < nc; j++) {
                long s = bOff + (long) (jc + j) * ldb + pc;
                for (int p = 0; p < kc; p++) {
                    bRows[p][j] = b.getAtIndex(F32, s + p);
                }
            }
        }
    }

    /** {@code C row = alpha * acc + beta * C row} through a heap copy of the row, so the loop vectorises. */
    private static void writeRowF(float[] acc, int nc, float alpha, float beta, MemorySegment c, long cIdx,
                                  float[] cRow) {
        if (beta == 0) {
            for (int j = 0; j < nc; j++) {
                cRow[j] = alpha * acc[j];
            }
        } else {
            MemorySegment.copy(c, F32, cIdx * 4, cRow, 0, nc);
            for (int j = 0; j < nc; j++) {
                cRow[j] = alpha * acc[j] + beta * cRow[j];
            }
        }
        MemorySegment.copy(cRow, 0, c, F32, cIdx * 4, nc);
    }

    /** {@code C = beta C} (zero-filled, not read, when beta is 0), for {@code k == 0} or {@code alpha == 0}. */
    private static void scaleF(int m, int n, float beta, MemorySegment c, long cOff, int ldc) {
        if (beta == 1) {
            return;
        }
        for (int i = 0; i < m; i++) {
            long row = cOff + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                c.setAtIndex(F32, row + j, beta == 0 ? 0 : beta * c.getAtIndex(F32, row + j));
            }
        }
    }

    // ---------------------------------------------------------------- float64

    /**
     * Direct triple loop for small products, accumulating in double and rounding once, like
     * {@link ReferenceKernels#gemm}; no packing, no allocation.
     */
    private static void directD(boolean transA, boolean transB, int m, int n, int k, double alpha,
                                MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                                double beta, MemorySegment c, long cOff, int ldc) {
        // Element strides of op(A) along its rows (i) and columns (p), and of op(B) along p and j.
        long ai = transA ? 1 : lda;
        long ap = transA ? lda : 1;
        long bp = transB ? 1 : ldb;
        long bj = transB ? ldb : 1;
        for (int i = 0; i < m; i++) {
            long cRow = cOff + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                long x = aOff + i * ai;
                long y = bOff + j * bj;
                double sum = 0;
                for (int p = 0; p < k; p++, x += ap, y += bp) {
                    sum += a.getAtIndex(F64, x) * b.getAtIndex(F64, y);
                }
                double old = beta == 0 ? 0 : beta * c.getAtIndex(F64, cRow + j);
                c.setAtIndex(F64, cRow + j, alpha * sum + old);
            }
        }
    }

    /**
     * Blocked scalar GEMM; see the class comment for the layout. op(B)'s block is kept as one array per row and
     * C's rows accumulate in arrays of their own, so every inner loop indexes its arrays from 0: C2 then proves
     * the loads and stores independent and vectorises them (with offsets into one shared array it does not).
     */
    private static void blockedD(boolean transA, boolean transB, int m, int n, int k, double alpha,
                                 MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                                 double beta, MemorySegment c, long cOff, int ldc) {
        int kcMax = Math.min(k, S_KC);
        int ncMax = Math.min(n, S_NC);
        double[][] bRows = new double[kcMax][ncMax];
        double[] ap = new double[2 * kcMax];
        double[] acc0 = new double[ncMax];
        double[] acc1 = new double[ncMax];
        double[] cRow = new double[ncMax];
        for (int jc = 0; jc < n; jc += S_NC) {
            int nc = Math.min(S_NC, n - jc);
            for (int pc = 0; pc < k; pc += S_KC) {
                int kc = Math.min(S_KC, k - pc);
                // Later depth blocks accumulate onto what the first one wrote.
                double betaEff = pc == 0 ? beta : 1;
                packBD(transB, b, bOff, ldb, pc, kc, jc, nc, bRows);
                for (int i0 = 0; i0 < m; i0 += 2) {
                    int mr = Math.min(2, m - i0);
                    packAD(transA, a, aOff, lda, i0, mr, pc, kc, ap);
                    Arrays.fill(acc0, 0, nc, 0);
                    Arrays.fill(acc1, 0, nc, 0);
                    // Two rows of C per sweep share every load of B; four depth steps per sweep quarter the
                    // loads and stores of the accumulators.
                    int p = 0;
                    for (; p + 3 < kc; p += 4) {
                        axpy4x2D(acc0, acc1, bRows[p], bRows[p + 1], bRows[p + 2], bRows[p + 3],
                                ap[p], ap[p + 1], ap[p + 2], ap[p + 3],
                                ap[kc + p], ap[kc + p + 1], ap[kc + p + 2], ap[kc + p + 3], nc);
                    }
                    for (; p < kc; p++) {
                        axpy1x2D(acc0, acc1, bRows[p], ap[p], ap[kc + p], nc);
                    }
                    writeRowD(acc0, nc, alpha, betaEff, c, cOff + (long) i0 * ldc + jc, cRow);
                    if (mr == 2) {
                        writeRowD(acc1, nc, alpha, betaEff, c, cOff + (long) (i0 + 1) * ldc + jc, cRow);
                    }
                }
            }
        }
    }

    /** {@code c0 += sum_q a_q b_q}, {@code c1 += sum_q e_q b_q} over four rows {@code b_q} of op(B). */
    private static void axpy4x2D(double[] c0, double[] c1, double[] b0, double[] b1, double[] b2, double[] b3,
                                 double a0, double a1, double a2, double a3,
                                 double e0, double e1, double e2, double e3, int n) {
        for (int j = 0; j < n; j++) {
            double x0 = b0[j];
            double x1 = b1[j];
            double x2 = b2[j];
            double x3 = b3[j];
            c0[j] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
            c1[j] += e0 * x0 + e1 * x1 + e2 * x2 + e3 * x3;
        }
    }

    /** {@code c0 += a0 b0}, {@code c1 += e0 b0}: the depth steps left over after groups of four. */
    private static void axpy1x2D(double[] c0, double[] c1, double[] b0, double a0, double e0, int n) {
        for (int j = 0; j < n; j++) {
            double x0 = b0[j];
            c0[j] += a0 * x0;
            c1[j] += e0 * x0;
        }
    }

    /**
     * Copies rows {@code i0, i0 + 1} (only {@code mr} of them; a missing second row becomes zeros), columns
     * {@code pc..pc+kc-1} of op(A) into {@code ap}, row after row.
     */
    private static void packAD(boolean transA, MemorySegment a, long aOff, int lda, int i0, int mr, int pc, int kc,
                               double[] ap) {
        for (int r = 0; r < mr; r++) {
            if (transA) {
                long s = aOff + (long) pc * lda + i0 + r;
                for (int p = 0; p < kc; p++, s += lda) {
                    ap[r * kc + p] = a.getAtIndex(F64, s);
                }
            } else {
                MemorySegment.copy(a, F64, (aOff + (long) (i0 + r) * lda + pc) * 8, ap, r * kc, kc);
            }
        }
        if (mr < 2) {
            Arrays.fill(ap, kc, 2 * kc, 0);
        }
    }

    /** Copies rows {@code pc..pc+kc-1}, columns {@code jc..jc+nc-1} of op(B) into one array per row. */
    private static void packBD(boolean transB, MemorySegment b, long bOff, int ldb, int pc, int kc, int jc, int nc,
                               double[][] bRows) {
        if (!transB) {
            for (int p = 0; p < kc; p++) {
                MemorySegment.copy(b, F64, (bOff + (long) (pc + p) * ldb + jc) * 8, bRows[p], 0, nc);
            }
        } else {
            // B is stored n x k: a stored row is a column of op(B).
            for (int j = 0; j < nc; j++) {
                long s = bOff + (long) (jc + j) * ldb + pc;
                for (int p = 0; p < kc; p++) {
                    bRows[p][j] = b.getAtIndex(F64, s + p);
                }
            }
        }
    }

    /** {@code C row = alpha * acc + beta * C row} through a heap copy of the row, so the loop vectorises. */
    private static void writeRowD(double[] acc, int nc, double alpha, double beta, MemorySegment c, long cIdx,
                                  double[] cRow) {
        if (beta == 0) {
            for (int j = 0; j < nc; j++) {
                cRow[j] = alpha * acc[j];
            }
        } else {
            MemorySegment.copy(c, F64, cIdx * 8, cRow, 0, nc);
            for (int j = 0; j < nc; j++) {
                cRow[j] = alpha * acc[j] + beta * cRow[j];
            }
        }
        MemorySegment.copy(cRow, 0, c, F64, cIdx * 8, nc);
    }

    /** {@code C = beta C} (zero-filled, not read, when beta is 0), for {@code k == 0} or {@code alpha == 0}. */
    private static void scaleD(int m, int n, double beta, MemorySegment c, long cOff, int ldc) {
        if (beta == 1) {
            return;
        }
        for (int i = 0; i < m; i++) {
            long row = cOff + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                c.setAtIndex(F64, row + j, beta == 0 ? 0 : beta * c.getAtIndex(F64, row + j));
            }
        }
    }
}
