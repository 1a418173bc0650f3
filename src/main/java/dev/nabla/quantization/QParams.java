package dev.nabla.quantization;

import dev.nabla.DType;

/**
 * The parameters of affine quantization, {@code real = scale * (q - zeroPoint)}, and the two ways PyTorch chooses them
 * from an observed range: {@link #fromMinMax} (its observers, for weights and static quantization) and
 * {@link #forDynamicInput} (fbgemm's rule, for the activations of dynamically quantized layers). Both reproduce
 * PyTorch's arithmetic (float32 steps, ties to even), so the same range gives the same parameters.
 *
 * @param scale     the step between consecutive integers, positive
 * @param zeroPoint the integer that represents 0
 */
public record QParams(double scale, long zeroPoint) {
    /** {@code torch.finfo(torch.float32).eps}: the observers' smallest scale. */
    static final float EPS = Math.ulp(1f);
    /** fbgemm's smallest scale for dynamic activations. */
    private static final float SMALL_SCALE = 6.1e-5f;

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException when the scale is not positive and finite
     */
    public QParams {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("scale must be positive and finite, got " + scale);
        }
    }

    /**
     * Like PyTorch's observers ({@code MinMaxObserver._calculate_qparams}): the range is widened to include 0; affine
     * uses {@code scale = (max - min) / (qmax - qmin)} and {@code zeroPoint = qmin - round(min / scale)}; symmetric uses
     * {@code scale = max(|min|, max) / ((qmax - qmin) / 2)} and zero point 0 (128 for uint8). The scale is at least
     * float32's epsilon.
     *
     * @param dtype       {@link DType#UINT8} or {@link DType#INT8}
     * @param reduceRange use 7 of the 8 bits (PyTorch's {@code reduce_range}, for CPUs whose int8 dot product can
     *                    saturate)
     * @throws IllegalArgumentException for another dtype, NaN or {@code min > max}
     */
    public static QParams fromMinMax(double min, double max, DType dtype, boolean symmetric, boolean reduceRange) {
        checkRange(min, max);
        QuantRange range = QuantRange.of(dtype, reduceRange);
        float minNeg = Math.min((float) min, 0f);
        float maxPos = Math.max((float) max, 0f);
        if (symmetric) {
            float bound = Math.max(-minNeg, maxPos);
            float scale = Math.max(bound / (float) ((range.max() - range.min()) / 2.0), EPS);
            return new QParams(scale, dtype == DType.UINT8 ? 128 : 0);
        }
        float scale = Math.max((maxPos - minNeg) / (float) (range.max() - range.min()), EPS);
        long zeroPoint = range.min() - (long) Math.rint(minNeg / scale);
        return new QParams(scale, Math.clamp(zeroPoint, range.min(), range.max()));
    }

    /**
     * fbgemm's {@code ChooseQuantizationParams} for uint8 activations, which PyTorch's dynamically quantized layers use
     * on every batch: the range widened to include 0, {@code scale = (max - min) / 255} (127 with
     * {@code reduceRange}) but at least 6.1e-5, and the zero point whose rounding error is smaller, nudged into range.
     *
     * @throws IllegalArgumentException for NaN or {@code min > max}
     */
    public static QParams forDynamicInput(double min, double max, boolean reduceRange) {
        checkRange(min, max);
        int qmin = 0;
        int qmax = reduceRange ? 127 : 255;
        float lo = Math.min((float) min, 0f);
        float hi = Math.max((float) max, 0f);
        double scale = ((double) hi - lo) / (qmax - qmin);
        if ((float) scale == 0f || Float.isInfinite(1f / (float) scale)) {
            scale = 0.1;
        }
        if (scale < SMALL_SCALE) {
            float original = (float) scale;
            scale = SMALL_SCALE;
            if (lo == 0f) {
                hi = SMALL_SCALE * (qmax - qmin);
            } else if (hi == 0f) {
                lo = -SMALL_SCALE * (qmax - qmin);
            } else {
                float amplifier = SMALL_SCALE / original;
                lo *= amplifier;
                hi *= amplifier;
            }
        }
        double fromMin = qmin - lo / scale;
        double fromMax = qmax - hi / scale;
        double fromMinError = Math.abs(qmin) - Math.abs(lo / scale);
        double fromMaxError = Math.abs(qmax) - Math.abs(hi / scale);
        double initial = fromMinError < fromMaxError ? fromMin : fromMax;
        long zeroPoint = initial < qmin ? qmin : initial > qmax ? qmax : (long) Math.rint(initial);
        return new QParams(scale, zeroPoint);
    }

    private static void checkRange(double min, double max) {
        if (Double.isNaN(min) || Double.isNaN(max) || min > max) {
            throw new IllegalArgumentException("the observed range must be ordered numbers, got [" + min + ", " + max
                    + "] (NaN in the data, or nothing observed yet)");
        }
    }
}
