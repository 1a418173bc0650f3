package dev.nabla.base;

import java.lang.foreign.ValueLayout;

/**
 * The element type of a kernel buffer, as the layers below the tensor API see it (PyTorch's {@code c10::ScalarType}
 * under its Python {@code torch.dtype}). The API's {@code dev.nabla.DType} maps onto it constant for constant; the
 * backends, memory and kernel templates use only this type, so they never depend on the tensor layer.
 *
 * <p>bfloat16 and float16 are storage types: kernels compute them in float32 registers and round each result back
 * (round to nearest even), as PyTorch does. Their elements are 16-bit patterns ({@code short}).
 */
public enum ScalarType {
    /** 32-bit IEEE float. */
    FLOAT32(4, ValueLayout.JAVA_FLOAT_UNALIGNED, Kind.FLOATING),
    /** 64-bit IEEE float. */
    FLOAT64(8, ValueLayout.JAVA_DOUBLE_UNALIGNED, Kind.FLOATING),
    /** bfloat16: float32's 8-bit exponent with a 7-bit mantissa (the upper half of a float32). */
    BFLOAT16(2, ValueLayout.JAVA_SHORT_UNALIGNED, Kind.FLOATING),
    /** IEEE 754 binary16: 5-bit exponent, 10-bit mantissa. */
    FLOAT16(2, ValueLayout.JAVA_SHORT_UNALIGNED, Kind.FLOATING),
    /** Signed 64-bit integer. */
    INT64(8, ValueLayout.JAVA_LONG_UNALIGNED, Kind.INTEGRAL),
    /** Signed 32-bit integer. */
    INT32(4, ValueLayout.JAVA_INT_UNALIGNED, Kind.INTEGRAL),
    /** Signed 16-bit integer. */
    INT16(2, ValueLayout.JAVA_SHORT_UNALIGNED, Kind.INTEGRAL),
    /** Signed 8-bit integer. */
    INT8(1, ValueLayout.JAVA_BYTE, Kind.INTEGRAL),
    /** Unsigned 8-bit integer (stored in a byte, read as 0..255). */
    UINT8(1, ValueLayout.JAVA_BYTE, Kind.INTEGRAL),
    /** Boolean, one byte holding 0 or 1. */
    BOOL(1, ValueLayout.JAVA_BYTE, Kind.BOOL);

    /** The three categories of PyTorch's type promotion, lowest first. */
    public enum Kind {
        /** bool */
        BOOL,
        /** signed and unsigned integers */
        INTEGRAL,
        /** float64, float32, bfloat16, float16 */
        FLOATING
    }

    private final int byteSize;
    private final ValueLayout layout;
    private final Kind kind;

    ScalarType(int byteSize, ValueLayout layout, Kind kind) {
        this.byteSize = byteSize;
        this.layout = layout;
        this.kind = kind;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The memory layout of one element (for bfloat16/float16, the 16-bit pattern). */
    public ValueLayout layout() {
        return layout;
    }

    /** Bool, integral or floating. */
    public Kind kind() {
        return kind;
    }

    /** True for float64, float32, bfloat16 and float16. */
    public boolean isFloatingPoint() {
        return kind == Kind.FLOATING;
    }

    /** True for bfloat16 and float16, the types computed in float32 registers. */
    public boolean isReducedFloat() {
        return this == BFLOAT16 || this == FLOAT16;
    }

    /** True for float32 and float64, the types every kernel computes natively. */
    public boolean isStandardFloat() {
        return this == FLOAT32 || this == FLOAT64;
    }

    /** True for the integer types (not bool). */
    public boolean isIntegral() {
        return kind == Kind.INTEGRAL;
    }

    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
