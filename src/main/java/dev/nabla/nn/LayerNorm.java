package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Tensor;
import java.util.Arrays;

/**
 * Layer normalisation over the trailing {@code normalizedShape} dimensions of each sample, like
 * {@code torch.nn.LayerNorm}: {@code (x - mean) / sqrt(var + eps) * weight + bias}, with the biased variance.
 * With {@code elementwiseAffine}, {@code weight} (ones) and {@code bias} (zeros) have shape
 * {@code normalizedShape}. Behaves the same in training and evaluation.
 */
public final class LayerNorm extends Module {
    private final long[] normalizedShape;
    private final double eps;
    private final boolean affine;

    /** A float32 CPU layer over the trailing dimensions {@code normalizedShape}, eps 1e-5, with weight and bias. */
    public LayerNorm(long... normalizedShape) {
        this(normalizedShape, 1e-5, true, true, DType.FLOAT32, Device.CPU);
    }

    /**
     * A layer over {@code normalizedShape} with eps 1e-5, weight and bias of {@code dtype} on {@code device}, like
     * PyTorch's {@code nn.LayerNorm(shape, device=..., dtype=...)}.
     */
    public LayerNorm(long[] normalizedShape, DType dtype, Device device) {
        this(normalizedShape, 1e-5, true, true, dtype, device);
    }

    /** A layer with every option ({@code bias} matters only with {@code elementwiseAffine}). */
    public LayerNorm(long[] normalizedShape, double eps, boolean elementwiseAffine, boolean bias, DType dtype,
                     Device device) {
        if (normalizedShape.length == 0 || Arrays.stream(normalizedShape).anyMatch(s -> s < 1) || !(eps > 0)) {
            throw new IllegalArgumentException("LayerNorm: need a non-empty positive shape and eps > 0, got "
                    + Arrays.toString(normalizedShape) + ", eps " + eps);
        }
        this.normalizedShape = normalizedShape.clone();
        this.eps = eps;
        this.affine = elementwiseAffine;
        if (elementwiseAffine) {
            registerParameter("weight", Tensor.ones(dtype, device, normalizedShape));
            if (bias) {
                registerParameter("bias", Tensor.zeros(dtype, device, normalizedShape));
            }
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.layerNorm(x, normalizedShape, paramOrNull("weight"), paramOrNull("bias"), eps);
    }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < normalizedShape.length; i++) {
            s.append(normalizedShape[i]).append(normalizedShape.length == 1 ? "," : i + 1 < normalizedShape.length
                    ? ", " : "");
        }
        return s.append("), eps=").append(Repr.num(eps)).append(", elementwise_affine=").append(Repr.bool(affine))
                .toString();
    }
}
