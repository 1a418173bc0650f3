package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * The Gaussian error linear unit {@code x * Phi(x)}, like {@code torch.nn.GELU}: exact by default, or with the
 * tanh approximation {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}.
 */
public final class GELU extends Module {
    /** PyTorch's {@code approximate=} argument. */
    public enum Approximate {
        /** The exact form with the error function ({@code 'none'}, the default). */
        NONE,
        /** The tanh approximation ({@code 'tanh'}). */
        TANH
    }

    private final Approximate approximate;

    /** The exact GELU. */
    public GELU() {
        this(Approximate.NONE);
    }

    /** The GELU computed as {@code approximate} says. */
    public GELU(Approximate approximate) {
        this.approximate = java.util.Objects.requireNonNull(approximate, "approximate");
    }

    @Override
    public Tensor forward(Tensor x) {
        return approximate == Approximate.TANH ? x.geluTanh() : x.gelu();
    }

    @Override
    protected String extraRepr() {
        return "approximate='" + approximate.name().toLowerCase(java.util.Locale.ROOT) + "'";
    }
}
