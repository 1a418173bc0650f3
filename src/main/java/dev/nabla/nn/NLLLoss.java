package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Reduction;
import dev.nabla.Tensor;

/**
 * Negative log-likelihood of log-probabilities {@code [N, C, ...]} (e.g. from {@link LogSoftmax}) against class
 * indices {@code [N, ...]}, like {@code torch.nn.NLLLoss}, with optional per-class {@code weight} {@code [C]};
 * see {@link F#nllLoss(Tensor, Tensor, Tensor, Reduction)}.
 */
public final class NLLLoss extends Loss {
    private final Tensor weight;

    /** Averaged, no class weights. */
    public NLLLoss() {
        this(null, Reduction.MEAN);
    }

    /** With class {@code weight} (copied; null for none) and {@code reduction}. */
    public NLLLoss(Tensor weight, Reduction reduction) {
        super(reduction);
        this.weight = own(weight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.nllLoss(input, target, like(weight, input), reduction());
    }

    @Override
    protected String extraRepr() {
        return weight == null ? "" : "weight=" + weight.describe();
    }
}
