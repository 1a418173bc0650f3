package dev.nabla.nn;

import dev.nabla.Tensor;

/** {@code x > 0 ? x : alpha * (e^x - 1)}, like {@code torch.nn.ELU} (default alpha 1). */
public final class ELU extends Module {
    private final double alpha;

    /** Alpha 1. */
    public ELU() {
        this(1.0);
    }

    /** The given alpha. */
    public ELU(double alpha) {
        this.alpha = alpha;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.elu(alpha);
    }

    @Override
    protected String extraRepr() {
        return "alpha=" + Repr.num(alpha);
    }
}
