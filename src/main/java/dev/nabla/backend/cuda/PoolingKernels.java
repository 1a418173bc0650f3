package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Fused max pooling ({@code native/cuda/nabla_fused.cuh}): the forward in one launch with a thread per output (a
 * window is a handful of reads, too little for a block), writing the window's maximum and its plane position; the
 * backward in one launch with a block per input plane that zeroes the plane and adds each output gradient at its
 * position (the composed form unfolds, takes the arg-max and gathers, then scatters and folds back).
 */
final class PoolingKernels {
    /** Plane positions stored in a float32 index tensor must be exact. */
    private static final long FLOAT32_EXACT = 1L << 24;
    /** Bytes of the kernels' {@code PoolG} struct: five int64 sizes, then eight int32 window parameters. */
    private static final long POOLG_BYTES = 72;
    private static final int PLANE_THREADS = 256;

    private final CudaDevice device;
    private final CudaModule module;

    PoolingKernels(CudaDevice device, CudaModule module) {
        this.device = device;
        this.module = module;
    }

    boolean maxPool2d(ScalarType dtype, Strided x, ConvGeometry g, Strided out, Strided indices) {
        if (!dtype.isStandardFloat() || x.rank() != 4 || !x.isContiguous() || !out.isContiguous() || !indices.isContiguous()) {
            return false;
        }
        long h = x.shape()[2];
        long w = x.shape()[3];
        if (dtype == ScalarType.FLOAT32 && h * w > FLOAT32_EXACT) {
            return false;
        }
        if (out.numel() == 0) {
            return true;
        }
        device.makeCurrent();
        try (KernelLaunch l = module.launch()) {
            l.struct(poolg(l.arena(), x.shape()[0] * x.shape()[1], h, w, g))
                    .ptr(DeviceAddress.of(x, dtype)).ptr(DeviceAddress.of(out, dtype))
                    .ptr(DeviceAddress.of(indices, dtype)).run("max_pool2d_" + KernelLaunch.suffix(dtype), out.numel());
        }
        return true;
    }

    boolean maxPool2dBackward(ScalarType dtype, Strided gradOut, Strided indices, Strided gradIn) {
        if (!dtype.isStandardFloat() || gradIn.rank() != 4 || !gradOut.isContiguous() || !indices.isContiguous() || !gradIn.isContiguous()) {
            return false;
        }
        long planes = gradIn.shape()[0] * gradIn.shape()[1];
        if (gradIn.numel() == 0) {
            return true;
        }
        long hw = gradIn.shape()[2] * gradIn.shape()[3];
        long l = gradOut.numel() / planes;
        device.makeCurrent();
        LaunchShape shape = LaunchShape.perRow(device, planes, Math.max(hw, l), PLANE_THREADS);
        try (KernelLaunch k = module.launch()) {
            k.ptr(DeviceAddress.of(gradOut, dtype)).ptr(DeviceAddress.of(indices, dtype))
                    .ptr(DeviceAddress.of(gradIn, dtype)).i64(planes).i64(hw).i64(l)
                    .run("max_pool2d_backward_" + KernelLaunch.suffix(dtype), shape.blocks(), shape.threads());
        }
        return true;
    }

    private static MemorySegment poolg(Arena arena, long planes, long h, long w, ConvGeometry g) {
        MemorySegment s = arena.allocate(POOLG_BYTES, 8);
        long[] sizes = {planes, h, w, g.outH(h), g.outW(w)};
        for (int i = 0; i < sizes.length; i++) {
            s.setAtIndex(JAVA_LONG, i, sizes[i]);
        }
        int[] window = {g.kernelH(), g.kernelW(), g.strideH(), g.strideW(), g.padH(), g.padW(), g.dilationH(),
            g.dilationW()};
        for (int i = 0; i < window.length; i++) {
            s.set(JAVA_INT, 40 + 4L * i, window[i]);
        }
        return s;
    }
}
