package dev.nabla.nn;

import dev.nabla.Tensor;

/** The feed-forward activation of the transformer layers: PyTorch's {@code activation="relu"} or {@code "gelu"}. */
public enum TransformerActivation {
    /** {@code max(x, 0)}. */
    RELU,
    /** The exact (erf) GELU. */
    GELU;

    Tensor apply(Tensor x) {
        return this == RELU ? x.relu() : x.gelu();
    }
}
