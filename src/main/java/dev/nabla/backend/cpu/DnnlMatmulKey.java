package dev.nabla.backend.cpu;

/**
 * Everything a oneDNN matmul primitive is specialised for: one primitive per distinct key, cached by {@link DnnlGemm}.
 * Row-major {@code C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C}.
 *
 * @param a          element type of A
 * @param b          element type of B
 * @param c          element type of C
 * @param transA     A is stored {@code k x m}
 * @param transB     B is stored {@code n x k}
 * @param m          rows of C
 * @param n          columns of C
 * @param k          the reduced dimension
 * @param lda        row stride of A as stored, in elements
 * @param ldb        row stride of B as stored, in elements
 * @param ldc        row stride of C, in elements
 * @param alpha      static output scale (float paths; 1 for int8, whose scales come at run time)
 * @param beta       scale of the existing C added by a sum post-op (0: C is not read)
 * @param scaleCount 0 for the float paths; for int8 the number of run-time output scales: 1 or {@code n}
 * @param bias       float32 paths: a float32 vector of {@code n} is added to every row of C as the product is written
 *                   (Linear's bias), instead of being copied into C first and added by a sum post-op
 * @param packedB    int8 into s32 without attributes (so oneDNN can use its blocked-weight kernels, which take
 *                   no run-time scales): B comes in the layout the primitive prefers ({@link DnnlPackedWeights}), and
 *                   the caller applies zero point, scales and bias to the exact sums
 */
record DnnlMatmulKey(DnnlDataType a, DnnlDataType b, DnnlDataType c, boolean transA, boolean transB,
                     int m, int n, int k, int lda, int ldb, int ldc, float alpha, float beta, int scaleCount,
                     boolean bias, boolean packedB) {

    /** Whether this is the integer path (run-time output scales and source zero point). */
    boolean quantized() {
        return scaleCount > 0;
    }
}
