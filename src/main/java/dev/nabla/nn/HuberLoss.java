package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Reduction;
import dev.nabla.Tensor;

/**
 * Huber: {@code 0.5 d^2} where {@code |d| <= delta}, else {@code delta (|d| - delta/2)}, like
 * {@code torch.nn.HuberLoss}; see {@link F#huberLoss}.
 */
public final class HuberLoss extends Loss {
    private final double delta;

    /** Averaged, {@code delta = 1}. */
    public HuberLoss() {
        this(Reduction.MEAN, 1.0);
    }

    /** Combined with {@code reduction}, switching from quadratic to linear at {@code delta > 0}. */
    public HuberLoss(Reduction reduction, double delta) {
        super(reduction);
        if (!(delta > 0)) {
            throw new IllegalArgumentException("HuberLoss: delta must be > 0, got " + delta);
        }
        this.delta = delta;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.huberLoss(input, target, reduction(), delta);
    }

    @Override
    protected String extraRepr() {
        return "delta=" + Repr.num(delta);
    }
}
