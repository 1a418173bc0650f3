package dev.nabla.quantization;

import dev.nabla.DType;

/**
 * PyTorch's {@code MovingAverageMinMaxObserver}: the first batch sets the range, each later one moves it by
 * {@code averagingConstant * (batch - running)} (float32 arithmetic, as PyTorch's buffers).
 */
public final class MovingAverageMinMaxObserver extends RangeObserver {
    /** PyTorch's default averaging constant. */
    public static final double DEFAULT_AVERAGING_CONSTANT = 0.01;
    private final float averagingConstant;

    /**
     * An observer for {@code dtype} (uint8 or int8) with the given averaging constant in (0, 1].
     *
     * @throws IllegalArgumentException for another dtype or a constant outside (0, 1]
     */
    public MovingAverageMinMaxObserver(DType dtype, boolean symmetric, boolean reduceRange,
                                       double averagingConstant) {
        super(dtype, symmetric, reduceRange);
        if (!(averagingConstant > 0 && averagingConstant <= 1)) {
            throw new IllegalArgumentException("averagingConstant must be in (0, 1], got " + averagingConstant);
        }
        this.averagingConstant = (float) averagingConstant;
    }

    /** uint8, affine, full range, averaging constant 0.01 (PyTorch's defaults). */
    public MovingAverageMinMaxObserver() {
        this(DType.UINT8, false, false, DEFAULT_AVERAGING_CONSTANT);
    }

    @Override
    void update(float batchMin, float batchMax) {
        if (Float.isNaN(min)) {
            min = batchMin;
            max = batchMax;
        } else {
            min = min + averagingConstant * (batchMin - min);
            max = max + averagingConstant * (batchMax - max);
        }
    }
}
