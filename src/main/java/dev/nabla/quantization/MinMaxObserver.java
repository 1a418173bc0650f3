package dev.nabla.quantization;

import dev.nabla.DType;

/**
 * PyTorch's {@code MinMaxObserver}: the smallest and largest value of every batch seen; qparams by
 * {@link QParams#fromMinMax}.
 */
public final class MinMaxObserver extends RangeObserver {
    /**
     * An observer for {@code dtype} (uint8 or int8), affine or symmetric, optionally on 7 bits.
     *
     * @throws IllegalArgumentException for another dtype, or symmetric uint8 with {@code reduceRange}
     */
    public MinMaxObserver(DType dtype, boolean symmetric, boolean reduceRange) {
        super(dtype, symmetric, reduceRange);
    }

    /** PyTorch's default: uint8, affine, full range. */
    public MinMaxObserver() {
        this(DType.UINT8, false, false);
    }

    @Override
    void update(float batchMin, float batchMax) {
        min = Float.isNaN(min) ? batchMin : Math.min(min, batchMin);
        max = Float.isNaN(max) ? batchMax : Math.max(max, batchMax);
    }
}
