package dev.nabla.data;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;

/**
 * Samples that are rows (dimension 0) of a features tensor and a targets tensor, like
 * {@code torch.utils.data.TensorDataset}. A batch is one gather per tensor, entirely in off-heap memory.
 */
public final class TensorDataset implements Dataset {
    private final Tensor features;
    private final Tensor targets;

    /**
     * A dataset over {@code features} and {@code targets}, which must have the same number of rows. The tensors
     * are used, not copied; keep them alive while the dataset is in use.
     */
    public TensorDataset(Tensor features, Tensor targets) {
        if (features.dim() == 0 || targets.dim() == 0 || features.size(0) != targets.size(0)) {
            throw new IllegalArgumentException("TensorDataset: features " + features.describe() + " and targets "
                    + targets.describe() + " must have the same number of rows");
        }
        this.features = features;
        this.targets = targets;
    }

    /** The features tensor. */
    public Tensor features() {
        return features;
    }

    /** The targets tensor. */
    public Tensor targets() {
        return targets;
    }

    @Override
    public long size() {
        return features.size(0);
    }

    @Override
    public Batch batch(long[] indices) {
        long[] idx = new long[indices.length];
        long n = size();
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= n) {
                throw new IndexOutOfBoundsException("TensorDataset: index " + indices[i] + " outside [0, " + n + ")");
            }
            idx[i] = indices[i];
        }
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            Tensor ix = Tensor.of(idx, DType.INT64, features.device(), idx.length);
            Tensor x = features.indexSelect(0, ix);
            Tensor y = targets.indexSelect(0, ix);
            return new Batch(scope.keep(x), scope.keep(y));
        }
    }
}
