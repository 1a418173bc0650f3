package dev.nabla.nn;

import dev.nabla.Tensor;

/** The input check the positional embeddings share. */
final class PositionalChecks {
    private PositionalChecks() {
    }

    /** The sequence length of {@code x} ({@code [N, L, dim]} or {@code [L, dim]}), at most {@code maxLen}. */
    static long length(String op, Tensor x, long maxLen) {
        if (x.dim() < 2 || x.size(-2) > maxLen) {
            throw new IllegalArgumentException(op + ": input must be [N, L, dim] or [L, dim] with L <= " + maxLen
                    + ", got " + x.describe());
        }
        return x.size(-2);
    }
}
