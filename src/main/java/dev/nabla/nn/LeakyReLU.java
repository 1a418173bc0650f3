package dev.nabla.nn;

import dev.nabla.Tensor;

/** {@code x >= 0 ? x : negativeSlope * x}, like {@code torch.nn.LeakyReLU} (default slope 0.01). */
public final class LeakyReLU extends Module {
    private final double negativeSlope;

    /** Slope 0.01. */
    public LeakyReLU() {
        this(0.01);
    }

    /** The given slope for negative inputs. */
    public LeakyReLU(double negativeSlope) {
        this.negativeSlope = negativeSlope;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.leakyRelu(negativeSlope);
    }

    @Override
    protected String extraRepr() {
        return "negative_slope=" + Repr.num(negativeSlope);
    }
}
