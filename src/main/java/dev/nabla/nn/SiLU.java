package dev.nabla.nn;

import dev.nabla.Tensor;

/** {@code x * sigmoid(x)} (swish), like {@code torch.nn.SiLU}. */
public final class SiLU extends Module {
    /** The sigmoid linear unit. */
    public SiLU() {
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.silu();
    }
}
