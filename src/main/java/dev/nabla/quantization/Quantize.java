package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.F;
import dev.nabla.Grad;
import dev.nabla.Tensor;

/**
 * Float to uint8 with fixed parameters, like PyTorch's {@code nnq.Quantize}: the first step of a converted model.
 * Buffers {@code scale} (float32 {@code [1]}) and {@code zero_point} (int64 {@code [1]}).
 */
public final class Quantize extends QuantizedModule {
    /** Quantizes to uint8 with {@code params}. */
    public Quantize(QParams params) {
        registerQParams("", params);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("Quantize: the model's input must be floating point, got "
                    + x.describe());
        }
        try (Grad off = Grad.disabled()) {
            Tensor f = x.dtype() == DType.FLOAT32 ? x.detach() : x.detach().to(DType.FLOAT32);
            return F.quantizeToInt(f, scale(""), zeroPoint(""), DType.UINT8);
        }
    }
}
