package dev.nabla.quantization;

import dev.nabla.DType;
import java.util.function.Supplier;

/**
 * How {@link StaticQuantization#prepare} observes a model, like PyTorch's {@code QConfig}: a fresh activation
 * observer for the input and for each quantized layer's output, and a fresh weight observer for each weight.
 *
 * @param activation makes the observers of activations (uint8)
 * @param weight     makes the observers of weights (per output channel, int8 symmetric)
 */
public record QConfig(Supplier<? extends Observer> activation, Supplier<PerChannelMinMaxObserver> weight) {
    /**
     * Checks the factories.
     *
     * @throws IllegalArgumentException when one is null
     */
    public QConfig {
        if (activation == null || weight == null) {
            throw new IllegalArgumentException("QConfig: the activation and weight observer factories must not be "
                    + "null");
        }
    }

    /**
     * PyTorch 1.13's {@code get_default_qconfig('onednn')}: {@link HistogramObserver} on uint8 without reduce_range
     * for activations, per-channel symmetric int8 weights. ({@code 'x86'} and {@code 'fbgemm'} differ only in
     * {@code reduce_range=True}, which CPUs without VNNI need against int16 saturation; the oneDNN GEMM Nabla uses does
     * not saturate.)
     */
    public static QConfig defaults() {
        return new QConfig(() -> new HistogramObserver(DType.UINT8, false), PerChannelMinMaxObserver::new);
    }

    /** {@link MinMaxObserver} (uint8, affine) for activations, per-channel symmetric int8 weights. */
    public static QConfig minMax() {
        return new QConfig(MinMaxObserver::new, PerChannelMinMaxObserver::new);
    }
}
