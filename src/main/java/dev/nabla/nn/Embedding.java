package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * A lookup table of {@code num} vectors of size {@code dim}, like {@code torch.nn.Embedding}: ids (an int64 or
 * int32 tensor) of any shape map to rows of {@code weight}, giving shape
 * {@code ids.shape + [dim]}. The weight starts as {@code N(0, 1)}, PyTorch's default.
 *
 * <pre>{@code
 * var emb = new Embedding(10_000, 64);
 * Tensor vectors = emb.forward(tokenIds);   // [batch, length] -> [batch, length, 64]
 * }</pre>
 */
public final class Embedding extends Module {
    private final long num;
    private final long dim;

    /** A float32 CPU table initialised from the global generator. */
    public Embedding(long num, long dim) {
        this(num, dim, Generator.global(), DType.FLOAT32, Device.CPU);
    }

    /**
     * A table of {@code dtype} on {@code device}, initialised from the global generator, like PyTorch's
     * {@code nn.Embedding(num, dim, device=..., dtype=...)}.
     */
    public Embedding(long num, long dim, DType dtype, Device device) {
        this(num, dim, Generator.global(), dtype, device);
    }

    /** A table with explicit options. */
    public Embedding(long num, long dim, Generator generator, DType dtype, Device device) {
        if (num < 1 || dim < 1) {
            throw new IllegalArgumentException("Embedding: sizes must be positive, got num=" + num + ", dim=" + dim);
        }
        this.num = num;
        this.dim = dim;
        Init.normal(registerParameter("weight", Tensor.zeros(dtype, device, num, dim)), 0, 1, generator);
    }

    @Override
    public Tensor forward(Tensor ids) {
        return F.embedding(ids, param("weight"));
    }

    @Override
    protected String extraRepr() {
        return num + ", " + dim;
    }
}
