package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Reduction;
import dev.nabla.Tensor;

/** Mean squared error {@code (input - target)^2}, like {@code torch.nn.MSELoss}; see {@link dev.nabla.F#mseLoss}. */
public final class MSELoss extends Loss {
    /** Averaged over all elements. */
    public MSELoss() {
        this(Reduction.MEAN);
    }

    /** Combined with {@code reduction}. */
    public MSELoss(Reduction reduction) {
        super(reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.mseLoss(input, target, reduction());
    }
}
