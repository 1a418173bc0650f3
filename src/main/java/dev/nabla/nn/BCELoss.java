package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Reduction;
import dev.nabla.Tensor;

/**
 * Binary cross entropy of probabilities in [0, 1] (e.g. from {@link Sigmoid}) against targets, like
 * {@code torch.nn.BCELoss}, with an optional element {@code weight} (broadcastable); logs are clamped at -100.
 * Prefer {@link BCEWithLogitsLoss} on logits, which is numerically stable. See {@link F#binaryCrossEntropy}.
 */
public final class BCELoss extends Loss {
    private final Tensor weight;

    /** Averaged, unweighted. */
    public BCELoss() {
        this(null, Reduction.MEAN);
    }

    /** With {@code weight} (copied; null for none) and {@code reduction}. */
    public BCELoss(Tensor weight, Reduction reduction) {
        super(reduction);
        this.weight = own(weight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.binaryCrossEntropy(input, target, like(weight, input), reduction());
    }

    @Override
    protected String extraRepr() {
        return weight == null ? "" : "weight=" + weight.describe();
    }
}
