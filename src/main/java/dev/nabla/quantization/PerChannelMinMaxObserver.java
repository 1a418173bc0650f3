package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;

/**
 * PyTorch's {@code PerChannelMinMaxObserver} for weights: the range of each slice along axis 0 (the output channel),
 * int8 symmetric (zero point 0), each channel's scale by {@link QParams#fromMinMax}.
 */
public final class PerChannelMinMaxObserver {
    private float[] min;
    private float[] max;

    /** An observer with no data yet. */
    public PerChannelMinMaxObserver() {
    }

    /**
     * Records each output channel's extremes of {@code w} ({@code [out, ...]}, floating).
     *
     * @throws IllegalArgumentException when the number of channels changes between calls
     */
    public void observe(Tensor w) {
        float[] values;
        try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
            values = w.detach().to(DType.FLOAT32).contiguous().toFloatArray();
        }
        int channels = (int) w.size(0);
        if (min != null && min.length != channels) {
            throw new IllegalArgumentException("PerChannelMinMaxObserver: saw " + min.length + " channels, now "
                    + w.describe());
        }
        if (min == null) {
            min = new float[channels];
            max = new float[channels];
            java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
            java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        }
        int per = channels == 0 ? 0 : values.length / channels;
        for (int c = 0; c < channels; c++) {
            for (int i = c * per; i < (c + 1) * per; i++) {
                min[c] = Math.min(min[c], values[i]);
                max[c] = Math.max(max[c], values[i]);
            }
        }
    }

    /**
     * One {@link QParams} per output channel.
     *
     * @throws IllegalStateException when nothing was observed
     */
    public QParams[] qparams() {
        if (min == null) {
            throw new IllegalStateException("PerChannelMinMaxObserver: the observer saw no data");
        }
        QParams[] out = new QParams[min.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = QParams.fromMinMax(min[c], max[c], DType.INT8, true, false);
        }
        return out;
    }

    /** Quantizes {@code w} per output channel with the observed parameters (observing it first if nothing was). */
    QuantizedTensor quantize(Tensor w) {
        if (min == null) {
            observe(w);
        }
        QParams[] p = qparams();
        double[] scales = new double[p.length];
        long[] zeroPoints = new long[p.length];
        for (int c = 0; c < p.length; c++) {
            scales[c] = p[c].scale();
            zeroPoints[c] = p[c].zeroPoint();
        }
        return QuantizedTensor.quantizePerChannel(w, scales, zeroPoints, 0, DType.INT8);
    }
}
