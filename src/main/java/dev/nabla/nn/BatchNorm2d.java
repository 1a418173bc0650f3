package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;

/**
 * Batch normalisation of {@code [N, C, H, W]} inputs over the channels {@code C} (statistics over N, H and W), like
 * {@code torch.nn.BatchNorm2d}; see {@link BatchNorm} for parameters, buffers and train/eval behaviour.
 */
public final class BatchNorm2d extends BatchNorm {
    /** A float32 CPU layer with PyTorch's defaults (eps 1e-5, momentum 0.1, affine, tracking running stats). */
    public BatchNorm2d(long features) {
        this(features, DEFAULT_EPS, DEFAULT_MOMENTUM, true, true, DType.FLOAT32, Device.CPU);
    }

    /**
     * A layer with PyTorch's defaults of {@code dtype} on {@code device}, like
     * {@code nn.BatchNorm2d(features, device=..., dtype=...)}.
     */
    public BatchNorm2d(long features, DType dtype, Device device) {
        this(features, DEFAULT_EPS, DEFAULT_MOMENTUM, true, true, dtype, device);
    }

    /** A layer with every option. */
    public BatchNorm2d(long features, double eps, double momentum, boolean affine, boolean trackRunningStats,
                       DType dtype, Device device) {
        super(features, eps, momentum, affine, trackRunningStats, dtype, device);
    }

    @Override
    void checkInput(Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("BatchNorm2d: expected 4D input [N, C, H, W], got " + x.describe());
        }
    }
}
