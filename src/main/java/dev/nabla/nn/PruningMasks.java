package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * The new mask of each pruning method, given the importance scores (the weight as its layer sees it) and the current
 * mask, with the semantics of PyTorch's {@code PruningContainer}: a method looks only at the units still unpruned
 * (entries where the mask is 1, or channels with a non-zero mask entry) and can only add zeros to the mask.
 * Callers disable autograd and open a scope.
 */
final class PruningMasks {
    private PruningMasks() {
    }

    /**
     * Zeros the still-unpruned entries of smallest {@code |scores|} ({@link PruningMethod#L1}) or random ones.
     * Like {@code torch.topk(largest=False)} for L1; among equal magnitudes the lowest flat index goes first, where
     * PyTorch's choice depends on its partial sort.
     */
    static Tensor unstructured(Tensor scores, Tensor mask, PruningAmount amount, PruningMethod method,
                               Generator generator) {
        Tensor flatMask = mask.reshape(-1);
        Tensor unpruned = flatMask.eq(1.0).nonzero().reshape(-1); // int64 flat positions
        long k = amount.toPrune(unpruned.numel(), "parameters");
        if (k == 0) {
            return mask.clone();
        }
        Tensor chosen = switch (method) {
            case L1 -> scores.reshape(-1).indexSelect(0, unpruned).abs().topk((int) k, 0, false, true).indices();
            case RANDOM -> Tensor.uniform(generator, 0, 1, DType.FLOAT64, mask.device(), unpruned.numel())
                    .topk((int) k, 0, true, true).indices();
        };
        return flatMask.indexFill(0, unpruned.indexSelect(0, chosen), 0.0).reshape(mask.shape());
    }

    /**
     * Zeros whole slices along {@code dim}: of the channels with some unpruned entry, those of smallest L{@code n}
     * norm (over the other dimensions), like {@code LnStructured}; the kept ones are {@code torch.topk(largest=True)}
     * of the norms.
     */
    static Tensor structured(Tensor scores, Tensor mask, PruningAmount amount, double n, int dim) {
        int[] others = new int[scores.dim() - 1];
        for (int d = 0, i = 0; d < scores.dim(); d++) {
            if (d != dim) {
                others[i++] = d;
            }
        }
        Tensor alive = mask.sum(others, false).ne(0.0).nonzero().reshape(-1); // int64 channel indices
        long k = amount.toPrune(alive.numel(), "channels");
        if (k == 0) {
            return mask.clone();
        }
        Tensor norms = norm(scores, n, others).indexSelect(0, alive);
        Tensor kept = alive.indexSelect(0, norms.topk((int) (alive.numel() - k), 0, true, true).indices());
        long[] channelShape = new long[scores.dim()];
        java.util.Arrays.fill(channelShape, 1);
        channelShape[dim] = scores.size(dim);
        Tensor keep = Tensor.zeros(mask.dtype(), mask.device(), scores.size(dim)).indexFill(0, kept, 1.0);
        return mask.mul(keep.reshape(channelShape));
    }

    /** {@code torch.norm(t, p=n, dim=dims)} for {@code n > 0} or infinity. */
    private static Tensor norm(Tensor t, double n, int[] dims) {
        Tensor a = t.abs();
        if (n == Double.POSITIVE_INFINITY) {
            return a.max(dims, false);
        }
        return a.pow(n).sum(dims, false).pow(1 / n);
    }
}
