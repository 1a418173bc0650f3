package dev.nabla.quantization;

import dev.nabla.Tensor;
import dev.nabla.nn.Module;

/**
 * A model between a quantize and a dequantize step, like PyTorch's {@code QuantWrapper}: children {@code quant},
 * {@code module} and {@code dequant}, run in that order. {@link StaticQuantization#prepare} wraps a model in one and
 * {@link StaticQuantization#convert} turns {@code quant}/{@code dequant} into {@link Quantize}/{@link DeQuantize}, so
 * the converted model takes and returns float tensors.
 */
public final class QuantWrapper extends Module {
    /** Wraps {@code module} between a {@link QuantStub} and a {@link DeQuantStub}. */
    public QuantWrapper(Module module) {
        registerModule("quant", new QuantStub());
        registerModule("module", module);
        registerModule("dequant", new DeQuantStub());
    }

    /** The wrapped model (converted in place by {@link StaticQuantization#convert}). */
    public Module module() {
        return child("module");
    }

    @Override
    public Tensor forward(Tensor x) {
        return child("dequant").forward(child("module").forward(child("quant").forward(x)));
    }
}
