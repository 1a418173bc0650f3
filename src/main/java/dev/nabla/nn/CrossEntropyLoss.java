package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Reduction;
import dev.nabla.Tensor;

/**
 * Cross entropy of logits {@code [N, C, ...]} against class indices {@code [N, ...]} (int64) or class
 * probabilities, like {@code torch.nn.CrossEntropyLoss}: optional per-class {@code weight} {@code [C]} (the mean is
 * then weighted), {@code ignore_index} and label smoothing; see
 * {@link F#crossEntropy(Tensor, Tensor, Tensor, long, Reduction, double)}.
 */
public final class CrossEntropyLoss extends Loss {
    private final Tensor weight;
    private final double labelSmoothing;
    private final long ignoreIndex;

    /** Averaged, no class weights, no label smoothing. */
    public CrossEntropyLoss() {
        this(null, Reduction.MEAN, 0.0);
    }

    /** With class {@code weight} (copied; null for none), {@code reduction} and {@code labelSmoothing} in [0, 1]. */
    public CrossEntropyLoss(Tensor weight, Reduction reduction, double labelSmoothing) {
        this(weight, F.DEFAULT_IGNORE_INDEX, reduction, labelSmoothing);
    }

    /**
     * PyTorch's full argument list: class {@code weight} (copied; null for none), targets equal to
     * {@code ignoreIndex} ignored, {@code reduction} and {@code labelSmoothing} in [0, 1].
     */
    public CrossEntropyLoss(Tensor weight, long ignoreIndex, Reduction reduction, double labelSmoothing) {
        super(reduction);
        this.ignoreIndex = ignoreIndex;
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("CrossEntropyLoss: label smoothing must be in [0, 1], got "
                    + labelSmoothing);
        }
        this.weight = own(weight);
        this.labelSmoothing = labelSmoothing;
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.crossEntropy(input, target, like(weight, input), ignoreIndex, reduction(), labelSmoothing);
    }

    @Override
    protected String extraRepr() {
        return (weight == null ? "" : "weight=" + weight.describe() + ", ")
                + (ignoreIndex == F.DEFAULT_IGNORE_INDEX ? "" : "ignore_index=" + ignoreIndex + ", ")
                + "label_smoothing=" + Repr.num(labelSmoothing);
    }
}
