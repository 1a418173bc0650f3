package dev.nabla.quantization;

import dev.nabla.Tensor;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;

/**
 * A convolution followed by ReLU, one unit for quantization (PyTorch's {@code nni.ConvReLU2d}): children {@code 0}
 * (the {@link Conv2d}, with any BatchNorm2d already folded in) and {@code 1} (the {@link ReLU}).
 */
public final class ConvReLU2d extends Module {
    /** Fuses {@code conv} and {@code relu}. */
    public ConvReLU2d(Conv2d conv, ReLU relu) {
        registerModule("0", conv);
        registerModule("1", relu);
    }

    /** The convolution. */
    public Conv2d conv() {
        return (Conv2d) child("0");
    }

    @Override
    public Tensor forward(Tensor x) {
        return child("1").forward(child("0").forward(x));
    }
}
