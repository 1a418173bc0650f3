package dev.nabla.backend.cuda;

import dev.nabla.DType;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.Strided;
import dev.nabla.backend.UnaryOp;
import dev.nabla.bindings.cuda.cuda_h;

/**
 * The element-wise kernels over strided operands (fill, copy with dtype conversion, unary and binary ops), launched
 * over the operands' shape after {@link Layouts#collapse} merged what it can. Dense fills and same-dtype copies use
 * the driver's memset and memcpy instead.
 */
final class ElementwiseKernels {
    private final CudaDevice device;
    private final CudaModule module;

    ElementwiseKernels(CudaDevice device, CudaModule module) {
        this.device = device;
        this.module = module;
    }

    void fill(DType dtype, Strided dst, double value) {
        if (dst.numel() == 0) {
            return;
        }
        device.makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(dst.shape(), dst.strides());
        long n = Layouts.numel(c.shape());
        if (c.dense()) {
            long at = DeviceAddress.of(dst.data(), dst.offset(), dtype);
            if (dtype == DType.FLOAT32) {
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

    void copy(DType srcType, Strided src, DType dstType, Strided dst) {
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

    /** The kernels' code for a unary op ({@code unary_op} in nabla_kernels.cu). */
    static int unaryCode(UnaryOp op) {
        return switch (op) {
            case NEG -> 0;
            case EXP -> 1;
            case LOG -> 2;
            case SQRT -> 3;
            case RSQRT -> 4;
            case ABS -> 5;
            case SIGN -> 6;
            case SQUARE -> 7;
            case RECIPROCAL -> 8;
            case POW_SCALAR -> 9;
            case ADD_SCALAR -> 10;
            case MUL_SCALAR -> 11;
            case RSUB_SCALAR -> 12;
            case RDIV_SCALAR -> 13;
            case CLAMP -> 14;
            case RELU -> 15;
            case LEAKY_RELU -> 16;
            case ELU -> 17;
            case SIGMOID -> 18;
            case TANH -> 19;
            case GELU_TANH -> 20;
            case GELU_ERF -> 21;
            case SOFTPLUS -> 22;
            case SILU -> 23;
            case ERF -> 24;
            case GT_SCALAR -> 25;
            case LT_SCALAR -> 26;
            case EQ_SCALAR -> 27;
            default -> throw new UnsupportedOperationException("cuda: unary op " + op + " has no CUDA kernel yet");
        };
    }

    /** The kernels' code for a binary op ({@code binary_op} in nabla_kernels.cu). */
    static int binaryCode(BinaryOp op) {
        return switch (op) {
            case ADD -> 0;
            case SUB -> 1;
            case MUL -> 2;
            case DIV -> 3;
            case POW -> 4;
            case MAXIMUM -> 5;
            case MINIMUM -> 6;
            case EQ -> 7;
            case GT -> 8;
            case GE -> 9;
            case LT -> 10;
            case LE -> 11;
            default -> throw new UnsupportedOperationException("cuda: binary op " + op + " has no CUDA kernel yet");
        };
    }

    void unary(UnaryOp op, DType dtype, Strided x, Strided out, double a, double b) {
        if (out.numel() == 0) {
            return;
        }
        int code = unaryCode(op);
        device.makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(out.shape(), x.strides(), out.strides());
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.geom(l.arena(), "unary", c.shape(), c.strides(), new long[] {x.offset(), out.offset()}))
                    .ptr(x.data().address()).ptr(out.data().address()).i32(code).f64(a).f64(b)
                    .run("unary_" + KernelLaunch.suffix(dtype), Layouts.numel(c.shape()));
        }
    }

    void binary(BinaryOp op, DType dtype, Strided x, Strided y, Strided out) {
        if (out.numel() == 0) {
            return;
        }
        int code = binaryCode(op);
        device.makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(out.shape(), x.strides(), y.strides(), out.strides());
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.geom(l.arena(), "binary", c.shape(), c.strides(),
                            new long[] {x.offset(), y.offset(), out.offset()}))
                    .ptr(x.data().address()).ptr(y.data().address()).ptr(out.data().address()).i32(code)
                    .run("binary_" + KernelLaunch.suffix(dtype), Layouts.numel(c.shape()));
        }
    }
}
