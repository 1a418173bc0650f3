package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;

/**
 * The fixed sinusoidal positions of "Attention Is All You Need": {@code pe[p, 2i] = sin(p / 10000^(2i/dim))},
 * {@code pe[p, 2i+1] = cos(…)}, added to an input {@code [N, L, dim]} (batch first) or {@code [L, dim]}. The table
 * is a buffer ({@code pe}), not a parameter, and is not in the state dict's parameters.
 */
public final class SinusoidalPositionalEmbedding extends Module {
    private final long maxLen;

    /** Positions up to {@code maxLen} of even width {@code dim}. */
    public SinusoidalPositionalEmbedding(long maxLen, long dim, DType dtype, Device device) {
        if (maxLen < 1 || dim < 2 || dim % 2 != 0) {
            throw new IllegalArgumentException("SinusoidalPositionalEmbedding: need maxLen >= 1 and an even dim >= 2,"
                    + " got maxLen=" + maxLen + ", dim=" + dim);
        }
        this.maxLen = maxLen;
        double[] pe = new double[Math.toIntExact(maxLen * dim)];
        for (int p = 0; p < maxLen; p++) {
            for (int i = 0; i < dim / 2; i++) {
                double angle = p / Math.pow(10000, 2.0 * i / dim);
                pe[(int) (p * dim) + 2 * i] = Math.sin(angle);
                pe[(int) (p * dim) + 2 * i + 1] = Math.cos(angle);
            }
        }
        registerBuffer("pe", Tensor.of(pe, dtype, device, maxLen, dim));
    }

    @Override
    public Tensor forward(Tensor x) {
        long l = PositionalChecks.length("SinusoidalPositionalEmbedding", x, maxLen);
        return x.add(buffer("pe").narrow(0, 0, l));
    }
}
