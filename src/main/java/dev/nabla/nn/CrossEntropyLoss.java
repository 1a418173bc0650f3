package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Reduction;
import dev.nabla.Tensor;

/**
 * Cross entropy of logits {@code [N, C, ...]} against class indices {@code [N, ...]}, like
 * {@code torch.nn.CrossEntropyLoss}: optional per-class {@code weight} {@code [C]} (the mean is then weighted) and
 * label smoothing; see {@link F#crossEntropy(Tensor, Tensor, Tensor, Reduction, double)}.
 */
public final class CrossEntropyLoss extends Loss {
    private final Tensor weight;
    private final double labelSmoothing;

    /** Averaged, no class weights, no label smoothing. */
    public CrossEntropyLoss() {
        this(null, Reduction.MEAN, 0.0);
    }

    /** With class {@code weight} (copied; null for none), {@code reduction} and {@code labelSmoothing} in [0, 1]. */
    public CrossEntropyLoss(Tensor weight, Reduction reduction, double labelSmoothing) {
        super(reduction);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("CrossEntropyLoss: label smoothing must be in [0, 1], got "
                    + labelSmoothing);
        }
        this.weight = own(weight);
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.crossEntropy(input, target, like(weight, input), reduction(), labelSmoothing);
    }

    @Override
    protected String extraRepr() {
        return (weight == null ? "" : "weight=" + weight.describe() + ", ") + "label_smoothing="
                + Repr.num(labelSmoothing);
    }
}
