package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Grad;
import dev.nabla.Tensor;

/**
 * Batch normalisation over the channel dimension 1, the common part of {@link BatchNorm1d} and {@link BatchNorm2d}
 * (PyTorch's {@code _BatchNorm}).
 *
 * <p>Parameters {@code weight} (ones) and {@code bias} (zeros) when {@code affine}; buffers {@code running_mean}
 * (zeros), {@code running_var} (ones) and {@code num_batches_tracked} (a 0-dimensional count) when
 * {@code trackRunningStats}. In training mode the layer normalises with the batch statistics and updates the
 * running ones ({@code running = (1 - momentum) * running + momentum * batch}, with the unbiased batch variance);
 * in evaluation mode ({@link Module#eval()}) it normalises with the running statistics.
 */
public abstract sealed class BatchNorm extends Module permits BatchNorm1d, BatchNorm2d {
    /** PyTorch's default {@code eps}. */
    public static final double DEFAULT_EPS = 1e-5;
    /** PyTorch's default {@code momentum}. */
    public static final double DEFAULT_MOMENTUM = 0.1;

    private final long features;
    private final double eps;
    private final double momentum;
    private final boolean affine;
    private final boolean trackRunningStats;

    BatchNorm(long features, double eps, double momentum, boolean affine, boolean trackRunningStats, DType dtype,
              Device device) {
        if (features < 1 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": need features >= 1, eps > 0 and "
                    + "momentum in [0, 1], got " + features + ", " + eps + ", " + momentum);
        }
        this.features = features;
        this.eps = eps;
        this.momentum = momentum;
        this.affine = affine;
        this.trackRunningStats = trackRunningStats;
        if (affine) {
            registerParameter("weight", Tensor.ones(dtype, device, features));
            registerParameter("bias", Tensor.zeros(dtype, device, features));
        }
        if (trackRunningStats) {
            registerBuffer("running_mean", Tensor.zeros(dtype, device, features));
            registerBuffer("running_var", Tensor.ones(dtype, device, features));
            registerBuffer("num_batches_tracked", Tensor.scalar(0, dtype, device));
        }
    }

    /** Throws unless {@code x} has a shape this layer accepts. */
    abstract void checkInput(Tensor x);

    /** Number of channels. */
    public long numFeatures() {
        return features;
    }

    /** The constant added to the variance before its square root. */
    public double eps() {
        return eps;
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        if (x.size(1) != features) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": expected " + features
                    + " channels in dimension 1, got " + x.describe());
        }
        Tensor mean = trackRunningStats ? buffer("running_mean") : null;
        Tensor var = trackRunningStats ? buffer("running_var") : null;
        boolean batchStats = isTraining() || !trackRunningStats;
        if (isTraining() && trackRunningStats) {
            try (Grad off = Grad.disabled()) {
                buffer("num_batches_tracked").add_(1.0);
            }
        }
        return F.batchNorm(x, mean, var, paramOrNull("weight"), paramOrNull("bias"), batchStats, momentum, eps);
    }

    @Override
    protected String extraRepr() {
        return features + ", eps=" + Repr.num(eps) + ", momentum=" + Repr.num(momentum) + ", affine="
                + Repr.bool(affine) + ", track_running_stats=" + Repr.bool(trackRunningStats);
    }
}
