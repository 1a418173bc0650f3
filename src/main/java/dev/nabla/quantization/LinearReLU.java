package dev.nabla.quantization;

import dev.nabla.Tensor;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;

/**
 * A linear layer followed by ReLU, one unit for quantization (PyTorch's {@code nni.LinearReLU}): children {@code 0}
 * (the {@link Linear}, with any BatchNorm1d already folded in) and {@code 1} (the {@link ReLU}).
 */
public final class LinearReLU extends Module {
    /** Fuses {@code linear} and {@code relu}. */
    public LinearReLU(Linear linear, ReLU relu) {
        registerModule("0", linear);
        registerModule("1", relu);
    }

    /** The linear layer. */
    public Linear linear() {
        return (Linear) child("0");
    }

    @Override
    public Tensor forward(Tensor x) {
        return child("1").forward(child("0").forward(x));
    }
}
