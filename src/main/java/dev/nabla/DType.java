package dev.nabla;

import dev.nabla.base.ScalarType;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/**
 * Element type of a {@link Tensor}: PyTorch's dtypes, with its names and its type promotion
 * ({@link #promoteTypes}, {@link Tensor#resultType}).
 *
 * <p>Floating types: float32 (the default), float64, and the 16-bit storage types bfloat16 and float16, which
 * compute in float32 and round each result back. Integer types: int64 (PyTorch's {@code long}: indices, labels),
 * int32, int16, int8, uint8; and bool. Only floating tensors can require gradients.
 */
public enum DType {
    /** 32-bit IEEE float, PyTorch's {@code torch.float32}. The default. */
    FLOAT32(ScalarType.FLOAT32, "float32"),
    /** 64-bit IEEE float, PyTorch's {@code torch.float64}; what {@code GradCheck} runs in. */
    FLOAT64(ScalarType.FLOAT64, "float64"),
    /** {@code torch.bfloat16}: float32's range with 8 bits of precision; stored in 16 bits. */
    BFLOAT16(ScalarType.BFLOAT16, "bfloat16"),
    /** {@code torch.float16} (half): IEEE binary16, 11 bits of precision, range up to 65504. */
    FLOAT16(ScalarType.FLOAT16, "float16"),
    /** {@code torch.int64} ({@code long}): the type of indices, class labels and counts. */
    INT64(ScalarType.INT64, "int64"),
    /** {@code torch.int32} ({@code int}). */
    INT32(ScalarType.INT32, "int32"),
    /** {@code torch.int16} ({@code short}). */
    INT16(ScalarType.INT16, "int16"),
    /** {@code torch.int8}. */
    INT8(ScalarType.INT8, "int8"),
    /** {@code torch.uint8}: 0 to 255. */
    UINT8(ScalarType.UINT8, "uint8"),
    /** {@code torch.bool}: the result of comparisons, the type of masks. */
    BOOL(ScalarType.BOOL, "bool");

    private final ScalarType scalar;
    private final String displayName;

    DType(ScalarType scalar, String displayName) {
        this.scalar = scalar;
        this.displayName = displayName;
    }

    /** Bytes per element (PyTorch's {@code itemsize}). */
    public int byteSize() {
        return scalar.byteSize();
    }

    /** The memory layout of one element (for bfloat16/float16, the 16-bit pattern as a short). */
    public ValueLayout layout() {
        return scalar.layout();
    }

    /** True for float64, float32, bfloat16 and float16 (PyTorch's {@code is_floating_point}). */
    public boolean isFloatingPoint() {
        return scalar.isFloatingPoint();
    }

    /** True for the integer types; with {@code includeBool}, for bool too (PyTorch's {@code is_integral}). */
    public boolean isIntegral(boolean includeBool) {
        return scalar.isIntegral() || (includeBool && this == BOOL);
    }

    /** True for the types that hold negative values: the floats and the signed integers. */
    public boolean isSigned() {
        return this != UINT8 && this != BOOL;
    }

    /**
     * The smallest type that holds values of both, PyTorch's {@code torch.promote_types}: bool is below every
     * integer, integers below every float; uint8 with int8 gives int16; bfloat16 with float16 gives float32.
     */
    public static DType promoteTypes(DType a, DType b) {
        if (a == null || b == null) {
            throw new IllegalArgumentException("promoteTypes: dtypes must not be null");
        }
        if (a == b) {
            return a;
        }
        if (a == BOOL || b == BOOL) {
            return a == BOOL ? b : a;
        }
        if (a.isFloatingPoint() != b.isFloatingPoint()) {
            return a.isFloatingPoint() ? a : b;
        }
        if (a.isFloatingPoint()) {
            if (a.byteSize() == 2 && b.byteSize() == 2) {
                return FLOAT32; // bfloat16 and float16: neither holds the other
            }
            return a.byteSize() >= b.byteSize() ? a : b;
        }
        if (a == UINT8 || b == UINT8) {
            DType signed = a == UINT8 ? b : a;
            return signed == INT8 ? INT16 : signed;
        }
        return a.byteSize() >= b.byteSize() ? a : b;
    }

    /** The dtype with PyTorch's name ({@code float32}, {@code bfloat16}, {@code int64}, ...) or alias
     * ({@code float}, {@code double}, {@code half}, {@code long}, {@code int}, {@code short}).
     *
     * @throws IllegalArgumentException naming the known names when there is none such
     */
    public static DType fromName(String name) {
        String n = name.strip().toLowerCase(Locale.ROOT);
        if (n.startsWith("torch.")) {
            n = n.substring(6);
        }
        switch (n) {
            case "float": return FLOAT32;
            case "double": return FLOAT64;
            case "half": return FLOAT16;
            case "long": return INT64;
            case "int": return INT32;
            case "short": return INT16;
            default:
                for (DType d : values()) {
                    if (d.displayName.equals(n)) {
                        return d;
                    }
                }
                throw new IllegalArgumentException("unknown dtype '" + name + "' (expected one of float32, float64,"
                        + " bfloat16, float16, int64, int32, int16, int8, uint8, bool)");
        }
    }

    /** The element type the backends compute in (not API: backends do not know the tensor layer's DType). */
    ScalarType scalar() {
        return scalar;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
