package dev.nabla.backend.java;

import dev.nabla.DType;
import java.lang.foreign.MemorySegment;

/** GEMM in pure Java. */
final class JavaGemm {
    private JavaGemm() {
    }

    /** Row-major {@code C = alpha op(A) op(B) + beta C}; see {@link dev.nabla.backend.Backend#gemm}. */
    static void gemm(boolean useVector, DType dtype, boolean transA, boolean transB, int m, int n, int k,
                     double alpha, MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                     double beta, MemorySegment c, long cOffset, int ldc) {
        ReferenceKernels.gemm(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c,
                cOffset, ldc);
    }
}
