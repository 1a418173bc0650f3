package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.F;
import dev.nabla.Tensor;
import java.util.function.UnaryOperator;

/**
 * The common part of {@link QuantizedLinear} and {@link QuantizedConv2d}: int8 weight quantized per output channel,
 * float bias, the input's and output's parameters, and the requantizing product. Buffers: {@code weight} (int8),
 * {@code weight_scales} (float32 {@code [out]}), {@code weight_zero_points} (int64 {@code [out]}, zeros: symmetric),
 * {@code bias} (float32 {@code [out]}, when there is one), {@code input_scale}/{@code input_zero_point} and
 * {@code scale}/{@code zero_point} (the output's).
 */
abstract sealed class QuantizedWeightLayer extends QuantizedModule permits QuantizedLinear, QuantizedConv2d {
    private final boolean relu;
    private final boolean hasBias;

    QuantizedWeightLayer(QuantizedTensor weight, Tensor bias, QParams input, QParams output, boolean relu) {
        if (weight.dtype() != DType.INT8 || !weight.isPerChannel() || weight.axis() != 0) {
            throw new IllegalArgumentException("quantized layers take int8 weights quantized per output channel, got "
                    + weight);
        }
        long[] zeroPoints = weight.zeroPoints();
        for (long z : zeroPoints) {
            if (z != 0) {
                throw new IllegalArgumentException("quantized layers take symmetric weights (zero points 0), got "
                        + weight);
            }
        }
        double[] scales = weight.scales();
        float[] floatScales = new float[scales.length];
        for (int c = 0; c < scales.length; c++) {
            floatScales[c] = (float) scales[c];
        }
        this.relu = relu;
        this.hasBias = bias != null;
        registerBuffer("weight", weight.intRepr());
        registerBuffer("weight_scales", Tensor.of(floatScales, scales.length));
        registerBuffer("weight_zero_points", Tensor.of(zeroPoints, zeroPoints.length));
        if (bias != null) {
            registerBuffer("bias", bias.detach().to(DType.FLOAT32));
        }
        registerQParams("input_", input);
        registerQParams("", output);
    }

    /** True when a ReLU is fused in (the output clamped at its zero point). */
    public final boolean hasRelu() {
        return relu;
    }

    /**
     * The float32 product of {@code x [rows, k]} (uint8) and {@code w [out, k]}: {@code sx * sw[j] * acc + bias[j]},
     * the scale product and the sum in float32, as PyTorch's onednn engine computes it before requantizing.
     */
    final Tensor product(Tensor x, Tensor w) {
        float inputScale = (float) scale("input_");
        float[] weightScales = buffer("weight_scales").toFloatArray();
        float[] combined = new float[weightScales.length];
        for (int j = 0; j < combined.length; j++) {
            combined[j] = inputScale * weightScales[j];
        }
        Tensor scales = Tensor.of(combined, combined.length).to(x.device());
        return F.quantizedLinear(x, zeroPoint("input_"), w, scales, hasBias ? buffer("bias") : null);
    }

    /**
     * The output integers of a float product {@code [rows, out]}: the fused ReLU, quantization by the float32 inverse
     * of the output scale, ties to even (exactly PyTorch's onednn results, checked on fixtures), then {@code layout}
     * (a view, such as the convolution's channels-last view): the integers are made in the product's own order, so
     * no float copy is needed. The ReLU runs on the floats: {@code quantize(relu(y)) == max(quantize(y), zeroPoint)}
     * (quantization is monotonic and maps 0 to the zero point), and the float kernel is the faster one.
     */
    final Tensor requantize(Tensor y, UnaryOperator<Tensor> layout) {
        Tensor q = F.quantizeToInt(relu ? F.relu(y) : y, scale(""), zeroPoint(""), DType.UINT8);
        return layout.apply(q);
    }
}
