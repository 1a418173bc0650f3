package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Reduction;
import dev.nabla.Tensor;

/**
 * Smooth L1: {@code 0.5 d^2 / beta} where {@code |d| < beta}, else {@code |d| - beta/2}, like
 * {@code torch.nn.SmoothL1Loss}; see {@link F#smoothL1Loss}.
 */
public final class SmoothL1Loss extends Loss {
    private final double beta;

    /** Averaged, {@code beta = 1}. */
    public SmoothL1Loss() {
        this(Reduction.MEAN, 1.0);
    }

    /** Combined with {@code reduction}, switching from quadratic to linear at {@code beta >= 0}. */
    public SmoothL1Loss(Reduction reduction, double beta) {
        super(reduction);
        if (!(beta >= 0)) {
            throw new IllegalArgumentException("SmoothL1Loss: beta must be >= 0, got " + beta);
        }
        this.beta = beta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.smoothL1Loss(input, target, reduction(), beta);
    }

    @Override
    protected String extraRepr() {
        return "beta=" + Repr.num(beta);
    }
}
