package dev.nabla;

import dev.nabla.memory.Storage;
import java.util.Arrays;

/**
 * {@code torch.matmul} on top of the backend's (batched) GEMM. Operands are passed to BLAS as they lie in
 * memory whenever each matrix has a unit stride in one of its two dimensions (a transposed view becomes a
 * transpose flag); only other layouts are copied.
 */
final class MatMul {
    private MatMul() {
    }

    /** How a matrix view is handed to GEMM: as is or transposed, with its leading dimension. */
    record Operand(boolean trans, int ld) {
    }

    /** GEMM operand for a {@code rows x cols} matrix with the given strides, or null if it needs a copy. */
    static Operand operand(long rows, long cols, long rs, long cs) {
        if ((cs == 1 || cols == 1) && (rows == 1 || rs >= Math.max(1, cols))) {
            long ld = rows == 1 ? Math.max(1, cols) : rs;
            return ld <= Integer.MAX_VALUE ? new Operand(false, (int) ld) : null;
        }
        if ((rs == 1 || rows == 1) && (cols == 1 || cs >= Math.max(1, rows))) {
            long ld = cols == 1 ? Math.max(1, rows) : cs;
            return ld <= Integer.MAX_VALUE ? new Operand(true, (int) ld) : null;
        }
        return null;
    }

    /** One stride that walks all batch dimensions of {@code strides[0..n)} in order, or -1 if none does. */
    private static long batchStride(long[] shape, long[] strides, int n) {
        long stride = -1;
        long expected = -1;
        for (int d = n - 1; d >= 0; d--) {
            if (shape[d] == 1) {
                continue;
            }
            if (stride == -1) {
                stride = strides[d];
                expected = strides[d] * shape[d];
            } else if (strides[d] == expected) {
                expected = strides[d] * shape[d];
            } else {
                return -1;
            }
        }
        return stride == -1 ? 0 : stride;
    }

    /** The differentiable matmul: forward through GEMM, backward as two more matmuls. */
    static Tensor apply(Tensor a, Tensor b) {
        Tensor out = matmul(a, b);
        return Node.needed(a, b) ? new Backward(a, b).record(out) : out;
    }

    /** dA = dC · Bᵀ and dB = Aᵀ · dC, summed over broadcast batch dimensions; 1-D operands handled as vectors. */
    static final class Backward extends Node {
        private final SavedTensor a;
        private final SavedTensor b;

        private Backward(Tensor a, Tensor b) {
            super(a, b);
            this.a = needsInputGrad(1) ? save(a) : null;
            this.b = needsInputGrad(0) ? save(b) : null;
        }

        @Override
        public String name() {
            return "MatMulBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor[] in = inputs();
            long[] aShape = in[0].rawShape();
            long[] bShape = in[1].rawShape();
            boolean vecA = aShape.length == 1;
            boolean vecB = bShape.length == 1;
            // Re-insert the dimensions matmul removed for 1-D operands, so g is [..., m, n].
            Tensor g2 = g;
            if (vecA) {
                g2 = g2.unsqueeze(vecB ? 0 : g2.dim() - 1);
            }
            if (vecB) {
                g2 = g2.unsqueeze(g2.dim());
            }
            Tensor ga = null;
            Tensor gb = null;
            if (needsInputGrad(0)) {
                Tensor b2 = vecB ? b.get().unsqueeze(1) : b.get();
                Tensor full = g2.matmul(b2.transpose(-1, -2));
                long[] a2Shape = vecA ? new long[] {1, aShape[0]} : aShape;
                ga = Pointwise.sumTo(full, a2Shape).reshape(aShape);
            }
            if (needsInputGrad(1)) {
                Tensor a2 = vecA ? a.get().unsqueeze(0) : a.get();
                Tensor full = columnMajor(in[1]) && a2.dim() == 2
                        // Linear's weight.t(): produce the gradient in the weight's own layout, so that the
                        // transpose's backward hands the weight a contiguous gradient (no strided copy later)
                        ? g2.transpose(-1, -2).matmul(a2).transpose(-1, -2)
                        : a2.transpose(-1, -2).matmul(g2);
                long[] b2Shape = vecB ? new long[] {bShape[0], 1} : bShape;
                gb = Pointwise.sumTo(full, b2Shape).reshape(bShape);
            }
            return new Tensor[] {ga, gb};
        }
    }

    /** True for a 2-D matrix laid out column by column (the transpose of a contiguous matrix), size 1 aside. */
    private static boolean columnMajor(Tensor t) {
        if (t.dim() != 2) {
            return false;
        }
        long[] st = t.rawStrides();
        long rows = t.size(0);
        long cols = t.size(1);
        return rows > 1 && cols > 1 && st[0] == 1 && st[1] == rows;
    }

    static Tensor matmul(Tensor a, Tensor b) {
        String op = "matmul";
        a.checkAlive(op);
        b.checkAlive(op);
        if (a.device() != b.device()) {
            throw new IllegalArgumentException(op + ": tensors are on different devices: " + a.describe() + " and "
                    + b.describe());
        }
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.describe() + " and " + b.describe());
        }
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException(op + ": both arguments need at least 1 dimension, got "
                    + a.describe() + " and " + b.describe());
        }
        Tensor direct = matrixProduct(a, b);
        if (direct != null) {
            return direct;
        }
        try (Scope scope = Scope.open(); Grad off = Grad.disabled()) {
            return scope.keep(matmulInScope(a, b));
        }
    }

    /**
     * The common case (Linear layers, their gradients): two matrices GEMM can read as they lie. Goes straight to
     * the backend, without the helper views, inner scope and grad-mode switch of the general path, which cost
     * several microseconds per call. Null when the general path is needed.
     */
    private static Tensor matrixProduct(Tensor a, Tensor b) {
        if (a.dim() != 2 || b.dim() != 2) {
            return null;
        }
        long[] as = a.rawShape();
        long[] bs = b.rawShape();
        long m = as[0];
        long k = as[1];
        long n = bs[1];
        if (k != bs[0] || m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || k > Integer.MAX_VALUE) {
            return null; // the general path reports it
        }
        long[] sa = a.rawStrides();
        long[] sb = b.rawStrides();
        Operand oa = operand(m, k, sa[0], sa[1]);
        Operand ob = operand(k, n, sb[0], sb[1]);
        if (oa == null || ob == null) {
            return null;
        }
        // GEMM with beta = 0 overwrites C, so only an empty inner dimension needs zeros
        Tensor out = k == 0 ? Tensor.zeros(a.dtype(), a.device(), m, n) : Tensor.empty(a.dtype(), a.device(), m, n);
        if (m > 0 && n > 0 && k > 0) {
            gemm(a, oa, b, ob, m, n, k, 0.0, out);
        }
        return out;
    }

    /**
     * {@code out = a·b + beta·out} for operands GEMM reads in place ({@link #operand}); {@code out} is [m, n], a
     * tensor the caller just allocated (not visible to other threads, so only a and b are pinned).
     */
    static void gemm(Tensor a, Operand oa, Tensor b, Operand ob, long m, long n, long k, double beta, Tensor out) {
        Storage pa = InFlight.pinStorage("matmul", a);
        Storage pb = InFlight.pinAlso("matmul", b, pa);
        try {
            a.backend().gemm(a.dtype().scalar(), oa.trans(), ob.trans(), (int) m, (int) n, (int) k, 1.0,
                    pa.segment(), a.storageOffset(), oa.ld(), pb.segment(), b.storageOffset(),
                    ob.ld(), beta, out.storage().segment(), out.storageOffset(), (int) n);
        } finally {
            InFlight.unpin(pb);
            InFlight.unpin(pa);
        }
    }

    /**
     * {@code out = op(a) op(b) + bias} in one backend call when the backend has such a product for these operands
     * ({@code Backend.gemmBias}) and the bias is contiguous.
     *
     * @return false when nothing was written (the caller composes)
     */
    static boolean gemmBias(Tensor a, Operand oa, Tensor b, Operand ob, Tensor bias, long m, long n, long k,
                            Tensor out) {
        if (bias.rawStrides()[0] != 1 && n > 1) {
            return false;
        }
        try (InFlight pins = InFlight.pin("linear", a, b, bias)) {
            return a.backend().gemmBias(a.dtype().scalar(), oa.trans(), ob.trans(), (int) m, (int) n, (int) k,
                    a.storage().segment(), a.storageOffset(), oa.ld(), b.storage().segment(), b.storageOffset(),
                    ob.ld(), bias.storage().segment(), bias.storageOffset(), out.storage().segment(),
                    out.storageOffset(), (int) n);
        }
    }

    private static Tensor matmulInScope(Tensor a, Tensor b) {
        String op = "matmul";
        boolean vecA = a.dim() == 1;
        boolean vecB = b.dim() == 1;
        Tensor a2 = vecA ? a.unsqueeze(0) : a;
        Tensor b2 = vecB ? b.unsqueeze(1) : b;
        long[] as = a2.rawShape();
        long[] bs = b2.rawShape();
        long m = as[as.length - 2];
        long k = as[as.length - 1];
        long kb = bs[bs.length - 2];
        long n = bs[bs.length - 1];
        if (k != kb) {
            throw new IllegalArgumentException(op + ": shapes " + Shapes.str(a.shape()) + " and "
                    + Shapes.str(b.shape()) + " do not align (" + k + " != " + kb + ")");
        }
        long[] batchA = Arrays.copyOf(as, as.length - 2);
        long[] batchB = Arrays.copyOf(bs, bs.length - 2);
        long[] batch;
        try {
            batch = Shapes.broadcast(op, batchA, batchB);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": shapes " + Shapes.str(a.shape()) + " and "
                    + Shapes.str(b.shape()) + " have batch dimensions " + Shapes.str(batchA) + " and "
                    + Shapes.str(batchB) + " that cannot be broadcast", e);
        }
        long[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        if (m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || k > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": matrix dimensions exceed 2^31-1: " + m + "x" + k + " times "
                    + k + "x" + n);
        }
        // GEMM with beta = 0 overwrites C, so only an empty inner dimension needs zeros
        Tensor out = k == 0 ? Tensor.zeros(a.dtype(), a.device(), outShape)
                : Tensor.empty(a.dtype(), a.device(), outShape);
        long count = Shapes.numel(batch);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": batch of " + count + " matrices is too large");
        }
        if (count > 0 && m > 0 && n > 0) {
            {
                Tensor ea = gemmReady(a2.expand(withMatrix(batch, m, k)), m, k);
                Tensor eb = gemmReady(b2.expand(withMatrix(batch, k, n)), k, n);
                Operand oa = operand(m, k, ea.rawStrides()[batch.length], ea.rawStrides()[batch.length + 1]);
                Operand ob = operand(k, n, eb.rawStrides()[batch.length], eb.rawStrides()[batch.length + 1]);
                long sa = batchStride(ea.rawShape(), ea.rawStrides(), batch.length);
                long sb = batchStride(eb.rawShape(), eb.rawStrides(), batch.length);
                if (count == 1) {
                    gemm(ea, oa, eb, ob, m, n, k, 0.0, out);
                } else {
                    try (InFlight pins = InFlight.pin(op, ea, eb)) {
                        a.backend().batchedGemm(a.dtype().scalar(), oa.trans(), ob.trans(), (int) m, (int) n,
                                (int) k, 1.0,
                                ea.storage().segment(), ea.storageOffset(), oa.ld(), sa,
                                eb.storage().segment(), eb.storageOffset(), ob.ld(), sb,
                                0.0, out.storage().segment(), 0, (int) n, m * n, (int) count);
                    }
                }
            }
        }
        if (vecA && vecB) {
            return out.view();
        }
        if (vecA) {
            return out.squeeze(outShape.length - 2);
        }
        return vecB ? out.squeeze(-1) : out;
    }

    private static long[] withMatrix(long[] batch, long rows, long cols) {
        long[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = rows;
        s[batch.length + 1] = cols;
        return s;
    }

    /** The view itself when GEMM can read it in place, else a contiguous copy. */
    private static Tensor gemmReady(Tensor t, long rows, long cols) {
        long[] st = t.rawStrides();
        int r = st.length;
        boolean matrixOk = operand(rows, cols, st[r - 2], st[r - 1]) != null;
        boolean batchOk = batchStride(t.rawShape(), st, r - 2) >= 0;
        return matrixOk && batchOk ? t : t.clone();
    }
}
