package dev.nabla.base;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reading and writing single elements of any {@link ScalarType}, with PyTorch's conversions: float to integer
 * truncates toward zero and wraps to the type's width; anything to bool is "not zero"; float to bfloat16/float16
 * rounds to nearest even through float32 (as {@code c10::BFloat16(float)} and {@code c10::Half(float)} do).
 * One element at a time with a switch per access: the generic path for conversions and reference kernels, not for
 * hot loops.
 */
public final class Elements {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    private Elements() {
    }

    /** Element {@code index} of {@code seg} as a double (exact except int64 beyond 2^53). */
    public static double getDouble(ScalarType t, MemorySegment seg, long index) {
        return switch (t) {
            case FLOAT32 -> seg.getAtIndex(F32, index);
            case FLOAT64 -> seg.getAtIndex(F64, index);
            case BFLOAT16 -> bfloat16ToFloat(seg.getAtIndex(I16, index));
            case FLOAT16 -> Float.float16ToFloat(seg.getAtIndex(I16, index));
            case INT64 -> seg.getAtIndex(I64, index);
            case INT32 -> seg.getAtIndex(I32, index);
            case INT16 -> seg.getAtIndex(I16, index);
            case INT8 -> seg.getAtIndex(I8, index);
            case UINT8 -> Byte.toUnsignedInt(seg.getAtIndex(I8, index));
            case BOOL -> seg.getAtIndex(I8, index) != 0 ? 1 : 0;
        };
    }

    /** Element {@code index} of {@code seg} as a long (floats truncated toward zero, like a C cast). */
    public static long getLong(ScalarType t, MemorySegment seg, long index) {
        return switch (t) {
            case INT64 -> seg.getAtIndex(I64, index);
            case INT32 -> seg.getAtIndex(I32, index);
            case INT16 -> seg.getAtIndex(I16, index);
            case INT8 -> seg.getAtIndex(I8, index);
            case UINT8 -> Byte.toUnsignedInt(seg.getAtIndex(I8, index));
            case BOOL -> seg.getAtIndex(I8, index) != 0 ? 1 : 0;
            default -> (long) getDouble(t, seg, index);
        };
    }

    /** Writes {@code v} converted to {@code t}. */
    public static void setDouble(ScalarType t, MemorySegment seg, long index, double v) {
        switch (t) {
            case FLOAT32 -> seg.setAtIndex(F32, index, (float) v);
            case FLOAT64 -> seg.setAtIndex(F64, index, v);
            case BFLOAT16 -> seg.setAtIndex(I16, index, floatToBfloat16((float) v));
            case FLOAT16 -> seg.setAtIndex(I16, index, Float.floatToFloat16((float) v));
            case BOOL -> seg.setAtIndex(I8, index, (byte) (v != 0 ? 1 : 0));
            default -> setLong(t, seg, index, (long) v);
        }
    }

    /** Writes {@code v} converted to {@code t} (integers wrap to the type's width, as in C). */
    public static void setLong(ScalarType t, MemorySegment seg, long index, long v) {
        switch (t) {
            case INT64 -> seg.setAtIndex(I64, index, v);
            case INT32 -> seg.setAtIndex(I32, index, (int) v);
            case INT16 -> seg.setAtIndex(I16, index, (short) v);
            case INT8, UINT8 -> seg.setAtIndex(I8, index, (byte) v);
            case BOOL -> seg.setAtIndex(I8, index, (byte) (v != 0 ? 1 : 0));
            case FLOAT32 -> seg.setAtIndex(F32, index, (float) v);
            case FLOAT64 -> seg.setAtIndex(F64, index, (double) v);
            case BFLOAT16 -> seg.setAtIndex(I16, index, floatToBfloat16((float) v));
            case FLOAT16 -> seg.setAtIndex(I16, index, Float.floatToFloat16((float) v));
        }
    }

    /** Copies one element from {@code s} to {@code d}, converting exactly where the target can hold the value. */
    public static void convert(ScalarType st, MemorySegment s, long si, ScalarType dt, MemorySegment d, long di) {
        if (st.isFloatingPoint()) {
            setDouble(dt, d, di, getDouble(st, s, si));
        } else {
            setLong(dt, d, di, getLong(st, s, si));
        }
    }

    /** The float a bfloat16 bit pattern stands for (exact). */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** {@code f} rounded to the nearest bfloat16, ties to even; every NaN becomes PyTorch's quiet NaN 0x7FC0. */
    public static short floatToBfloat16(float f) {
        if (Float.isNaN(f)) {
            return 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(f);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
