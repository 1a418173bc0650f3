package dev.nabla.nn;

import dev.nabla.Tensor;

/** Softmax along dimension {@code dim} (negative counts from the end), like {@code torch.nn.Softmax}. */
public final class Softmax extends Module {
    private final int dim;

    /** Softmax along {@code dim}. */
    public Softmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.softmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
