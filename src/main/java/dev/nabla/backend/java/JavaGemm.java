package dev.nabla.backend.java;

import dev.nabla.backend.java.vector.VectorGemm;
import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;

/**
 * GEMM in pure Java, three ways chosen per call:
 * <ul>
 *   <li>a direct loop for small products (below {@link #SMALL_SCALAR} / {@link #SMALL_VECTOR} multiply-adds),
 *       where packing would cost more than it saves (the 2-4-4-1 tutorial network's GEMMs are 5x2 by 2x4);</li>
 *   <li>{@link VectorGemm} (Vector API, packed panels, FMA micro-kernel) when the vector path is asked for and
 *       {@code jdk.incubator.vector} is present;</li>
 *   <li>otherwise a blocked scalar GEMM: op(B) is packed in {@code KC x NC} blocks that stay in L2, op(A) two
 *       rows at a time, and the inner loop runs along two rows of C over plain arrays, four depth steps per
 *       pass, so that C2 auto-vectorises it.</li>
 * </ul>
 * All paths have BLAS semantics: {@code C} is not read when {@code beta == 0}; {@code A} and {@code B} are not
 * read when {@code k == 0} or {@code alpha == 0}. Offsets and leading dimensions count elements.
 *
 * <p>This class picks the path and the type; the scalar paths per type ({@code JavaGemmFloat},
 * {@code JavaGemmDouble}) are generated from the template {@code JavaGemm$Type$.java.template}.
 */
final class JavaGemm {
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
    static void gemm(boolean useVector, ScalarType dtype, boolean transA, boolean transB, int m, int n, int k,
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
    static void gemm(Kernel kernel, ScalarType dtype, boolean transA, boolean transB, int m, int n, int k,
                     double alpha, MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                     double beta, MemorySegment c, long cOffset, int ldc) {
        if (m <= 0 || n <= 0) {
            return;
        }
        boolean f32 = dtype == ScalarType.FLOAT32;
        if (k <= 0 || alpha == 0) {
            if (f32) {
                JavaGemmFloat.scale(m, n, (float) beta, c, cOffset, ldc);
            } else {
                JavaGemmDouble.scale(m, n, beta, c, cOffset, ldc);
            }
            return;
        }
        switch (kernel) {
            case DIRECT -> {
                if (f32) {
                    JavaGemmFloat.direct(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta,
                            c, cOffset, ldc);
                } else {
                    JavaGemmDouble.direct(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta,
                            c, cOffset, ldc);
                }
            }
            case VECTOR -> VectorGemm.gemm(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
                    beta, c, cOffset, ldc);
            case BLOCKED -> {
                if (f32) {
                    JavaGemmFloat.blocked(transA, transB, m, n, k, (float) alpha, a, aOffset, lda, b, bOffset, ldb,
                            (float) beta, c, cOffset, ldc);
                } else {
                    JavaGemmDouble.blocked(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta,
                            c, cOffset, ldc);
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
    static void batchedGemm(boolean useVector, ScalarType dtype, boolean transA, boolean transB, int m, int n, int k,
                            double alpha, MemorySegment a, long aOffset, int lda, long strideA,
                            MemorySegment b, long bOffset, int ldb, long strideB,
                            double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch) {
        for (int i = 0; i < batch; i++) {
            gemm(useVector, dtype, transA, transB, m, n, k, alpha, a, aOffset + i * strideA, lda,
                    b, bOffset + i * strideB, ldb, beta, c, cOffset + i * strideC, ldc);
        }
    }
}
