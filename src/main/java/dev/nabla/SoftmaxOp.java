package dev.nabla;

/**
 * Softmax and log-softmax over the last dimension through the backend's fused kernels
 * ({@link dev.nabla.backend.Backend#softmax}): two passes over each row forward, two backward, from the saved
 * output. {@link #apply} returns null when the backend has no such kernel or the dimension is not the last one, and
 * {@link Tensor#softmax}/{@link Tensor#logSoftmax} then compose the op from max, subtract, exp, sum and divide. When
 * the backward itself is recorded ({@code createGraph}), it is written with Tensor ops, so it can be differentiated
 * again.
 */
final class SoftmaxOp extends Node {
    private final SavedTensor y;
    private final boolean log;
    private final int dim;

    private SoftmaxOp(Tensor x, Tensor y, boolean log, int dim) {
        super(x);
        this.y = save(y);
        this.log = log;
        this.dim = dim;
    }

    /** Softmax (or log-softmax) of {@code x} along {@code dim}, or null when it cannot run fused. */
    static Tensor apply(Tensor x, int dim, boolean log) {
        if (x.dim() == 0 || x.numel() == 0) {
            return null;
        }
        int d = Shapes.dim(log ? "logSoftmax" : "softmax", dim, x.dim());
        if (d != x.dim() - 1) {
            return null;
        }
        Tensor in = x.contiguous();
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.shape());
        boolean done;
        try (InFlight pins = InFlight.pin(log ? "logSoftmax" : "softmax", in)) {
            done = x.backend().softmax(x.dtype().scalar(), in.strided(), out.strided(), log);
        }
        if (!done) {
            out.close();
            return null;
        }
        return Node.needed(x) ? new SoftmaxOp(x, out, log, d).record(out) : out;
    }

    @Override
    public String name() {
        return log ? "LogSoftmaxBackward" : "SoftmaxBackward";
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor out = y.get();
        if (!Grad.isEnabled()) { // not recorded: the fused kernel
            Tensor gradIn = Tensor.empty(g.dtype(), g.device(), g.shape());
            Tensor gc = g.contiguous();
            boolean done;
            try (InFlight pins = InFlight.pin(name(), out, gc)) {
                done = g.backend().softmaxBackward(g.dtype().scalar(), out.strided(), gc.strided(),
                        gradIn.strided(), log);
            }
            if (done) {
                return new Tensor[] {gradIn};
            }
            gradIn.close();
        }
        // createGraph (or no kernel): the same formula in Tensor ops, differentiable again
        return new Tensor[] {log ? g.sub(out.exp().mul(g.sum(dim, true)))
                : out.mul(g.sub(g.mul(out).sum(dim, true)))};
    }
}
