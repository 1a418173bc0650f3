package dev.nabla.quantization;

import dev.nabla.Grad;
import dev.nabla.Tensor;

/**
 * ReLU on uint8 activations: {@code max(q, zero_point)} with the input's parameters (no requantization), as PyTorch's
 * {@code torch.relu} on a quantized tensor. Buffers {@code scale} and {@code zero_point} (the input's, unchanged).
 */
public final class QuantizedReLU extends QuantizedModule {
    /** ReLU for activations quantized with {@code params}. */
    public QuantizedReLU(QParams params) {
        registerQParams("", params);
    }

    @Override
    public Tensor forward(Tensor q) {
        requireUint8("QuantizedReLU", q);
        try (Grad off = Grad.disabled()) {
            return q.clamp(zeroPoint(""), 255L);
        }
    }
}
