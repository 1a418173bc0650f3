package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Tensor;

/**
 * uint8 to float32, {@code (q - zero_point) * scale} (one float32 rounding, as PyTorch's {@code dequantize}): the
 * last step of a converted model. Buffers {@code scale} and {@code zero_point}.
 */
public final class DeQuantize extends QuantizedModule {
    /** Dequantizes values quantized with {@code params}. */
    public DeQuantize(QParams params) {
        registerQParams("", params);
    }

    @Override
    public Tensor forward(Tensor q) {
        requireUint8("DeQuantize", q);
        try (Grad off = Grad.disabled()) {
            return q.to(DType.FLOAT32).sub((double) zeroPoint("")).mul((double) (float) scale(""));
        }
    }
}
