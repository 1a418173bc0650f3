package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Tensor;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;

/**
 * Max pooling of uint8 activations, exact: the maximum of integers is the integer of the maximum (quantization is
 * monotonic), so the parameters pass through, as PyTorch's quantized {@code max_pool2d}. Pools through the float
 * layer (child {@code pool}) on an exact float32 copy of the integers.
 */
public final class QuantizedMaxPool2d extends Module {
    /** Pools like {@code pool}. */
    public QuantizedMaxPool2d(MaxPool2d pool) {
        registerModule("pool", pool);
    }

    @Override
    public Tensor forward(Tensor q) {
        QuantizedModule.requireUint8("QuantizedMaxPool2d", q);
        try (Grad off = Grad.disabled()) {
            return child("pool").forward(q.to(DType.FLOAT32)).to(DType.UINT8);
        }
    }
}
