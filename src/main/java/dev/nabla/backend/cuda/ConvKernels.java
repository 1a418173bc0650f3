package dev.nabla.backend.cuda;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;

/** The sliding-window kernels behind convolution: im2col and its adjoint col2im (deterministic, no atomics). */
final class ConvKernels {
    private final CudaDevice device;
    private final CudaModule module;

    ConvKernels(CudaDevice device, CudaModule module) {
        this.device = device;
        this.module = module;
    }

    void im2col(ScalarType dtype, Strided x, ConvGeometry geometry, double padValue, Strided cols) {
        if (cols.numel() == 0) {
            return;
        }
        device.makeCurrent();
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.convg(l.arena(), x.shape(), geometry, x.offset(), x.strides(), cols.offset(),
                            cols.strides()))
                    .ptr(x.data().address()).ptr(cols.data().address()).f64(padValue)
                    .run("im2col_" + KernelLaunch.suffix(dtype), cols.numel());
        }
    }

    void col2im(ScalarType dtype, Strided cols, ConvGeometry geometry, Strided x) {
        if (x.numel() == 0 || cols.numel() == 0) {
            return;
        }
        device.makeCurrent();
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.convg(l.arena(), x.shape(), geometry, x.offset(), x.strides(), cols.offset(),
                            cols.strides()))
                    .ptr(cols.data().address()).ptr(x.data().address())
                    .run("col2im_" + KernelLaunch.suffix(dtype), x.numel());
        }
    }
}
