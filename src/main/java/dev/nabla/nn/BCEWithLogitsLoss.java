package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Reduction;
import dev.nabla.Tensor;

/**
 * Binary cross entropy on logits, computed stably, like {@code torch.nn.BCEWithLogitsLoss}: optional element
 * {@code weight} and {@code posWeight} (the weight of positive examples, per class; both broadcastable).
 * See {@link F#binaryCrossEntropyWithLogits}.
 *
 * <pre>{@code
 * // 3 labels; positives of the rare third label count 5 times
 * var criterion = new BCEWithLogitsLoss(null, Tensor.of(new float[] {1, 1, 5}), Reduction.MEAN);
 * }</pre>
 */
public final class BCEWithLogitsLoss extends Loss {
    private final Tensor weight;
    private final Tensor posWeight;

    /** Averaged, unweighted. */
    public BCEWithLogitsLoss() {
        this(null, null, Reduction.MEAN);
    }

    /** With {@code weight} and {@code posWeight} (copied; null for none) and {@code reduction}. */
    public BCEWithLogitsLoss(Tensor weight, Tensor posWeight, Reduction reduction) {
        super(reduction);
        this.weight = own(weight);
        this.posWeight = own(posWeight);
    }

    @Override
    public Tensor forward(Tensor input, Tensor target) {
        return F.binaryCrossEntropyWithLogits(input, target, like(weight, input), like(posWeight, input),
                reduction());
    }

    @Override
    protected String extraRepr() {
        String w = weight == null ? "" : "weight=" + weight.describe();
        String p = posWeight == null ? "" : "pos_weight=" + posWeight.describe();
        return w.isEmpty() || p.isEmpty() ? w + p : w + ", " + p;
    }
}
