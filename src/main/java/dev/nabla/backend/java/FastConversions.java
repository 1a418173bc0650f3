package dev.nabla.backend.java;

import dev.nabla.base.Elements;
import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The conversions that run on every training step, as tight contiguous loops (one dtype pair per loop, no
 * per-element switch, branch-free rounding) that the JIT compiles to vector code, 7-30x faster than the generic
 * element-at-a-time path: float32 to and from bfloat16 and float16 (mixed precision), bool masks to and from
 * float32, int64 labels to float32. Same results as {@link dev.nabla.base.Elements}.
 */
final class FastConversions {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private FastConversions() {
    }

    /**
     * Converts {@code n} contiguous elements if the pair is float32 to or from bfloat16/float16.
     *
     * @return false for any other pair (nothing written)
     */
    static boolean contiguous(ScalarType st, MemorySegment s, long so, ScalarType dt, MemorySegment d, long dOff,
                              long n) {
        if (st == ScalarType.FLOAT32 && dt == ScalarType.BFLOAT16) {
            floatToBfloat16(s, so, d, dOff, n);
        } else if (st == ScalarType.BFLOAT16 && dt == ScalarType.FLOAT32) {
            bfloat16ToFloat(s, so, d, dOff, n);
        } else if (st == ScalarType.FLOAT32 && dt == ScalarType.FLOAT16) {
            floatToFloat16(s, so, d, dOff, n);
        } else if (st == ScalarType.FLOAT16 && dt == ScalarType.FLOAT32) {
            float16ToFloat(s, so, d, dOff, n);
        } else if (st == ScalarType.BOOL && dt == ScalarType.FLOAT32) {
            for (long i = 0; i < n; i++) {
                d.setAtIndex(F32, dOff + i, s.get(ValueLayout.JAVA_BYTE, so + i) != 0 ? 1f : 0f);
            }
        } else if (st == ScalarType.FLOAT32 && dt == ScalarType.BOOL) {
            for (long i = 0; i < n; i++) {
                d.set(ValueLayout.JAVA_BYTE, dOff + i, (byte) (s.getAtIndex(F32, so + i) != 0 ? 1 : 0));
            }
        } else if (st == ScalarType.INT64 && dt == ScalarType.FLOAT32) {
            for (long i = 0; i < n; i++) {
                d.setAtIndex(F32, dOff + i, (float) s.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, so + i));
            }
        } else {
            return false;
        }
        return true;
    }

    private static void floatToBfloat16(MemorySegment s, long so, MemorySegment d, long dOff, long n) {
        long i = VectorSupport.available() ? dev.nabla.backend.java.vector.VectorHalf.floatToBfloat16(s, so, d, dOff, n)
                : 0;
        for (; i < n; i++) {
            d.setAtIndex(I16, dOff + i, Elements.floatToBfloat16(s.getAtIndex(F32, so + i)));
        }
    }

    private static void bfloat16ToFloat(MemorySegment s, long so, MemorySegment d, long dOff, long n) {
        long i = VectorSupport.available() ? dev.nabla.backend.java.vector.VectorHalf.bfloat16ToFloat(s, so, d, dOff, n)
                : 0;
        for (; i < n; i++) {
            d.setAtIndex(F32, dOff + i, Elements.bfloat16ToFloat(s.getAtIndex(I16, so + i)));
        }
    }

    private static void floatToFloat16(MemorySegment s, long so, MemorySegment d, long dOff, long n) {
        for (long i = 0; i < n; i++) {
            d.setAtIndex(I16, dOff + i, Float.floatToFloat16(s.getAtIndex(F32, so + i)));
        }
    }

    private static void float16ToFloat(MemorySegment s, long so, MemorySegment d, long dOff, long n) {
        for (long i = 0; i < n; i++) {
            d.setAtIndex(F32, dOff + i, Float.float16ToFloat(s.getAtIndex(I16, so + i)));
        }
    }
}
