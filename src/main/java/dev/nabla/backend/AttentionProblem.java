package dev.nabla.backend;

import java.lang.foreign.MemorySegment;

/**
 * The shape and options of one fused scaled-dot-product attention call ({@link Backend#attention}): {@code batch}
 * independent problems (batch and head dimensions flattened) of {@code l} queries and {@code s} keys, query/key
 * width {@code e} and value width {@code ev}.
 *
 * @param mask           an additive mask in the operands' dtype, or null; the element for problem {@code b}, query
 *                       {@code i} and key {@code j} is at {@code maskPlanes[b] + i * maskRowStride + j *
 *                       maskColStride} (strides may be 0: the mask broadcasts)
 * @param causal         whether key {@code j > i} is masked out (PyTorch's top-left aligned {@code is_causal})
 * @param dropoutP       the drop probability of each attention weight (0: none)
 * @param dropoutSeed    the seed of {@link dev.nabla.base.AttentionDropout#keep}
 */
public record AttentionProblem(int batch, int l, int s, int e, int ev, double scale, MemorySegment mask,
                               long[] maskPlanes, long maskRowStride, long maskColStride, boolean causal,
                               double dropoutP, long dropoutSeed) {

    /** The additive mask value for problem {@code b}, query {@code i}, key {@code j}: its element offset. */
    public long maskOffset(int b, int i, int j) {
        return maskPlanes[b] + i * maskRowStride + j * maskColStride;
    }
}
