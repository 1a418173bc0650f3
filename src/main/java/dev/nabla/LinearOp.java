package dev.nabla;

import dev.nabla.base.Strided;

/**
 * {@code y = x·wᵀ + b} for a matrix input as one recorded op (PyTorch's {@code addmm}): the bias is copied into the
 * output rows and the GEMM accumulates onto it ({@code beta = 1}), and backward is one node instead of the
 * transpose, matmul and broadcast-add nodes of the composite. Small networks pay per node and per tensor, so this
 * is where their step time goes. An input {@code [..., in]} with more dimensions runs as its rows {@code [M, in]}
 * (a view when the layout allows), so a sequence model's projection is one GEMM forward and its weight gradient one
 * GEMM over all {@code M} rows, not a batched product and a reduction over the batch. Returns null when the operands
 * need the general path (layouts GEMM cannot read in place).
 */
final class LinearOp extends Node {
    private final SavedTensor x;
    private final SavedTensor w;

    private LinearOp(Tensor x, Tensor w, Tensor b) {
        super(b == null ? new Tensor[] {x, w} : new Tensor[] {x, w, b});
        this.x = needsInputGrad(1) ? save(x) : null;
        this.w = needsInputGrad(0) ? save(w) : null;
    }

    /** The product, or null when {@link F#linear}'s composite path must run. Shapes are already checked. */
    static Tensor apply(Tensor x, Tensor w, Tensor b) {
        if (x.dtype() != w.dtype() || x.device() != w.device()
                || (b != null && (b.dtype() != x.dtype() || b.device() != x.device()))) {
            return null;
        }
        if (x.dim() > 2 && x.numel() > 0) {
            long[] shape = x.shape();
            Tensor y = apply(x.reshape(-1, shape[shape.length - 1]), w, b);
            if (y == null) {
                return null;
            }
            shape[shape.length - 1] = w.size(0);
            return y.reshape(shape);
        }
        if (x.dim() != 2) {
            return null;
        }
        long m = x.size(0);
        long k = x.size(1);
        long n = w.size(0);
        if (m == 0 || n == 0 || k == 0 || m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || k > Integer.MAX_VALUE) {
            return null;
        }
        long[] xs = x.rawStrides();
        long[] ws = w.rawStrides();
        MatMul.Operand ox = MatMul.operand(m, k, xs[0], xs[1]);
        MatMul.Operand ow = MatMul.operand(k, n, ws[1], ws[0]); // wᵀ: [k, n] with w's strides swapped
        if (ox == null || ow == null) {
            return null;
        }
        Tensor out = Tensor.empty(x.dtype(), x.device(), m, n);
        if (b == null) {
            MatMul.gemm(x, ox, w, ow, m, n, k, 0, out);
        } else if (!MatMul.gemmBias(x, ox, w, ow, b, m, n, k, out)) {
            // composed, as PyTorch's addmm: the bias broadcast into out, then the product added to it
            try (InFlight pins = InFlight.pin("linear", b)) {
                Strided rows = new Strided(b.storage().segment(), b.storageOffset(), new long[] {m, n},
                        new long[] {0, b.rawStrides()[0]});
                x.backend().copy(b.dtype().scalar(), rows, out.dtype().scalar(), out.strided());
            }
            MatMul.gemm(x, ox, w, ow, m, n, k, 1, out);
        }
        boolean record = b == null ? Node.needed(x, w) : Node.needed(x, w, b);
        return record ? new LinearOp(x, w, b).record(out) : out;
    }

    @Override
    public String name() {
        return "AddmmBackward";
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor gx = needsInputGrad(0) ? g.matmul(w.get()) : null;
        Tensor gw = needsInputGrad(1) ? g.t().matmul(x.get()) : null; // [out, in]: the weight's own layout
        Tensor gb = inputs().length > 2 && needsInputGrad(2) ? g.sum(new int[] {0}, false) : null;
        return inputs().length > 2 ? new Tensor[] {gx, gw, gb} : new Tensor[] {gx, gw};
    }
}
