package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.bindings.cudnn.cudnn_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * cuDNN's tensor, filter and convolution descriptors, created once per key (a shape and its settings) and kept in
 * small least-recently-used caches. Call only under {@link CudnnHandle#lock}: the caches are not thread-safe, and an
 * evicted descriptor is destroyed at once.
 */
final class CudnnDescriptors {
    /** Descriptors kept per kind: far more shapes than a network has, few enough to stay small. */
    static final int CAPACITY = 256;

    private final CudnnHandle cudnn;
    private final DescriptorCache<TensorKey, MemorySegment> tensors;
    private final DescriptorCache<FilterKey, MemorySegment> filters;
    private final DescriptorCache<ConvKey, MemorySegment> convolutions;

    CudnnDescriptors(CudnnHandle cudnn) {
        this.cudnn = cudnn;
        tensors = new DescriptorCache<>("tensor descriptor", CAPACITY, this::createTensor,
                d -> cudnn.check(cudnn_h.cudnnDestroyTensorDescriptor(d), "cudnnDestroyTensorDescriptor"));
        filters = new DescriptorCache<>("filter descriptor", CAPACITY, this::createFilter,
                d -> cudnn.check(cudnn_h.cudnnDestroyFilterDescriptor(d), "cudnnDestroyFilterDescriptor"));
        convolutions = new DescriptorCache<>("convolution descriptor", CAPACITY, this::createConvolution,
                d -> cudnn.check(cudnn_h.cudnnDestroyConvolutionDescriptor(d), "cudnnDestroyConvolutionDescriptor"));
    }

    MemorySegment tensor(TensorKey key) {
        return tensors.get(key);
    }

    MemorySegment filter(FilterKey key) {
        return filters.get(key);
    }

    MemorySegment convolution(ConvKey key) {
        return convolutions.get(key);
    }

    private MemorySegment create(String call, Creator creator) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pp = a.allocate(ADDRESS);
            cudnn.check(creator.create(pp), call);
            return pp.get(ADDRESS, 0);
        }
    }

    private MemorySegment createTensor(TensorKey k) {
        MemorySegment d = create("cudnnCreateTensorDescriptor", cudnn_h::cudnnCreateTensorDescriptor);
        cudnn.check(cudnn_h.cudnnSetTensor4dDescriptor(d, cudnn_h.CUDNN_TENSOR_NCHW(),
                CudnnShapes.dataType(k.dtype()), k.n(), k.c(), k.h(), k.w()), "cudnnSetTensor4dDescriptor(" + k + ")");
        return d;
    }

    private MemorySegment createFilter(FilterKey k) {
        MemorySegment d = create("cudnnCreateFilterDescriptor", cudnn_h::cudnnCreateFilterDescriptor);
        cudnn.check(cudnn_h.cudnnSetFilter4dDescriptor(d, CudnnShapes.dataType(k.dtype()), cudnn_h.CUDNN_TENSOR_NCHW(),
                k.k(), k.c(), k.h(), k.w()), "cudnnSetFilter4dDescriptor(" + k + ")");
        return d;
    }

    private MemorySegment createConvolution(ConvKey k) {
        MemorySegment d = create("cudnnCreateConvolutionDescriptor", cudnn_h::cudnnCreateConvolutionDescriptor);
        ConvGeometry g = k.geometry();
        cudnn.check(cudnn_h.cudnnSetConvolution2dDescriptor(d, g.padH(), g.padW(), g.strideH(), g.strideW(),
                g.dilationH(), g.dilationW(), cudnn_h.CUDNN_CROSS_CORRELATION(), CudnnShapes.dataType(k.dtype())),
                "cudnnSetConvolution2dDescriptor(" + k + ")");
        cudnn.check(cudnn_h.cudnnSetConvolutionGroupCount(d, k.groups()), "cudnnSetConvolutionGroupCount(" + k + ")");
        // cuDNN's default math lets float32 use TF32 tensor cores on Ampere and newer; FMA math keeps its 24 bits
        int math = k.tensorMath() || k.dtype() != ScalarType.FLOAT32 ? cudnn_h.CUDNN_DEFAULT_MATH()
                : cudnn_h.CUDNN_FMA_MATH();
        cudnn.check(cudnn_h.cudnnSetConvolutionMathType(d, math), "cudnnSetConvolutionMathType(" + k + ")");
        return d;
    }

    /** One of cuDNN's {@code cudnnCreate*Descriptor} functions. */
    @FunctionalInterface
    private interface Creator {
        int create(MemorySegment descriptorOut);
    }
}
