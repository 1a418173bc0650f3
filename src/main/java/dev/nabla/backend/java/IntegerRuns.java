package dev.nabla.backend.java;

import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Moves runs of integer or bool elements between memory and {@code long} blocks, the form the integer kernels
 * compute in: int64 as is, the narrower integers sign-extended, uint8 zero-extended, bool as 0 or 1. Storing narrows
 * by truncation (C's wrap-around) and turns bool results into 0 or 1. The dtype switch sits outside each loop.
 */
final class IntegerRuns {
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    private IntegerRuns() {
    }

    /** {@code dst[i] = s[off + i*stride]} for {@code i < n}. */
    static void load(ScalarType t, MemorySegment s, long off, long stride, long[] dst, int n) {
        switch (t) {
            case INT64 -> { for (int i = 0; i < n; i++) dst[i] = s.getAtIndex(I64, off + i * stride); }
            case INT32 -> { for (int i = 0; i < n; i++) dst[i] = s.getAtIndex(I32, off + i * stride); }
            case INT16 -> { for (int i = 0; i < n; i++) dst[i] = s.getAtIndex(I16, off + i * stride); }
            case INT8 -> { for (int i = 0; i < n; i++) dst[i] = s.get(I8, off + i * stride); }
            case UINT8 -> { for (int i = 0; i < n; i++) dst[i] = s.get(I8, off + i * stride) & 0xFF; }
            case BOOL -> { for (int i = 0; i < n; i++) dst[i] = s.get(I8, off + i * stride) != 0 ? 1 : 0; }
            default -> throw new IllegalArgumentException("integer kernels: dtype " + t + " is not an integer or bool");
        }
    }

    /** {@code d[off + i*stride] = src[i]} narrowed to the dtype, for {@code i < n}. */
    static void store(ScalarType t, long[] src, MemorySegment d, long off, long stride, int n) {
        switch (t) {
            case INT64 -> { for (int i = 0; i < n; i++) d.setAtIndex(I64, off + i * stride, src[i]); }
            case INT32 -> { for (int i = 0; i < n; i++) d.setAtIndex(I32, off + i * stride, (int) src[i]); }
            case INT16 -> { for (int i = 0; i < n; i++) d.setAtIndex(I16, off + i * stride, (short) src[i]); }
            case INT8, UINT8 -> { for (int i = 0; i < n; i++) d.set(I8, off + i * stride, (byte) src[i]); }
            case BOOL -> { for (int i = 0; i < n; i++) d.set(I8, off + i * stride, (byte) (src[i] != 0 ? 1 : 0)); }
            default -> throw new IllegalArgumentException("integer kernels: dtype " + t + " is not an integer or bool");
        }
    }

    /** The element's width in bits (8 for bool), the limit of a meaningful shift. */
    static int bits(ScalarType t) {
        return (int) t.byteSize() * 8;
    }
}
