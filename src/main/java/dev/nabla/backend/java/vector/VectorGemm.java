package dev.nabla.backend.java.vector;

import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;

/**
 * Single-threaded GEMM on the incubating Vector API, in the GotoBLAS/BLIS layout: op(B) is packed into
 * {@code KC x NR} column panels and op(A) into {@code MR x KC} row panels (zero-padded to whole panels,
 * which is how transposes and leading dimensions are absorbed), and an {@code MR x NR} register-blocked FMA
 * micro-kernel multiplies one A panel by one B panel.
 *
 * <p>Loop nest: {@code NC} columns of B at a time (the packed B block lives in L2/L3), {@code KC} of depth
 * (a {@code KC x NR} B micro-panel stays in L1 while all A panels of the block stream past it), {@code MC}
 * rows of A (the packed A block lives in L2).
 *
 * <p>The per-type halves, {@code VectorGemmFloat} and {@code VectorGemmDouble}, are generated from the template
 * {@code VectorGemm$Type$.java.template}; this class picks one.
 *
 * <p>Loading this class needs {@code --add-modules jdk.incubator.vector}: callers must check
 * {@link dev.nabla.backend.java.VectorSupport#available()} first.
 */
public final class VectorGemm {
    private VectorGemm() {
    }

    /**
     * Row-major {@code C = alpha op(A) op(B) + beta C} with BLAS semantics (see
     * {@link dev.nabla.backend.Backend#gemm}): offsets and leading dimensions are in elements, {@code C} is not
     * read when {@code beta == 0}, and {@code A}, {@code B} are not read when {@code k == 0} or
     * {@code alpha == 0}. Works for any size, but pays for packing: small products are faster with a direct loop.
     *
     * @param dtype  element type of all three matrices
     * @param transA whether {@code A} is stored as {@code k x m} (op(A) = A<sup>T</sup>)
     * @param transB whether {@code B} is stored as {@code n x k} (op(B) = B<sup>T</sup>)
     * @param m      rows of op(A) and C
     * @param n      columns of op(B) and C
     * @param k      columns of op(A), rows of op(B)
     * @param alpha  scale of the product
     * @param a      memory holding A
     * @param aOff   element index of A's first element
     * @param lda    elements between consecutive rows of the stored A
     * @param b      memory holding B
     * @param bOff   element index of B's first element
     * @param ldb    elements between consecutive rows of the stored B
     * @param beta   scale of the old C
     * @param c      memory holding C
     * @param cOff   element index of C's first element
     * @param ldc    elements between consecutive rows of C
     */
    public static void gemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                            double beta, MemorySegment c, long cOff, int ldc) {
        if (dtype == ScalarType.FLOAT32) {
            VectorGemmFloat.gemm(transA, transB, m, n, k, (float) alpha, a, aOff, lda, b, bOff, ldb, (float) beta,
                    c, cOff, ldc);
        } else {
            VectorGemmDouble.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** Lanes of the preferred float vector (16 with AVX-512), for tests and logs. */
    public static int floatLanes() {
        return VectorGemmFloat.L;
    }

    /** {@code x} rounded up to a multiple of {@code multiple}, for the block sizes. */
    static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }
}
