package dev.nabla;

import dev.nabla.base.Strided;

/**
 * Batch normalisation through the backend's fused kernels ({@link dev.nabla.backend.Backend#batchNorm}): a forward
 * that computes each channel's statistics and normalises in one call, and a backward that computes the three
 * gradients in two passes over {@code x} and the output gradient. {@link #apply} returns null when the backend has
 * no such kernel (or the operands do not suit it), and {@link F#batchNorm} then composes the op from reductions and
 * element-wise ops. When the backward itself is recorded ({@code createGraph}), it is written with Tensor ops from
 * the saved input, so it can be differentiated again.
 */
@SuppressWarnings("try") // Grad guards are opened for their effect only
final class BatchNormOp extends Node {
    private final SavedTensor x;
    private final SavedTensor weight;
    private final SavedTensor mean;
    private final SavedTensor var;
    private final boolean batchStats;
    private final double eps;

    private BatchNormOp(Tensor x, Tensor weight, Tensor bias, Tensor mean, Tensor var, boolean batchStats,
                        double eps) {
        super(x, weight, bias);
        this.x = save(x);
        this.weight = weight == null ? null : save(weight);
        this.mean = save(mean);
        this.var = save(var);
        this.batchStats = batchStats;
        this.eps = eps;
    }

    /**
     * Batch normalisation of {@code x} (arguments as {@link F#batchNorm}, already checked), or null when the backend
     * cannot run it fused: no kernel, an operand of another dtype or device, an empty input, or running statistics
     * that require grad.
     */
    static Tensor apply(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                        boolean training, double momentum, double eps) {
        boolean batchStats = training || runningMean == null || runningVar == null;
        if (x.numel() == 0 || !suits(x, weight) || !suits(x, bias)
                || !batchStats && (!suits(x, runningMean) || !suits(x, runningVar)
                        || runningMean.requiresGrad() || runningVar.requiresGrad())) {
            return null;
        }
        long c = x.size(1);
        boolean record = Node.needed(x, weight, bias);
        Tensor in;
        Tensor w;
        Tensor b;
        Tensor mean;
        Tensor var;
        try (Grad off = Grad.disabled()) {
            in = x.contiguous();
            w = weight == null ? null : weight.contiguous();
            b = bias == null ? null : bias.contiguous();
            if (batchStats) {
                mean = Tensor.empty(x.dtype(), x.device(), c);
                var = Tensor.empty(x.dtype(), x.device(), c);
            } else if (record) { // the node keeps the statistics the forward used, whatever happens to the buffers
                mean = runningMean.clone();
                var = runningVar.clone();
            } else {
                mean = runningMean.contiguous();
                var = runningVar.contiguous();
            }
        }
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.shape());
        boolean done;
        try (InFlight pins = InFlight.pin("batchNorm", in, w, b, mean, var)) {
            done = x.backend().batchNorm(x.dtype().scalar(), in.strided(), strided(w), strided(b), batchStats, eps,
                    mean.strided(), var.strided(), out.strided());
        }
        if (!done) {
            out.close();
            if (batchStats || record) {
                mean.close();
                var.close();
            }
            return null;
        }
        if (training && runningMean != null && runningVar != null) {
            F.updateRunningStats(runningMean, runningVar, mean, var, momentum, x.numel() / c);
        }
        if (!record) {
            if (batchStats) {
                mean.close();
                var.close();
            }
            return out;
        }
        return new BatchNormOp(x, weight, bias, mean, var, batchStats, eps).record(out);
    }

    /** True if the optional operand {@code t} can go to the kernel with {@code x}: same dtype and device. */
    private static boolean suits(Tensor x, Tensor t) {
        if (t == null) {
            return true;
        }
        t.checkAlive("batchNorm");
        return t.dtype() == x.dtype() && t.device() == x.device();
    }

    private static Strided strided(Tensor t) {
        return t == null ? null : t.strided();
    }

    @Override
    public String name() {
        return "NativeBatchNormBackward";
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor xs = x.get();
        Tensor w = weight == null ? null : weight.get();
        if (!Node.needed(g, xs, w)) {
            Tensor[] grads = fused(g, xs, w);
            if (grads != null) {
                return grads;
            }
        }
        return composed(g, xs, w);
    }

    /** The gradients from the backend's kernel (nothing recorded), or null when it has none. */
    private Tensor[] fused(Tensor g, Tensor xs, Tensor w) {
        long c = xs.size(1);
        Tensor gradIn = needsInputGrad(0) ? Tensor.empty(xs.dtype(), xs.device(), xs.shape()) : null;
        Tensor gradWeight = needsInputGrad(1) ? Tensor.empty(xs.dtype(), xs.device(), c) : null;
        Tensor gradBias = needsInputGrad(2) ? Tensor.empty(xs.dtype(), xs.device(), c) : null;
        boolean done;
        try (Grad off = Grad.disabled()) {
            Tensor in = xs.contiguous();
            Tensor go = g.contiguous();
            Tensor wc = w == null ? null : w.contiguous();
            Tensor m = mean.get();
            Tensor v = var.get();
            try (InFlight pins = InFlight.pin(name(), in, go, wc, m, v)) {
                done = xs.backend().batchNormBackward(xs.dtype().scalar(), in.strided(), go.strided(), strided(wc),
                        m.strided(), v.strided(), batchStats, eps, strided(gradIn), strided(gradWeight),
                        strided(gradBias));
            }
        }
        if (!done) {
            for (Tensor t : new Tensor[] {gradIn, gradWeight, gradBias}) {
                if (t != null) {
                    t.close();
                }
            }
            return null;
        }
        return new Tensor[] {gradIn, gradWeight, gradBias};
    }

    /**
     * The gradients written with differentiable Tensor ops (for double backward): with {@code xhat = (x - mean) *
     * invStd}, {@code dbias = sum(g)}, {@code dweight = sum(g * xhat)}, and {@code dx = invStd * (gw - mean(gw) -
     * xhat * mean(gw * xhat))} with {@code gw = g * weight} when the statistics are the batch's (recomputed here
     * from {@code x}, so they are differentiated too), else {@code dx = gw * invStd}.
     */
    private Tensor[] composed(Tensor g, Tensor xs, Tensor w) {
        int rank = xs.dim();
        int[] dims = F.allBut(rank, 1);
        long[] cs = F.channelShape(rank, xs.size(1));
        Tensor m;
        Tensor invStd;
        if (batchStats) {
            m = xs.mean(dims, true);
            invStd = xs.var(dims, 0, true).add(eps).rsqrt();
        } else {
            m = mean.get().reshape(cs);
            invStd = var.get().reshape(cs).add(eps).rsqrt();
        }
        Tensor xhat = xs.sub(m).mul(invStd);
        Tensor gradIn = null;
        if (needsInputGrad(0)) {
            Tensor gw = w == null ? g : g.mul(w.reshape(cs));
            gradIn = batchStats
                    ? gw.sub(gw.mean(dims, true)).sub(xhat.mul(gw.mul(xhat).mean(dims, true))).mul(invStd)
                    : gw.mul(invStd);
        }
        Tensor gradWeight = needsInputGrad(1) ? g.mul(xhat).sum(dims, false) : null;
        Tensor gradBias = needsInputGrad(2) ? g.sum(dims, false) : null;
        return new Tensor[] {gradIn, gradWeight, gradBias};
    }
}
