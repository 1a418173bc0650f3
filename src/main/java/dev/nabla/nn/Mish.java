package dev.nabla.nn;

import dev.nabla.Tensor;

/** {@code x * tanh(softplus(x))}, like {@code torch.nn.Mish}. */
public final class Mish extends Module {
    /** The self-regularised activation of Misra (2019). */
    public Mish() {
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.mish();
    }
}
