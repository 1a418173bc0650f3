package dev.nabla.base;

import java.lang.foreign.ValueLayout;

/**
 * The element type of a kernel buffer, as the layers below the tensor API see it (PyTorch's {@code c10::ScalarType}
 * under its Python {@code torch.dtype}). The API's {@code dev.nabla.base.ScalarType} maps onto it constant for constant; the
 * backends, memory and kernel templates use only this type, so they never depend on the tensor layer.
 */
public enum ScalarType {
    /** 32-bit IEEE float. */
    FLOAT32(4, ValueLayout.JAVA_FLOAT_UNALIGNED),
    /** 64-bit IEEE float. */
    FLOAT64(8, ValueLayout.JAVA_DOUBLE_UNALIGNED);

    private final int byteSize;
    private final ValueLayout layout;

    ScalarType(int byteSize, ValueLayout layout) {
        this.byteSize = byteSize;
        this.layout = layout;
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
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
