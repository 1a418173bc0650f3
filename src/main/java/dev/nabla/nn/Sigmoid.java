package dev.nabla.nn;

import dev.nabla.Tensor;

/** The logistic function {@code 1 / (1 + e^-x)}, like {@code torch.nn.Sigmoid}. */
public final class Sigmoid extends Module {
    /** The logistic function. */
    public Sigmoid() {
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.sigmoid();
    }
}
