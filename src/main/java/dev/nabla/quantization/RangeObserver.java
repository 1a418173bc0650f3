package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;

/** The common part of the observers that track a running {@code [min, max]}: per-batch extremes and the qparams. */
abstract sealed class RangeObserver implements Observer permits MinMaxObserver, MovingAverageMinMaxObserver {
    private final DType dtype;
    private final boolean symmetric;
    private final boolean reduceRange;
    /** float32, as PyTorch's min_val/max_val buffers; NaN until the first batch. */
    float min = Float.NaN;
    float max = Float.NaN;

    RangeObserver(DType dtype, boolean symmetric, boolean reduceRange) {
        QuantRange.of(dtype, reduceRange);
        if (symmetric && reduceRange && dtype == DType.UINT8) {
            throw new IllegalArgumentException("symmetric uint8 with reduceRange is not supported (PyTorch refuses it)");
        }
        this.dtype = dtype;
        this.symmetric = symmetric;
        this.reduceRange = reduceRange;
    }

    /** Folds one batch's extremes into the running range. */
    abstract void update(float batchMin, float batchMax);

    @Override
    public final void observe(Tensor x) {
        if (x.numel() == 0) {
            return; // PyTorch's observers skip empty tensors
        }
        try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
            Tensor d = x.detach();
            update((float) d.min().item(), (float) d.max().item());
        }
    }

    @Override
    public final QParams qparams() {
        if (Float.isNaN(min)) {
            throw new IllegalStateException(getClass().getSimpleName() + ": the observer saw no data; run the "
                    + "prepared model on calibration batches before convert");
        }
        return QParams.fromMinMax(min, max, dtype, symmetric, reduceRange);
    }

    @Override
    public final DType dtype() {
        return dtype;
    }

    /** The running minimum (NaN before any data). */
    public final float min() {
        return min;
    }

    /** The running maximum (NaN before any data). */
    public final float max() {
        return max;
    }
}
