package dev.nabla;

import java.util.Arrays;

/**
 * The class losses behind {@link F#nllLoss} and {@link F#crossEntropy}, with PyTorch's arguments: per-class
 * {@code weight}, {@code ignore_index}, {@code reduction}, {@code label_smoothing}, and (cross entropy only)
 * class-probability targets. Inputs are {@code [N, C]} or {@code [N, C, d1, ...]}; class-index targets are int64
 * or int32 of shape {@code [N, d1, ...]}.
 */
final class ClassLosses {
    private ClassLosses() {
    }

    /**
     * Class-index targets, read once on the host to check their range and find the ignored ones: {@code safe} has
     * the ignored entries replaced by class 0 (so gathers stay in range), {@code keep} is 1 where a target counts
     * and 0 where it is ignored (null when none is ignored), {@code kept} counts the ones that count.
     */
    private record Targets(Tensor safe, Tensor keep, long kept) {
    }

    private static Targets targets(String op, Tensor input, Tensor target, long ignoreIndex) {
        input.checkAlive(op);
        target.checkAlive(op);
        if (input.dim() < 2) {
            throw new IllegalArgumentException(op + ": input must be [N, C, ...], got " + input.describe());
        }
        long[] expected = new long[input.dim() - 1];
        expected[0] = input.size(0);
        for (int d = 2; d < input.dim(); d++) {
            expected[d - 1] = input.size(d);
        }
        if (!Arrays.equals(target.shape(), expected)) {
            throw new IllegalArgumentException(op + ": target " + target.describe() + " must hold class indices of "
                    + "shape " + Shapes.str(expected) + " for input " + input.describe());
        }
        Indexing.requireIndexType(op, "target", target);
        long classes = input.size(1);
        long[] values = target.toLongArray();
        long kept = 0;
        for (long v : values) {
            if (v == ignoreIndex) {
                continue;
            }
            if (v < 0 || v >= classes) {
                throw new IndexOutOfBoundsException(op + ": target " + v + " is out of range for " + classes
                        + " classes");
            }
            kept++;
        }
        if (kept == values.length) {
            return new Targets(target, null, kept);
        }
        double[] keep = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            boolean counts = values[i] != ignoreIndex;
            keep[i] = counts ? 1 : 0;
            values[i] = counts ? values[i] : 0;
        }
        return new Targets(Tensor.of(values, DType.INT64, input.device(), expected),
                Tensor.of(keep, input.dtype(), input.device(), expected), kept);
    }

    private static void checkWeight(String op, Tensor input, Tensor weight) {
        if (weight != null && (weight.dim() != 1 || weight.size(0) != input.size(1))) {
            throw new IllegalArgumentException(op + ": weight " + weight.describe() + " must have one entry per "
                    + "class (" + input.size(1) + ")");
        }
    }

    /** Each target's class weight, 0 where the target is ignored. */
    private static Tensor targetWeights(Tensor weight, Targets t) {
        Tensor w = weight.indexSelect(0, t.safe().reshape(-1)).reshape(t.safe().shape());
        return t.keep() == null ? w : w.mul(t.keep());
    }

    private static Tensor reduce(Tensor loss, Reduction reduction) {
        return switch (reduction) {
            case MEAN -> loss.mean();
            case SUM -> loss.sum();
            case NONE -> loss;
        };
    }

    /** See {@link F#nllLoss(Tensor, Tensor, Tensor, long, Reduction)}. */
    static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction) {
        Targets t = targets("nllLoss", input, target, ignoreIndex);
        checkWeight("nllLoss", input, weight);
        return nll(input, t, weight, reduction);
    }

    private static Tensor nll(Tensor input, Targets t, Tensor weight, Reduction reduction) {
        Tensor picked = input.gather(1, t.safe().unsqueeze(1)).squeeze(1).neg();
        if (weight == null) {
            if (t.keep() == null) {
                return reduce(picked, reduction);
            }
            Tensor loss = picked.mul(t.keep());
            return reduction == Reduction.MEAN ? mean(loss.sum(), null, t) : reduce(loss, reduction);
        }
        Tensor wy = targetWeights(weight, t);
        Tensor loss = picked.mul(wy);
        return reduction == Reduction.MEAN ? mean(loss.sum(), wy.sum(), t) : reduce(loss, reduction);
    }

    /**
     * {@code sum} divided by {@code total} (the counted targets' weight sum; null: their number). With every target
     * ignored the mean is NaN, as in PyTorch, and so is not differentiated through the 0/0: the gradient is 0.
     */
    private static Tensor mean(Tensor sum, Tensor total, Targets t) {
        if (t.kept() == 0) {
            return sum.mul(0.0).add(Double.NaN);
        }
        return total == null ? sum.div((double) t.kept()) : sum.div(total);
    }

    /** See {@link F#crossEntropy(Tensor, Tensor, Tensor, long, Reduction, double)}. */
    static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction,
                               double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("crossEntropy: label smoothing must be in [0, 1], got "
                    + labelSmoothing);
        }
        input.checkAlive("crossEntropy");
        target.checkAlive("crossEntropy");
        if (target.dtype().isFloatingPoint() && Arrays.equals(target.shape(), input.shape())) {
            return probabilities(input, target, weight, ignoreIndex, reduction, labelSmoothing);
        }
        Targets t = targets("crossEntropy", input, target, ignoreIndex);
        checkWeight("crossEntropy", input, weight);
        Tensor logp = input.logSoftmax(1);
        Tensor nll = nll(logp, t, weight, reduction);
        if (labelSmoothing == 0) {
            return nll;
        }
        long classes = input.size(1);
        Tensor smooth;
        if (weight != null) {
            smooth = logp.mul(weight.reshape(F.channelShape(input.dim(), classes))).sum(1, false).neg();
        } else {
            smooth = logp.sum(1, false).neg();
        }
        if (t.keep() != null) {
            smooth = smooth.mul(t.keep());
        }
        Tensor smoothRed = switch (reduction) {
            case MEAN -> weight != null ? mean(smooth.sum(), targetWeights(weight, t).sum(), t)
                    : t.keep() == null ? smooth.mean() : mean(smooth.sum(), null, t);
            case SUM -> smooth.sum();
            case NONE -> smooth;
        };
        return nll.mul(1 - labelSmoothing).add(smoothRed.mul(labelSmoothing / classes));
    }

    /**
     * Cross entropy against class probabilities ({@code target} of the input's shape), as PyTorch computes it:
     * label smoothing mixes the target with the uniform distribution, and the mean divides by the number of
     * samples ({@code numel / C}) whatever the weights.
     */
    private static Tensor probabilities(Tensor input, Tensor target, Tensor weight, long ignoreIndex,
                                        Reduction reduction, double labelSmoothing) {
        if (ignoreIndex >= 0) {
            throw new IllegalArgumentException("crossEntropy: ignore_index (" + ignoreIndex + ") is not supported "
                    + "for class-probability targets");
        }
        if (input.dim() < 2) {
            throw new IllegalArgumentException("crossEntropy: input must be [N, C, ...], got " + input.describe());
        }
        checkWeight("crossEntropy", input, weight);
        long classes = input.size(1);
        Tensor p = labelSmoothing > 0 ? target.mul(1 - labelSmoothing).add(labelSmoothing / classes) : target;
        Tensor prod = input.logSoftmax(1).mul(p);
        if (weight != null) {
            prod = prod.mul(weight.reshape(F.channelShape(input.dim(), classes)));
        }
        return switch (reduction) {
            case MEAN -> prod.sum().neg().div((double) (input.numel() / classes));
            case SUM -> prod.sum().neg();
            case NONE -> prod.sum(1, false).neg();
        };
    }
}
