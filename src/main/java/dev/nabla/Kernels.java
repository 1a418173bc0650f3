package dev.nabla;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.memory.Storage;

/**
 * Tensor-level kernel calls that record nothing: check operands, allocate the output, call the backend once.
 * The differentiable ops ({@link Pointwise}, {@link Reductions}, ...) compute their forward through these.
 */
final class Kernels {
    private Kernels() {
    }

    static void checkCompatible(String op, Tensor a, Tensor b) {
        a.checkAlive(op);
        b.checkAlive(op);
        if (a.device() != b.device()) {
            throw new IllegalArgumentException(op + ": tensors are on different devices: " + a.describe() + " and "
                    + b.describe());
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.describe() + " and " + b.describe()
                    + "; convert one with to(DType)");
        }
    }

    static Tensor unary(String op, UnaryOp kind, Tensor x, double a, double b) {
        Storage px = InFlight.pinStorage(op, x);
        try {
            Tensor out = Tensor.empty(x.dtype(), x.device(), x.rawShape());
            x.backend().unary(kind, x.dtype().scalar(), x.strided(), out.strided(), a, b);
            return out;
        } finally {
            InFlight.unpin(px);
        }
    }

    static Tensor binary(String op, BinaryOp kind, Tensor x, Tensor y) {
        checkCompatible(op, x, y);
        long[] s = Shapes.broadcast(op, x.rawShape(), y.rawShape());
        Storage px = InFlight.pinStorage(op, x);
        Storage py = InFlight.pinAlso(op, y, px);
        try {
            Tensor out = Tensor.empty(x.dtype(), x.device(), s);
            x.backend().binary(kind, x.dtype().scalar(), x.stridedAs(s), y.stridedAs(s), out.strided());
            return out;
        } finally {
            InFlight.unpin(py);
            InFlight.unpin(px);
        }
    }

    /** Normalised, duplicate-free reduction dimensions. */
    static int[] reducedDims(String op, int[] dims, int rank) {
        int[] out = new int[dims.length];
        boolean[] seen = new boolean[Math.max(rank, 1)];
        for (int i = 0; i < dims.length; i++) {
            int d = Shapes.dim(op, dims[i], rank);
            if (seen[d]) {
                throw new IllegalArgumentException(op + ": dimension " + d + " repeats in "
                        + java.util.Arrays.toString(dims));
            }
            seen[d] = true;
            out[i] = d;
        }
        return out;
    }

    /** The shape with size 1 at every reduced dimension. */
    static long[] keptShape(long[] shape, int[] dims) {
        long[] kept = shape.clone();
        for (int d : dims) {
            if (shape.length > 0) {
                kept[d] = 1;
            }
        }
        return kept;
    }

    static long[] dropDims(long[] s, int[] ds) {
        boolean[] drop = new boolean[s.length];
        for (int d : ds) {
            drop[d] = true;
        }
        long[] out = new long[s.length - ds.length];
        for (int d = 0, j = 0; d < s.length; d++) {
            if (!drop[d]) {
                out[j++] = s[d];
            }
        }
        return out;
    }

    /** Reduction over already-normalised {@code dims}; the result keeps them as size 1 when {@code keepdim}. */
    static Tensor reduce(String op, ReduceOp kind, Tensor x, int[] dims, boolean keepdim) {
        x.checkAlive(op);
        long[] shape = x.rawShape();
        if (kind == ReduceOp.MAX || kind == ReduceOp.MIN) {
            for (int d : dims) {
                if (shape.length > 0 && shape[d] == 0) {
                    throw new IllegalArgumentException(op + ": cannot reduce the empty dimension " + d + " of "
                            + x.describe());
                }
            }
        }
        long[] kept = keptShape(shape, dims);
        Tensor out = Tensor.empty(x.dtype(), x.device(), kept);
        Storage px = InFlight.pinStorage(op, x);
        try {
            x.backend().reduce(kind, x.dtype().scalar(), x.strided(), out.strided());
        } catch (RuntimeException e) {
            out.close();
            throw e;
        } finally {
            InFlight.unpin(px);
        }
        if (keepdim || dims.length == 0 || shape.length == 0) {
            return out;
        }
        try (Grad off = Grad.disabled()) {
            Tensor v = out.view(dropDims(kept, dims));
            out.close();
            return v;
        }
    }

    static Tensor argReduce(String op, ReduceOp kind, Tensor x, int dim, boolean keepdim) {
        x.checkAlive(op);
        if (x.dim() == 0) {
            return Tensor.zeros(DType.INT64, x.device());
        }
        long[] shape = x.rawShape();
        int d = Shapes.dim(op, dim, shape.length);
        if (shape[d] == 0) {
            throw new IllegalArgumentException(op + ": cannot reduce the empty dimension " + d + " of " + x.describe());
        }
        long[] kept = shape.clone();
        kept[d] = 1;
        Tensor out = Tensor.empty(DType.INT64, x.device(), kept);
        try (InFlight pins = InFlight.pin(op, x)) {
            x.backend().argReduce(kind, x.dtype().scalar(), x.strided(), d, out.strided());
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        if (keepdim) {
            return out;
        }
        try (Grad off = Grad.disabled()) {
            Tensor v = out.view(dropDims(kept, new int[] {d}));
            out.close();
            return v;
        }
    }
}
