package dev.nabla;

import java.lang.foreign.ValueLayout;

/**
 * Element type of a {@link Tensor}. Nabla computes in IEEE floating point only; class indices and masks are
 * stored as exact integers in a floating-point tensor (exact up to 2^24 in float32, 2^53 in float64).
 */
public enum DType {
    /** 32-bit IEEE float, PyTorch's {@code torch.float32}. The default. */
    FLOAT32(4, ValueLayout.JAVA_FLOAT_UNALIGNED, "float32"),
    /** 64-bit IEEE float, PyTorch's {@code torch.float64}; what {@code GradCheck} runs in. */
    FLOAT64(8, ValueLayout.JAVA_DOUBLE_UNALIGNED, "float64");

    private final int byteSize;
    private final ValueLayout layout;
    private final String displayName;

    DType(int byteSize, ValueLayout layout, String displayName) {
        this.byteSize = byteSize;
        this.layout = layout;
        this.displayName = displayName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The memory layout of one element. */
    public ValueLayout layout() {
        return layout;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
