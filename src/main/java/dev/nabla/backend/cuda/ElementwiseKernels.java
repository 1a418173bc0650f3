package dev.nabla.backend.cuda;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.bindings.cuda.cuda_h;

/**
 * The element-wise kernels over strided operands (fill, copy with dtype conversion, unary and binary ops), launched
 * over the operands' shape after {@link Layouts#collapse} merged what it can. Dense fills and same-dtype copies use
 * the driver's memset and memcpy instead. An op's code is its ordinal ({@code NABLA_UNARY_*} and
 * {@code NABLA_BINARY_*} in the generated nabla_ops.h).
 */
final class ElementwiseKernels {
    private final CudaDevice device;
    private final CudaModule module;

    ElementwiseKernels(CudaDevice device, CudaModule module) {
        this.device = device;
        this.module = module;
    }

    void fill(ScalarType dtype, Strided dst, double value) {
        if (dst.numel() == 0) {
            return;
        }
        device.makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(dst.shape(), dst.strides());
        long n = Layouts.numel(c.shape());
        if (c.dense()) {
            long at = DeviceAddress.of(dst.data(), dst.offset(), dtype);
            if (dtype == ScalarType.FLOAT32) {
                device.check(cuda_h.cuMemsetD32Async(at, Float.floatToRawIntBits((float) value), n, device.stream()),
                        "cuMemsetD32Async");
                return;
            }
            long bits = Double.doubleToRawLongBits(value);
            if ((int) bits == (int) (bits >>> 32)) {
                device.check(cuda_h.cuMemsetD32Async(at, (int) bits, 2 * n, device.stream()), "cuMemsetD32Async");
                return;
            }
        }
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.geom(l.arena(), "fill", c.shape(), c.strides(), new long[] {dst.offset()}))
                    .ptr(dst.data().address()).f64(value).run("fill_" + KernelLaunch.suffix(dtype), n);
        }
    }

    void copy(ScalarType srcType, Strided src, ScalarType dstType, Strided dst) {
        if (dst.numel() == 0) {
            return;
        }
        device.makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(dst.shape(), src.strides(), dst.strides());
        long n = Layouts.numel(c.shape());
        if (srcType == dstType && c.dense()) {
            long s = DeviceAddress.of(src.data(), src.offset(), srcType);
            long d = DeviceAddress.of(dst.data(), dst.offset(), dstType);
            if (s != d) {
                device.check(cuda_h.cuMemcpyDtoDAsync_v2(d, s, n * srcType.byteSize(), device.stream()),
                        "cuMemcpyDtoDAsync_v2");
            }
            return;
        }
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.geom(l.arena(), "copy", c.shape(), c.strides(), new long[] {src.offset(), dst.offset()}))
                    .ptr(src.data().address()).ptr(dst.data().address())
                    .run("copy_" + KernelLaunch.suffix(srcType) + "_" + KernelLaunch.suffix(dstType), n);
        }
    }

    void unary(UnaryOp op, ScalarType dtype, Strided x, Strided out, double a, double b) {
        if (out.numel() == 0) {
            return;
        }
        device.makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(out.shape(), x.strides(), out.strides());
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.geom(l.arena(), "unary", c.shape(), c.strides(), new long[] {x.offset(), out.offset()}))
                    .ptr(x.data().address()).ptr(out.data().address()).i32(op.ordinal()).f64(a).f64(b)
                    .run("unary_" + KernelLaunch.suffix(dtype), Layouts.numel(c.shape()));
        }
    }

    void binary(BinaryOp op, ScalarType dtype, Strided x, Strided y, Strided out) {
        if (out.numel() == 0) {
            return;
        }
        device.makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(out.shape(), x.strides(), y.strides(), out.strides());
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.geom(l.arena(), "binary", c.shape(), c.strides(),
                            new long[] {x.offset(), y.offset(), out.offset()}))
                    .ptr(x.data().address()).ptr(y.data().address()).ptr(out.data().address()).i32(op.ordinal())
                    .run("binary_" + KernelLaunch.suffix(dtype), Layouts.numel(c.shape()));
        }
    }
}
