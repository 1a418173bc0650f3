package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Reduction;
import dev.nabla.Tensor;

/** Mean absolute error {@code |input - target|}, like {@code torch.nn.L1Loss}; see {@link dev.nabla.F#l1Loss}. */
public final class L1Loss extends Loss {
    /** Averaged over all elements. */
    public L1Loss() {
        this(Reduction.MEAN);
    }

    /** Combined with {@code reduction}. */
    public L1Loss(Reduction reduction) {
        super(reduction);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.l1Loss(input, target, reduction());
    }
}
