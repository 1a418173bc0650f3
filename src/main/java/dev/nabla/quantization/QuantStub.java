package dev.nabla.quantization;

import dev.nabla.Tensor;
import dev.nabla.nn.Module;

/**
 * Marks where a model's float input becomes quantized, like PyTorch's {@code QuantStub}: the identity until
 * {@link StaticQuantization#convert} replaces it by a {@link Quantize} with the observed input parameters.
 */
public final class QuantStub extends Module {
    /** The identity placeholder. */
    public QuantStub() {
    }

    @Override
    public Tensor forward(Tensor x) {
        return x;
    }
}
