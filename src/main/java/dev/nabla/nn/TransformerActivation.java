package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * The feed-forward activation of the transformer layers: PyTorch's {@code activation="relu"} or {@code "gelu"}, or the
 * tanh-approximated GELU (PyTorch: {@code activation=partial(F.gelu, approximate="tanh")}), which has a vectorised
 * kernel where the exact one evaluates erf element by element.
 */
public enum TransformerActivation {
    /** {@code max(x, 0)}. */
    RELU,
    /** The exact (erf) GELU. */
    GELU,
    /** GELU's tanh approximation. */
    GELU_TANH;

    Tensor apply(Tensor x) {
        return switch (this) {
            case RELU -> x.relu();
            case GELU -> x.gelu();
            case GELU_TANH -> x.geluTanh();
        };
    }
}
