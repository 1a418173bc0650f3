package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * Merges dimensions {@code startDim..endDim} (inclusive; negative counts from the end) into one, like
 * {@code torch.nn.Flatten}; the default keeps the batch dimension: {@code [N, C, H, W] -> [N, C*H*W]}.
 */
public final class Flatten extends Module {
    private final int startDim;
    private final int endDim;

    /** {@code Flatten(1, -1)}. */
    public Flatten() {
        this(1, -1);
    }

    /** Flattens dimensions {@code startDim..endDim}. */
    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.flatten(startDim, endDim);
    }

    @Override
    protected String extraRepr() {
        return "start_dim=" + startDim + ", end_dim=" + endDim;
    }
}
