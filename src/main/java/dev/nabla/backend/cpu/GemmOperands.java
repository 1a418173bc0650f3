package dev.nabla.backend.cpu;

import java.lang.foreign.MemorySegment;

/**
 * Checks the operands of a row-major GEMM {@code C[m x n] = op(A)[m x k] * op(B)[k x n]} before they reach native
 * code, and slices each at its offset: every problem is an {@link IllegalArgumentException} naming the argument.
 */
final class GemmOperands {
    private final boolean transA;
    private final boolean transB;
    private final int m;
    private final int n;
    private final int k;

    /** @throws IllegalArgumentException when a size is negative or {@code k} is 0 */
    GemmOperands(boolean transA, boolean transB, int m, int n, int k) {
        if (m < 0 || n < 0) {
            throw new IllegalArgumentException("m and n must be non-negative, got m=" + m + ", n=" + n);
        }
        if (k < 1) { // oneDNN has no empty reduction; C = beta * C is the caller's to do
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
    }

    /** A, stored {@code m x k} (or {@code k x m} when transposed), from {@code offset} with row stride {@code lda}. */
    MemorySegment a(MemorySegment a, long offset, int lda, DnnlDataType type) {
        return matrix("a", "lda", a, offset, lda, transA ? k : m, transA ? m : k, type);
    }

    /** B, stored {@code k x n} (or {@code n x k} when transposed). */
    MemorySegment b(MemorySegment b, long offset, int ldb, DnnlDataType type) {
        return matrix("b", "ldb", b, offset, ldb, transB ? n : k, transB ? k : n, type);
    }

    /** C, {@code m x n}. */
    MemorySegment c(MemorySegment c, long offset, int ldc, DnnlDataType type) {
        return matrix("c", "ldc", c, offset, ldc, m, n, type);
    }

    private static MemorySegment matrix(String name, String ldName, MemorySegment segment, long offset, int ld,
                                        int rows, int cols, DnnlDataType type) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(ldName + " must be at least max(1, " + cols + ") for " + name
                    + " stored " + rows + " x " + cols + ", got " + ld);
        }
        long elements = rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
        return slice(name, segment, offset, elements, type);
    }

    /**
     * Checks that {@code elements} of {@code type} from element {@code offset} lie in the native {@code segment}.
     *
     * @return the segment from that offset
     */
    static MemorySegment slice(String name, MemorySegment segment, long offset, long elements, DnnlDataType type) {
        if (segment == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (!segment.isNative()) {
            throw new IllegalArgumentException(name + " must be a native segment (oneDNN reads it from C)");
        }
        if (offset < 0) {
            throw new IllegalArgumentException(name + " offset must be non-negative, got " + offset);
        }
        long limit = segment.byteSize() / type.bytes();
        if (offset > limit || elements > limit - offset) {
            throw new IllegalArgumentException(name + " needs " + elements + " " + type + " elements from offset "
                    + offset + ", but its segment holds " + limit);
        }
        return segment.asSlice(offset * type.bytes(), elements * type.bytes());
    }
}
