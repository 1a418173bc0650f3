package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Reduction;
import dev.nabla.Tensor;

/**
 * Negative log-likelihood of log-probabilities {@code [N, C, ...]} (e.g. from {@link LogSoftmax}) against class
 * indices {@code [N, ...]} (int64), like {@code torch.nn.NLLLoss}, with optional per-class {@code weight} {@code [C]}
 * and {@code ignore_index}; see {@link F#nllLoss(Tensor, Tensor, Tensor, long, Reduction)}.
 */
public final class NLLLoss extends Loss {
    private final Tensor weight;
    private final long ignoreIndex;

    /** Averaged, no class weights. */
    public NLLLoss() {
        this(null, Reduction.MEAN);
    }

    /** With class {@code weight} (copied; null for none) and {@code reduction}. */
    public NLLLoss(Tensor weight, Reduction reduction) {
        this(weight, F.DEFAULT_IGNORE_INDEX, reduction);
    }

    /** With class {@code weight} (copied; null for none), targets equal to {@code ignoreIndex} ignored. */
    public NLLLoss(Tensor weight, long ignoreIndex, Reduction reduction) {
        super(reduction);
        this.weight = own(weight);
        this.ignoreIndex = ignoreIndex;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.nllLoss(input, target, like(weight, input), ignoreIndex, reduction());
    }

    @Override
    protected String extraRepr() {
        String w = weight == null ? "" : "weight=" + weight.describe();
        if (ignoreIndex == F.DEFAULT_IGNORE_INDEX) {
            return w;
        }
        return (w.isEmpty() ? "" : w + ", ") + "ignore_index=" + ignoreIndex;
    }
}
