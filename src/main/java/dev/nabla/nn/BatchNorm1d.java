package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;

/**
 * Batch normalisation of {@code [N, C]} or {@code [N, C, L]} inputs over the channels {@code C}, like
 * {@code torch.nn.BatchNorm1d}; see {@link BatchNorm} for parameters, buffers and train/eval behaviour.
 *
 * <pre>{@code
 * var model = new Sequential(new Linear(64, 128), new BatchNorm1d(128), new ReLU());
 * model.eval();   // now uses running_mean / running_var
 * }</pre>
 */
public final class BatchNorm1d extends BatchNorm {
    /** A float32 CPU layer with PyTorch's defaults (eps 1e-5, momentum 0.1, affine, tracking running stats). */
    public BatchNorm1d(long features) {
        this(features, DEFAULT_EPS, DEFAULT_MOMENTUM, true, true, DType.FLOAT32, Device.CPU);
    }

    /**
     * A layer with PyTorch's defaults of {@code dtype} on {@code device}, like
     * {@code nn.BatchNorm1d(features, device=..., dtype=...)}.
     */
    public BatchNorm1d(long features, DType dtype, Device device) {
        this(features, DEFAULT_EPS, DEFAULT_MOMENTUM, true, true, dtype, device);
    }

    /** A layer with every option. */
    public BatchNorm1d(long features, double eps, double momentum, boolean affine, boolean trackRunningStats,
                       DType dtype, Device device) {
        super(features, eps, momentum, affine, trackRunningStats, dtype, device);
    }

    @Override
    void checkInput(Tensor x) {
        if (x.dim() != 2 && x.dim() != 3) {
            throw new IllegalArgumentException("BatchNorm1d: expected 2D or 3D input ([N, C] or [N, C, L]), got "
                    + x.describe());
        }
    }
}
