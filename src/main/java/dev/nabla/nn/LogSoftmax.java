package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * Log-softmax along dimension {@code dim}, computed stably, like {@code torch.nn.LogSoftmax}; pairs with
 * {@link NLLLoss}.
 */
public final class LogSoftmax extends Module {
    private final int dim;

    /** Log-softmax along {@code dim}. */
    public LogSoftmax(int dim) {
        this.dim = dim;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.logSoftmax(dim);
    }

    @Override
    protected String extraRepr() {
        return "dim=" + dim;
    }
}
