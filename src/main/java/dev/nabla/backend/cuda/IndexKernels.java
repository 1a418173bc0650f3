package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.bindings.cuda.cuda_h;
import java.lang.foreign.MemorySegment;

/**
 * Gather and scatter-add along one dimension. A kernel that meets an index out of range records it in a device
 * flag instead of reading; the host checks the flag after every launch and throws like the reference kernels.
 */
final class IndexKernels {
    private final CudaDevice device;
    private final CudaModule module;
    /** Device int flag + double value written by gather/scatterAdd on a bad index. */
    private final long errorFlag;
    private final MemorySegment errorHost;

    IndexKernels(CudaDevice device, CudaModule module) {
        this.device = device;
        this.module = module;
        errorHost = device.hostAlloc(64);
        errorFlag = device.rawAlloc(64, "index error flag");
        device.check(cuda_h.cuMemsetD32_v2(errorFlag, 0, 16), "cuMemsetD32_v2");
    }

    void gather(ScalarType dtype, Strided x, int dim, ScalarType indexType, Strided index, Strided out) {
        if (out.numel() == 0) {
            return;
        }
        device.makeCurrent();
        run("gather", "gather_" + KernelLaunch.suffix(dtype) + "_" + KernelLaunch.suffix(indexType), out.shape(), dim,
                new long[][] {x.strides(), index.strides(), out.strides()},
                new long[] {x.offset(), index.offset(), out.offset()},
                x.data().address(), index.data().address(), out.data().address(), x.shape()[dim], x.strides()[dim]);
    }

    void scatterAdd(ScalarType dtype, Strided out, int dim, ScalarType indexType, Strided index, Strided src) {
        if (src.numel() == 0) {
            return;
        }
        device.makeCurrent();
        run("scatterAdd", "scatter_add_" + KernelLaunch.suffix(dtype) + "_" + KernelLaunch.suffix(indexType),
                src.shape(), dim, new long[][] {out.strides(), index.strides(), src.strides()},
                new long[] {out.offset(), index.offset(), src.offset()},
                out.data().address(), index.data().address(), src.data().address(), out.shape()[dim],
                out.strides()[dim]);
    }

    private void run(String op, String kernel, long[] shape, int dim, long[][] strides, long[] offsets,
                     long p0, long p1, long p2, long size, long stride) {
        long[] sh = shape;
        long[][] st = strides;
        if (shape.length == 0) {
            sh = new long[] {1};
            st = new long[][] {{0}, {0}, {0}};
            dim = 0;
        }
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.geom(l.arena(), op, sh, st, offsets)).ptr(p0).ptr(p1).ptr(p2).i32(dim).i64(size)
                    .i64(stride).ptr(errorFlag).ptr(errorFlag + 8).run(kernel, Layouts.numel(sh));
        }
        // an index out of range was recorded instead of being read: report it like the reference kernels
        MemorySegment stream = device.stream();
        device.check(cuda_h.cuMemcpyDtoHAsync_v2(errorHost, errorFlag, 16, stream), "cuMemcpyDtoHAsync_v2(index flag)");
        device.syncStream();
        if (errorHost.get(JAVA_INT, 0) != 0) {
            double bad = errorHost.get(JAVA_DOUBLE, 8);
            device.check(cuda_h.cuMemsetD32Async(errorFlag, 0, 4, stream), "cuMemsetD32Async");
            device.syncStream();
            throw new IndexOutOfBoundsException(op + ": index " + (long) bad + " is out of range for a dimension of "
                    + "size " + size);
        }
    }
}
