package dev.nabla;

import dev.nabla.base.ScalarType;
import java.lang.foreign.ValueLayout;

/**
 * Element type of a {@link Tensor}. Nabla computes in IEEE floating point only; class indices and masks are
 * stored as exact integers in a floating-point tensor (exact up to 2^24 in float32, 2^53 in float64).
 */
public enum DType {
    /** 32-bit IEEE float, PyTorch's {@code torch.float32}. The default. */
    FLOAT32(ScalarType.FLOAT32, "float32"),
    /** 64-bit IEEE float, PyTorch's {@code torch.float64}; what {@code GradCheck} runs in. */
    FLOAT64(ScalarType.FLOAT64, "float64");

    private final ScalarType scalar;
    private final String displayName;

    DType(ScalarType scalar, String displayName) {
        this.scalar = scalar;
        this.displayName = displayName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return scalar.byteSize();
    }

    /** The memory layout of one element. */
    public ValueLayout layout() {
        return scalar.layout();
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
