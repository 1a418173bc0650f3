package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * Learned absolute positions: an {@link Embedding} ({@code embedding.weight [maxLen, dim]}, N(0, 1) as
 * {@code nn.Embedding}) whose rows 0..L-1 are added to an input {@code [N, L, dim]} (batch first) or {@code [L, dim]}.
 */
public final class LearnedPositionalEmbedding extends Module {
    private final long maxLen;

    /** Positions up to {@code maxLen} of width {@code dim}. */
    public LearnedPositionalEmbedding(long maxLen, long dim, Generator generator, DType dtype, Device device) {
        this.maxLen = maxLen;
        registerModule("embedding", new Embedding(maxLen, dim, generator, dtype, device));
    }

    @Override
    public Tensor forward(Tensor x) {
        long l = PositionalChecks.length("LearnedPositionalEmbedding", x, maxLen);
        Tensor table = ((Embedding) child("embedding")).namedParameters().get("weight");
        return x.add(table.narrow(0, 0, l));
    }
}
