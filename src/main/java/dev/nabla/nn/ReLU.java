package dev.nabla.nn;

import dev.nabla.Tensor;

/** {@code max(x, 0)}, like {@code torch.nn.ReLU}. */
public final class ReLU extends Module {
    /** The rectifier. */
    public ReLU() {
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.relu();
    }
}
