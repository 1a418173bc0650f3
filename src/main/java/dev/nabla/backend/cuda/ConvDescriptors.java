package dev.nabla.backend.cuda;

import java.lang.foreign.MemorySegment;

/**
 * The cuDNN descriptors of one {@link ConvProblem}: input, weight (filter), output and convolution.
 *
 * @param x    the input's tensor descriptor
 * @param w    the weight's filter descriptor
 * @param y    the output's tensor descriptor
 * @param conv the convolution descriptor
 */
record ConvDescriptors(MemorySegment x, MemorySegment w, MemorySegment y, MemorySegment conv) {

    /** Looks the problem's descriptors up in (or adds them to) the caches; under {@link CudnnHandle#lock}. */
    static ConvDescriptors of(CudnnDescriptors cache, ConvProblem p) {
        return new ConvDescriptors(cache.tensor(p.x()), cache.filter(p.w()), cache.tensor(p.y()),
                cache.convolution(p.conv()));
    }
}
