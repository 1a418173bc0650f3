package dev.nabla.nn;

import dev.nabla.Tensor;

/** {@code x * relu6(x + 3) / 6}, like {@code torch.nn.Hardswish}. */
public final class Hardswish extends Module {
    /** The hard swish of MobileNetV3. */
    public Hardswish() {
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.hardswish();
    }
}
