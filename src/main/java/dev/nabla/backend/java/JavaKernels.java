package dev.nabla.backend.java;

import dev.nabla.DType;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Strided;
import dev.nabla.backend.UnaryOp;

/** Element-wise, copy and reduction kernels in pure Java. */
final class JavaKernels {
    private JavaKernels() {
    }

    static void fill(boolean useVector, DType dtype, Strided dst, double value) {
        ReferenceKernels.fill(dtype, dst, value);
    }

    static void copy(boolean useVector, DType srcType, Strided src, DType dstType, Strided dst) {
        ReferenceKernels.copy(srcType, src, dstType, dst);
    }

    static void unary(boolean useVector, UnaryOp op, DType dtype, Strided x, Strided out, double a, double b) {
        ReferenceKernels.unary(op, dtype, x, out, a, b);
    }

    static void binary(boolean useVector, BinaryOp op, DType dtype, Strided x, Strided y, Strided out) {
        ReferenceKernels.binary(op, dtype, x, y, out);
    }

    static void reduce(boolean useVector, ReduceOp op, DType dtype, Strided x, Strided out) {
        ReferenceKernels.reduce(op, dtype, x, out);
    }

    static void argReduce(ReduceOp op, DType dtype, Strided x, int dim, Strided out) {
        ReferenceKernels.argReduce(op, dtype, x, dim, out);
    }
}
