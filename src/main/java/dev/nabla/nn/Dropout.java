package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * Zeroes each element with probability {@code p} and scales the survivors by {@code 1/(1-p)} in training mode,
 * like {@code torch.nn.Dropout}; the identity in evaluation mode ({@link Module#eval()}). The mask comes from the
 * layer's {@link Generator}, so a seeded generator gives repeatable masks.
 */
public final class Dropout extends Module {
    private final double p;
    private final Generator generator;

    /** Dropout with probability {@code p} (PyTorch's default is 0.5), drawing from the global generator. */
    public Dropout(double p) {
        this(p, Generator.global());
    }

    /** Dropout with probability {@code p} drawing its masks from {@code generator}. */
    public Dropout(double p, Generator generator) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("Dropout: probability must be in [0, 1], got " + p);
        }
        this.p = p;
        this.generator = generator;
    }

    /** The drop probability. */
    public double p() {
        return p;
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.dropout(x, p, isTraining(), generator);
    }

    @Override
    protected String extraRepr() {
        return "p=" + Repr.num(p);
    }
}
