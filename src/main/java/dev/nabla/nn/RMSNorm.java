package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.Arrays;

/**
 * Root-mean-square normalisation over the trailing {@code normalizedShape} dimensions, like PyTorch 2.4's
 * {@code torch.nn.RMSNorm}: {@code x / sqrt(mean(x²) + eps) * weight}, with {@code weight} (ones) of shape
 * {@code normalizedShape} when {@code elementwiseAffine}. An {@code eps} of NaN means the dtype's machine epsilon,
 * as PyTorch's {@code eps=None}.
 */
public final class RMSNorm extends Module {
    private final long[] normalizedShape;
    private final double eps;

    /** A float32 CPU layer over the trailing dimensions {@code normalizedShape}, default eps, with a weight. */
    public RMSNorm(long... normalizedShape) {
        this(normalizedShape, Double.NaN, true, DType.FLOAT32, Device.CPU);
    }

    /** A layer with every option. */
    public RMSNorm(long[] normalizedShape, double eps, boolean elementwiseAffine, DType dtype, Device device) {
        if (normalizedShape.length == 0 || Arrays.stream(normalizedShape).anyMatch(s -> s < 1) || eps <= 0) {
            throw new IllegalArgumentException("RMSNorm: need a non-empty positive shape and eps > 0 (NaN: the "
                    + "dtype's epsilon), got " + Arrays.toString(normalizedShape) + ", eps " + eps);
        }
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        if (elementwiseAffine) {
            registerParameter("weight", Tensor.ones(dtype, device, normalizedShape));
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        int n = normalizedShape.length;
        if (x.dim() < n || !Arrays.equals(Arrays.copyOfRange(x.shape(), x.dim() - n, x.dim()), normalizedShape)) {
            throw new IllegalArgumentException("RMSNorm: input " + x.describe() + " does not end in "
                    + Arrays.toString(normalizedShape));
        }
        int[] dims = new int[n];
        for (int i = 0; i < n; i++) {
            dims[i] = x.dim() - n + i;
        }
        double e = Double.isNaN(eps) ? machineEpsilon(x.dtype()) : eps;
        Tensor y = x.mul(x.mul(x).mean(dims, true).add(e).rsqrt());
        Tensor w = paramOrNull("weight");
        return w == null ? y : y.mul(w);
    }

    private static double machineEpsilon(DType t) {
        return switch (t) {
            case FLOAT64 -> Math.ulp(1.0);
            case BFLOAT16 -> 0x1p-7;
            case FLOAT16 -> 0x1p-10;
            default -> Math.ulp(1.0f);
        };
    }

    @Override
    protected String extraRepr() {
        return "(" + Arrays.toString(normalizedShape).replace("[", "").replace("]", "")
                + (normalizedShape.length == 1 ? "," : "") + "), eps=" + (Double.isNaN(eps) ? "None" : Repr.num(eps))
                + ", elementwise_affine=" + Repr.bool(paramOrNull("weight") != null);
    }
}
