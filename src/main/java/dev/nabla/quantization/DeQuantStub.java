package dev.nabla.quantization;

import dev.nabla.Tensor;
import dev.nabla.nn.Module;

/**
 * Marks where a quantized model's output becomes float again, like PyTorch's {@code DeQuantStub}: the identity until
 * {@link StaticQuantization#convert} replaces it by a {@link DeQuantize}.
 */
public final class DeQuantStub extends Module {
    /** The identity placeholder. */
    public DeQuantStub() {
    }

    @Override
    public Tensor forward(Tensor x) {
        return x;
    }
}
