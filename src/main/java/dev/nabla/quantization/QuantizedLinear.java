package dev.nabla.quantization;

import dev.nabla.Grad;
import dev.nabla.Tensor;

/**
 * A statically quantized linear layer (optionally with a fused ReLU), like PyTorch's {@code nnq.Linear} /
 * {@code nniq.LinearReLU}: uint8 {@code [..., in]} in, uint8 {@code [..., out]} out with fixed output parameters.
 * Buffers as described in {@code QuantizedWeightLayer}: {@code weight} int8 {@code [out, in]}, {@code weight_scales},
 * {@code weight_zero_points}, {@code bias}, {@code input_scale}, {@code input_zero_point}, {@code scale},
 * {@code zero_point}.
 */
public final class QuantizedLinear extends QuantizedWeightLayer {
    /**
     * A layer with the given quantized weight ({@code [out, in]}, int8 per output channel, symmetric), float bias or
     * null, and the parameters of its input and output.
     *
     * @throws IllegalArgumentException when the weight is not int8, per channel along axis 0 and symmetric
     */
    public QuantizedLinear(QuantizedTensor weight, Tensor bias, QParams input, QParams output, boolean relu) {
        super(weight, bias, input, output, relu);
        if (weight.shape().length != 2) {
            throw new IllegalArgumentException("QuantizedLinear: the weight must be [out, in], got " + weight);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        requireUint8("QuantizedLinear", x);
        try (Grad off = Grad.disabled()) {
            return requantize(product(x, buffer("weight")), y -> y);
        }
    }

    @Override
    protected String extraRepr() {
        long[] s = buffer("weight").shape();
        return "in_features=" + s[1] + ", out_features=" + s[0] + ", scale=" + scale("") + ", zero_point="
                + zeroPoint("") + (hasRelu() ? ", relu" : "");
    }
}
