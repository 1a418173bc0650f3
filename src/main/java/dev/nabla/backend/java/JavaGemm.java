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
 *   <li>otherwise a blocked scalar GEMM: op(B) is packed in {@code KC x NC} blocks that stay in L2, op(A) a
 *       few rows at a time, and the inner loop runs along a row of C over plain arrays so that C2
 *       auto-vectorises it.</li>
 * </ul>
 * All paths have BLAS semantics: {@code C} is not read when {@code beta == 0}; {@code A} and {@code B} are not
 * read when {@code k == 0} or {@code alpha == 0}. Offsets and leading dimensions count elements.
 */
final class JavaGemm {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /** Multiply-adds ({@code m*n*k}) up to which the scalar path uses the direct loop instead of packing. */
    static final long SMALL_SCALAR = 4096;
    /** Multiply-adds up to which the vector path uses the direct loop instead of packing. */
    static final long SMALL_VECTOR = 4096;
    /** Depth of a packed block of op(B) in the scalar path. */
    static final int S_KC = 128;
    /** Columns of a packed block of op(B) in the scalar path: a KC x NC float block is 256 KB, in L2. */
    static final int S_NC = 512;
    /** Rows of C the scalar kernel updates together, so that each load of B feeds several rows. */
    static final int S_MR = 4;

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

    /** Blocked scalar GEMM; see the class comment for the layout. */
    private static void blockedF(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                 MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                                 float beta, MemorySegment c, long cOff, int ldc) {
        int kcMax = Math.min(k, S_KC);
        int ncMax = Math.min(n, S_NC);
        float[] bp = new float[kcMax * ncMax];
        float[] ap = new float[S_MR * kcMax];
        float[] acc = new float[S_MR * ncMax];
        float[] cRow = new float[ncMax];
        for (int jc = 0; jc < n; jc += S_NC) {
            int nc = Math.min(S_NC, n - jc);
            for (int pc = 0; pc < k; pc += S_KC) {
                int kc = Math.min(S_KC, k - pc);
                // Later depth blocks accumulate onto what the first one wrote.
                float betaEff = pc == 0 ? beta : 1;
                packRowsF(!transB, b, bOff, ldb, pc, kc, jc, nc, bp);
                for (int i0 = 0; i0 < m; i0 += S_MR) {
                    int mr = Math.min(S_MR, m - i0);
                    // op(A) rows i0.. as an mr x kc row-major block (op(A)^T's columns when transposed).
                    packRowsF(!transA, a, aOff, lda, i0, mr, pc, kc, ap);
                    Arrays.fill(acc, 0, S_MR * nc, 0);
                    rowsF(mr, kc, nc, ap, bp, acc);
                    for (int r = 0; r < mr; r++) {
                        writeRowF(acc, r * nc, nc, alpha, betaEff, c, cOff + (long) (i0 + r) * ldc + jc, cRow);
                    }
                }
            }
        }
    }

    /**
     * Copies the {@code rows x cols} block at ({@code r0}, {@code c0}) of a row-major matrix (or, when
     * {@code !rowMajor}, of the transpose of one stored with leading dimension {@code ld}) into {@code dst},
     * row-major with row length {@code cols}.
     */
    private static void packRowsF(boolean rowMajor, MemorySegment src, long off, int ld, int r0, int rows, int c0,
                                  int cols, float[] dst) {
        if (rowMajor) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(src, F32, (off + (long) (r0 + r) * ld + c0) * 4, dst, r * cols, cols);
            }
        } else {
            // Stored transposed: element (r, c) is at (c, r); each stored row fills one column of dst.
            for (int cc = 0; cc < cols; cc++) {
                long s = off + (long) (c0 + cc) * ld + r0;
                for (int r = 0; r < rows; r++) {
                    dst[r * cols + cc] = src.getAtIndex(F32, s + r);
                }
            }
        }
    }

    /**
     * {@code acc[r] += op(A)[r] * Bblock} for each of the {@code mr} packed rows; four depth steps per sweep so
     * each pass over a row of {@code acc} does four multiply-adds per element.
     */
    private static void rowsF(int mr, int kc, int nc, float[] ap, float[] bp, float[] acc) {
        for (int r = 0; r < mr; r++) {
            int ao = r * kc;
            int co = r * nc;
            int p = 0;
            for (; p + 3 < kc; p += 4) {
                float a0 = ap[ao + p];
                float a1 = ap[ao + p + 1];
                float a2 = ap[ao + p + 2];
                float a3 = ap[ao + p + 3];
                int o0 = p * nc;
                int o1 = o0 + nc;
                int o2 = o1 + nc;
                int o3 = o2 + nc;
                for (int j = 0; j < nc; j++) {
                    acc[co + j] += a0 * bp[o0 + j] + a1 * bp[o1 + j] + a2 * bp[o2 + j] + a3 * bp[o3 + j];
                }
            }
            for (; p < kc; p++) {
                float a0 = ap[ao + p];
                int o0 = p * nc;
                for (int j = 0; j < nc; j++) {
                    acc[co + j] += a0 * bp[o0 + j];
                }
            }
        }
    }

    /** {@code C row = alpha * acc + beta * C row} through a heap copy of the row, so the loop vectorises. */
    private static void writeRowF(float[] acc, int accOff, int nc, float alpha, float beta, MemorySegment c, long cIdx,
                                  float[] cRow) {
        if (beta == 0) {
            for (int j = 0; j < nc; j++) {
                cRow[j] = alpha * acc[accOff + j];
            }
        } else {
            MemorySegment.copy(c, F32, cIdx * 4, cRow, 0, nc);
            for (int j = 0; j < nc; j++) {
                cRow[j] = alpha * acc[accOff + j] + beta * cRow[j];
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
                    sum += (double) a.getAtIndex(F64, x) * b.getAtIndex(F64, y);
                }
                double old = beta == 0 ? 0 : beta * c.getAtIndex(F64, cRow + j);
                c.setAtIndex(F64, cRow + j, (double) (alpha * sum + old));
            }
        }
    }

    /** Blocked scalar GEMM; see the class comment for the layout. */
    private static void blockedD(boolean transA, boolean transB, int m, int n, int k, double alpha,
                                 MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                                 double beta, MemorySegment c, long cOff, int ldc) {
        int kcMax = Math.min(k, S_KC);
        int ncMax = Math.min(n, S_NC);
        double[] bp = new double[kcMax * ncMax];
        double[] ap = new double[S_MR * kcMax];
        double[] acc = new double[S_MR * ncMax];
        double[] cRow = new double[ncMax];
        for (int jc = 0; jc < n; jc += S_NC) {
            int nc = Math.min(S_NC, n - jc);
            for (int pc = 0; pc < k; pc += S_KC) {
                int kc = Math.min(S_KC, k - pc);
                // Later depth blocks accumulate onto what the first one wrote.
                double betaEff = pc == 0 ? beta : 1;
                packRowsD(!transB, b, bOff, ldb, pc, kc, jc, nc, bp);
                for (int i0 = 0; i0 < m; i0 += S_MR) {
                    int mr = Math.min(S_MR, m - i0);
                    // op(A) rows i0.. as an mr x kc row-major block (op(A)^T's columns when transposed).
                    packRowsD(!transA, a, aOff, lda, i0, mr, pc, kc, ap);
                    Arrays.fill(acc, 0, S_MR * nc, 0);
                    rowsD(mr, kc, nc, ap, bp, acc);
                    for (int r = 0; r < mr; r++) {
                        writeRowD(acc, r * nc, nc, alpha, betaEff, c, cOff + (long) (i0 + r) * ldc + jc, cRow);
                    }
                }
            }
        }
    }

    /**
     * Copies the {@code rows x cols} block at ({@code r0}, {@code c0}) of a row-major matrix (or, when
     * {@code !rowMajor}, of the transpose of one stored with leading dimension {@code ld}) into {@code dst},
     * row-major with row length {@code cols}.
     */
    private static void packRowsD(boolean rowMajor, MemorySegment src, long off, int ld, int r0, int rows, int c0,
                                  int cols, double[] dst) {
        if (rowMajor) {
            for (int r = 0; r < rows; r++) {
                MemorySegment.copy(src, F64, (off + (long) (r0 + r) * ld + c0) * 8, dst, r * cols, cols);
            }
        } else {
            // Stored transposed: element (r, c) is at (c, r); each stored row fills one column of dst.
            for (int cc = 0; cc < cols; cc++) {
                long s = off + (long) (c0 + cc) * ld + r0;
                for (int r = 0; r < rows; r++) {
                    dst[r * cols + cc] = src.getAtIndex(F64, s + r);
                }
            }
        }
    }

    /**
     * {@code acc[r] += op(A)[r] * Bblock} for each of the {@code mr} packed rows; four depth steps per sweep so
     * each pass over a row of {@code acc} does four multiply-adds per element.
     */
    private static void rowsD(int mr, int kc, int nc, double[] ap, double[] bp, double[] acc) {
        for (int r = 0; r < mr; r++) {
            int ao = r * kc;
            int co = r * nc;
            int p = 0;
            for (; p + 3 < kc; p += 4) {
                double a0 = ap[ao + p];
                double a1 = ap[ao + p + 1];
                double a2 = ap[ao + p + 2];
                double a3 = ap[ao + p + 3];
                int o0 = p * nc;
                int o1 = o0 + nc;
                int o2 = o1 + nc;
                int o3 = o2 + nc;
                for (int j = 0; j < nc; j++) {
                    acc[co + j] += a0 * bp[o0 + j] + a1 * bp[o1 + j] + a2 * bp[o2 + j] + a3 * bp[o3 + j];
                }
            }
            for (; p < kc; p++) {
                double a0 = ap[ao + p];
                int o0 = p * nc;
                for (int j = 0; j < nc; j++) {
                    acc[co + j] += a0 * bp[o0 + j];
                }
            }
        }
    }

    /** {@code C row = alpha * acc + beta * C row} through a heap copy of the row, so the loop vectorises. */
    private static void writeRowD(double[] acc, int accOff, int nc, double alpha, double beta, MemorySegment c, long cIdx,
                                  double[] cRow) {
        if (beta == 0) {
            for (int j = 0; j < nc; j++) {
                cRow[j] = alpha * acc[accOff + j];
            }
        } else {
            MemorySegment.copy(c, F64, cIdx * 8, cRow, 0, nc);
            for (int j = 0; j < nc; j++) {
                cRow[j] = alpha * acc[accOff + j] + beta * cRow[j];
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
