package dev.nabla.nn;

import dev.nabla.Tensor;

/** The hyperbolic tangent, like {@code torch.nn.Tanh}. */
public final class Tanh extends Module {
    /** The hyperbolic tangent. */
    public Tanh() {
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.tanh();
    }
}
