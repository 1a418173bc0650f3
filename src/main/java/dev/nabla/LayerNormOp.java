package dev.nabla;

import java.util.Arrays;

/**
 * {@link F#layerNorm} as one recorded op through the backend's fused kernels
 * ({@link dev.nabla.backend.Backend#layerNorm}): one pass per row forward, saving each row's mean and
 * {@code 1/sqrt(var + eps)}, and one backward kernel for the input, weight and bias gradients, where the composite
 * ran about eight kernels forward and fifteen backward. {@link #apply} returns null when the backend has no such
 * kernel (and for dtypes it declines); the composite then runs. When the backward itself is recorded
 * ({@code createGraph}) it is written with Tensor ops, the statistics recomputed from the input, so that it can be
 * differentiated again.
 */
final class LayerNormOp extends Node {
    private final SavedTensor x;
    private final SavedTensor weight;
    private final SavedTensor mean;
    private final SavedTensor rstd;
    private final int[] dims;
    private final double eps;

    private LayerNormOp(Tensor x, Tensor weight, Tensor bias, Tensor mean, Tensor rstd, int[] dims, double eps) {
        super(x, weight, bias);
        this.x = save(x);
        this.weight = weight == null ? null : save(weight);
        this.mean = save(mean);
        this.rstd = save(rstd);
        this.dims = dims;
        this.eps = eps;
    }

    /**
     * Layer normalisation of {@code x} over its trailing {@code dims} (checked by the caller), or null when it
     * cannot run fused (empty input, mixed dtypes or devices, a weight or bias not shaped like the normalised
     * dimensions, no kernel).
     */
    static Tensor apply(Tensor x, int[] dims, Tensor weight, Tensor bias, double eps) {
        long[] normalized = Arrays.copyOfRange(x.shape(), dims[0], x.dim());
        if (x.numel() == 0 || !fits(x, weight, normalized) || !fits(x, bias, normalized)) {
            return null;
        }
        long n = 1;
        for (int d : dims) {
            n *= x.size(d);
        }
        long rows = x.numel() / n;
        Tensor xc = x.contiguous();
        Tensor wc = weight == null ? null : weight.contiguous();
        Tensor bc = bias == null ? null : bias.contiguous();
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.shape());
        Tensor mean = Tensor.empty(x.dtype(), x.device(), rows);
        Tensor rstd = Tensor.empty(x.dtype(), x.device(), rows);
        boolean done;
        try (InFlight pins = InFlight.pin("layerNorm", xc, wc, bc)) {
            done = x.backend().layerNorm(x.dtype().scalar(), xc.strided(), n, wc == null ? null : wc.strided(),
                    bc == null ? null : bc.strided(), eps, out.strided(), mean.strided(), rstd.strided());
        }
        if (!done) {
            out.close();
            mean.close();
            rstd.close();
            return null;
        }
        if (!Node.needed(xc, wc, bc)) {
            mean.close();
            rstd.close();
            return out;
        }
        return new LayerNormOp(xc, wc, bc, mean, rstd, dims, eps).record(out);
    }

    private static boolean fits(Tensor x, Tensor p, long[] normalized) {
        return p == null || p.dtype() == x.dtype() && p.device() == x.device()
                && Arrays.equals(p.shape(), normalized);
    }

    @Override
    public String name() {
        return "NativeLayerNormBackward";
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor xt = x.get();
        Tensor wt = weight == null ? null : weight.get();
        Tensor bias = inputs()[2];
        if (!Grad.isEnabled()) {
            Tensor[] fused = fusedBackward(xt, wt, bias, g);
            if (fused != null) {
                return fused;
            }
        }
        // createGraph (or no kernel): the same gradients in Tensor ops, the statistics recomputed from x
        Tensor mu = xt.mean(dims, true);
        Tensor r = xt.var(dims, 0, true).add(eps).rsqrt();
        Tensor xhat = xt.sub(mu).mul(r);
        Tensor gy = wt == null ? g : g.mul(wt);
        Tensor gi = needsInputGrad(0)
                ? gy.sub(gy.mean(dims, true)).sub(xhat.mul(gy.mul(xhat).mean(dims, true))).mul(r) : null;
        Tensor gw = needsInputGrad(1) ? Pointwise.sumTo(g.mul(xhat), wt.rawShape()) : null;
        Tensor gb = needsInputGrad(2) ? Pointwise.sumTo(g, bias.rawShape()) : null;
        return new Tensor[] {gi, gw, gb};
    }

    private Tensor[] fusedBackward(Tensor xt, Tensor wt, Tensor bias, Tensor g) {
        Tensor gc = g.contiguous();
        Tensor gi = needsInputGrad(0) ? Tensor.empty(xt.dtype(), xt.device(), xt.shape()) : null;
        Tensor gw = needsInputGrad(1) ? Tensor.empty(wt.dtype(), wt.device(), wt.shape()) : null;
        Tensor gb = needsInputGrad(2) ? Tensor.empty(bias.dtype(), bias.device(), bias.shape()) : null;
        Tensor m = mean.get();
        Tensor r = rstd.get();
        long n = xt.numel() / m.numel();
        boolean done;
        try (InFlight pins = InFlight.pin(name(), xt, gc, wt, m, r)) {
            done = xt.backend().layerNormBackward(xt.dtype().scalar(), xt.strided(), n, gc.strided(),
                    wt == null ? null : wt.strided(), m.strided(), r.strided(), gi == null ? null : gi.strided(),
                    gw == null ? null : gw.strided(), gb == null ? null : gb.strided());
        }
        if (done) {
            return new Tensor[] {gi, gw, gb};
        }
        for (Tensor t : new Tensor[] {gi, gw, gb}) {
            if (t != null) {
                t.close();
            }
        }
        return null;
    }
}
