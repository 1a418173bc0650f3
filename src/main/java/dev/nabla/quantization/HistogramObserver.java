package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;

/**
 * PyTorch 1.13's {@code HistogramObserver}: a 2048-bin histogram of everything seen (re-binned by upsampling 128x
 * when the range grows), and qparams for the {@code [min, max]} that {@code _non_linear_param_search} picks by an
 * L2-error search that trims outliers. Reproduces PyTorch's arithmetic step by step (float32 where it uses float32
 * tensors, float64 where it uses Python floats), including its quirk of building each batch's histogram over the
 * range truncated to integers ({@code torch.histc(x, min=int(min), max=int(max))}), so the same data gives the same
 * parameters (checked on fixtures).
 */
public final class HistogramObserver implements Observer {
    private static final int BINS = 2048;
    private static final int UPSAMPLE = 128;
    private final DType dtype;
    private final boolean reduceRange;
    private final int dstBins;
    private float[] histogram = new float[BINS];
    private float min = Float.POSITIVE_INFINITY;
    private float max = Float.NEGATIVE_INFINITY;

    /**
     * An affine observer for {@code dtype} (uint8 or int8), optionally on 7 bits.
     *
     * @throws IllegalArgumentException for another dtype
     */
    public HistogramObserver(DType dtype, boolean reduceRange) {
        QuantRange.of(dtype, reduceRange);
        this.dtype = dtype;
        this.reduceRange = reduceRange;
        this.dstBins = 256; // 2 ** bits of the dtype, as PyTorch (reduce_range does not change it)
    }

    /** uint8 without reduce_range: PyTorch's default and its 'onednn' activation observer. */
    public HistogramObserver() {
        this(DType.UINT8, false);
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public void observe(Tensor x) {
        if (x.numel() == 0) {
            return;
        }
        float[] v;
        try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
            v = x.detach().to(DType.FLOAT32).contiguous().toFloatArray();
        }
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (float e : v) {
            lo = Math.min(lo, e);
            hi = Math.max(hi, e);
        }
        boolean uninitialized = min == Float.POSITIVE_INFINITY && max == Float.NEGATIVE_INFINITY;
        if (uninitialized || min == max) {
            min = lo;
            max = hi;
            histogram = histc(v, (long) min, (long) max);
            return;
        }
        float combinedMin = Math.min(lo, min);
        float combinedMax = Math.max(hi, max);
        // _adjust_min_max: widen the combined range to a whole number of old bins, upsampled
        float histBinWidth = (max - min) / (float) (BINS * UPSAMPLE);
        float oldRange = (float) BINS * histBinWidth;
        int downsample = (int) Math.ceil((combinedMax - combinedMin) / oldRange);
        float e = (float) downsample * oldRange - (combinedMax - combinedMin);
        combinedMax = combinedMax + e;
        int startIdx = (int) Math.rint((min - combinedMin) / histBinWidth);
        float[] combined = histc(v, (long) combinedMin, (long) combinedMax);
        if (combinedMin == min && combinedMax == max) {
            for (int i = 0; i < BINS; i++) {
                combined[i] += histogram[i];
            }
        } else {
            combine(combined, downsample, startIdx);
        }
        histogram = combined;
        min = combinedMin;
        max = combinedMax;
    }

    /** {@code _combine_histograms}: adds the old histogram, upsampled and re-binned into the new range. */
    private void combine(float[] into, int downsample, int startIdx) {
        // the upsampled old histogram sits at [startIdx, startIdx + BINS * UPSAMPLE) of BINS * downsample fine bins;
        // cumulative sums in float64 at every downsample-th fine bin give the new bins' integrals
        double running = 0;
        double previousEnd = 0;
        int fine = 0;
        for (int b = 0; b < BINS; b++) {
            int end = (b + 1) * downsample; // exclusive
            for (; fine < end; fine++) {
                int old = fine - startIdx;
                if (old >= 0 && old < BINS * UPSAMPLE) {
                    running += histogram[old / UPSAMPLE];
                }
            }
            double shifted = (float) previousEnd; // PyTorch stores the shifted integrals in a float32 tensor
            into[b] = into[b] + (float) ((running - shifted) / UPSAMPLE);
            previousEnd = running;
        }
    }

    /**
     * {@code torch.histc(x, BINS, min=lo, max=hi)} on float32 data: equal bounds mean the data's extremes; each value
     * in range goes to bin {@code (long) ((x - lo) * BINS / (hi - lo))} in float32 (the last bin keeps its right edge).
     */
    private static float[] histc(float[] x, double lo, double hi) {
        double left = lo;
        double right = hi;
        if (left == right && x.length > 0) {
            left = Float.POSITIVE_INFINITY;
            right = Float.NEGATIVE_INFINITY;
            for (float e : x) {
                left = Math.min(left, e);
                right = Math.max(right, e);
            }
        }
        if (left == right) {
            left -= 1;
            right += 1;
        }
        float l = (float) left;
        float r = (float) right;
        float[] h = new float[BINS];
        for (float e : x) {
            if (!(e >= l && e <= r)) {
                continue;
            }
            long pos = (long) ((e - l) * (float) BINS / (r - l));
            if (pos == BINS) {
                pos--;
            }
            h[(int) pos] += 1;
        }
        return h;
    }

    @Override
    public QParams qparams() {
        if (min == Float.POSITIVE_INFINITY && max == Float.NEGATIVE_INFINITY) {
            throw new IllegalStateException("HistogramObserver: the observer saw no data; run the prepared model on "
                    + "calibration batches before convert");
        }
        float[] range = nonLinearParamSearch();
        return QParams.fromMinMax(range[0], range[1], dtype, false, reduceRange);
    }

    /** {@code _non_linear_param_search}: trims the side holding less mass while the L2 error keeps falling. */
    private float[] nonLinearParamSearch() {
        float binWidth = (max - min) / (float) BINS;
        double total = 0;
        float[] cSum = new float[BINS];
        for (int i = 0; i < BINS; i++) {
            total += histogram[i]; // torch.cumsum accumulates float32 in float64 and stores float32
            cSum[i] = (float) total;
        }
        total = (float) total;
        double stepsize = 1e-5;
        double alpha = 0;
        double beta = 1;
        int startBin = 0;
        int endBin = BINS - 1;
        double normMin = Double.POSITIVE_INFINITY;
        while (alpha < beta) {
            double nextAlpha = alpha + stepsize;
            double nextBeta = beta - stepsize;
            int l = startBin;
            int r = endBin;
            while (l < endBin && cSum[l] < (float) (nextAlpha * total)) {
                l++;
            }
            while (r > startBin && cSum[r] > (float) (nextBeta * total)) {
                r--;
            }
            int nextStart = startBin;
            int nextEnd = endBin;
            if (l - startBin > endBin - r) {
                nextStart = l;
                alpha = nextAlpha;
            } else {
                nextEnd = r;
                beta = nextBeta;
            }
            if (nextStart == startBin && nextEnd == endBin) {
                continue;
            }
            double norm = quantizationError(nextStart, nextEnd);
            if (norm > normMin) {
                break;
            }
            normMin = norm;
            startBin = nextStart;
            endBin = nextEnd;
        }
        return new float[] {min + binWidth * (float) startBin, min + binWidth * (float) (endBin + 1)};
    }

    /** {@code _compute_quantization_error}: the L2 error of quantizing the histogram to bins [start, end]. */
    private double quantizationError(int start, int end) {
        double binWidth = ((double) max - (double) min) / BINS;
        double dstBinWidth = binWidth * (end - start + 1) / dstBins;
        if (dstBinWidth == 0.0) {
            return 0.0;
        }
        float bw = (float) binWidth;
        float dw = (float) dstBinWidth;
        float halfDw = (float) (dstBinWidth / 2);
        float negHalfDw = (float) (-dstBinWidth / 2);
        float inner = cube(halfDw) - cube(negHalfDw);
        inner = inner / 3f;
        double sum = 0;
        for (int i = 0; i < BINS; i++) {
            float srcBegin = (float) (i - start) * bw;
            float srcEnd = srcBegin + bw;
            float dstOfBegin = Math.clamp(floorDiv(srcBegin, dw), 0f, dstBins - 1);
            float dstOfBeginCenter = (dstOfBegin + 0.5f) * dw;
            float dstOfEnd = Math.clamp(floorDiv(srcEnd, dw), 0f, dstBins - 1);
            float density = histogram[i] / bw;
            float norm = density * ((cube(halfDw) - cube(srcBegin - dstOfBeginCenter)) / 3f);
            norm = norm + (dstOfEnd - dstOfBegin - 1f) * (density * inner);
            float dstOfEndCenter = dstOfEnd * dw + halfDw;
            norm = norm + density * ((cube(srcEnd - dstOfEndCenter) - cube(negHalfDw)) / 3f);
            sum += norm;
        }
        return (float) sum;
    }

    private static float cube(float v) {
        return v * v * v;
    }

    /** ATen's {@code div_floor_floating} in float32 (Python's floor division). */
    private static float floorDiv(float a, float b) {
        float mod = a % b;
        float div = (a - mod) / b;
        if (mod != 0 && (b < 0) != (mod < 0)) {
            div -= 1f;
        }
        if (div == 0) {
            return Math.copySign(0f, a / b);
        }
        float floor = (float) Math.floor(div);
        if (div - floor > 0.5f) {
            floor += 1f;
        }
        return floor;
    }
}
