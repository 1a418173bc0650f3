package dev.nabla.nn;

import dev.nabla.Tensor;

/** Returns its input unchanged, like {@code torch.nn.Identity}: a placeholder (e.g. a residual shortcut). */
public final class Identity extends Module {
    /** The identity. */
    public Identity() {
    }

    @Override
    public Tensor forward(Tensor x) {
        return x;
    }
}
