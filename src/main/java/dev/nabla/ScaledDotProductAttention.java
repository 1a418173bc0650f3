package dev.nabla;

import dev.nabla.backend.AttentionProblem;
import dev.nabla.base.AttentionDropout;
import dev.nabla.base.Strided;
import java.util.Arrays;

/**
 * {@link F#scaledDotProductAttention} as one recorded op. Where the backend has a fused kernel
 * ({@link dev.nabla.backend.Backend#attention}: the java and cpu devices) the forward keeps only the output and
 * one log-sum-exp per query row, and the backward recomputes the weights blockwise from q, k and those sums, so no
 * {@code L x S} matrix is ever allocated; dropout is regenerated from a saved seed ({@link AttentionDropout}).
 * The cpu backend's kernel is built from OpenBLAS GEMMs over blocks; it was faster than the composite from the
 * character model's context 128 to L = 2048 in all but one of the README's readings, so the fused kernel runs
 * whenever the backend has one, for inference and training alike. Elsewhere, and as the test reference, {@link #composite} builds the op from matmul, softmax and
 * dropout. A recorded backward ({@code createGraph}) is written in Tensor ops, so it can be differentiated again.
 * Masks are constants: they receive no gradient.
 */
final class ScaledDotProductAttention extends Node {
    private final SavedTensor q;
    private final SavedTensor k;
    private final SavedTensor v;
    private final SavedTensor out;
    private final SavedTensor lse;
    private final Tensor mask; // additive, expanded to batch + [L, S]; a constant, kept alive by this node
    private final Spec spec;

    /** What the op's two halves share besides tensors. */
    private record Spec(long[] batch, boolean causal, double scale, double dropoutP, long seed) {
    }

    /**
     * The node over inputs {@code q}, {@code k}, {@code v}, saving {@code qc}, {@code kc}, {@code vc}: the same values
     * in the layout the kernel read (the forward's contiguous copies of strided heads), so that backward does not
     * copy them again.
     */
    private ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor qc, Tensor kc, Tensor vc, Tensor out,
                                      Tensor lse, Tensor mask, Spec spec) {
        super(q, k, v);
        this.q = save(qc);
        this.k = save(kc);
        this.v = save(vc);
        this.out = save(out);
        this.lse = save(lse);
        this.mask = mask;
        this.spec = spec;
    }

    static Tensor apply(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP, boolean causal, double scale,
                        Generator generator) {
        String op = "scaledDotProductAttention";
        check(op, q, k, v, mask, dropoutP, scale);
        DType t = q.dtype();
        if (t == DType.BFLOAT16 || t == DType.FLOAT16) { // computed in float32, as the other reduced-precision ops
            Tensor m = mask == null || mask.dtype() == DType.BOOL ? mask : mask.to(DType.FLOAT32);
            return apply(q.to(DType.FLOAT32), k.to(DType.FLOAT32), v.to(DType.FLOAT32), m, dropoutP, causal, scale,
                    generator).to(t);
        }
        double sc = Double.isNaN(scale) ? 1 / Math.sqrt(q.size(-1)) : scale;
        long seed = dropoutP > 0 ? generator.nextLong() : 0;
        long[] batch = Arrays.copyOf(q.shape(), q.dim() - 2);
        Spec spec = new Spec(batch, causal, sc, dropoutP, seed);
        Tensor additive = additiveMask(mask, t, batch, q.size(-2), k.size(-2));
        Tensor fused = fused(q, k, v, additive, spec);
        return fused != null ? fused : composite(q, k, v, additive, spec);
    }

    private static void check(String op, Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP, double scale) {
        q.checkAlive(op);
        k.checkAlive(op);
        v.checkAlive(op);
        if (q.dim() < 2 || k.dim() != q.dim() || v.dim() != q.dim()) {
            throw new IllegalArgumentException(op + ": q [..., L, E], k [..., S, E] and v [..., S, Ev] need the same "
                    + "rank of at least 2, got q " + q.describe() + ", k " + k.describe() + ", v " + v.describe());
        }
        if (!q.dtype().isFloatingPoint() || k.dtype() != q.dtype() || v.dtype() != q.dtype()) {
            throw new IllegalArgumentException(op + ": q, k and v need one floating dtype, got " + q.dtype() + ", "
                    + k.dtype() + ", " + v.dtype());
        }
        if (k.device() != q.device() || v.device() != q.device()
                || (mask != null && mask.device() != q.device())) {
            throw new IllegalArgumentException(op + ": operands on different devices: q on " + q.device() + ", k on "
                    + k.device() + ", v on " + v.device() + (mask == null ? "" : ", mask on " + mask.device()));
        }
        int n = q.dim();
        boolean batchMatches = Arrays.equals(Arrays.copyOf(q.shape(), n - 2), Arrays.copyOf(k.shape(), n - 2))
                && Arrays.equals(Arrays.copyOf(q.shape(), n - 2), Arrays.copyOf(v.shape(), n - 2));
        if (!batchMatches || k.size(-1) != q.size(-1) || v.size(-2) != k.size(-2)) {
            throw new IllegalArgumentException(op + ": shapes do not fit q [..., L, E], k [..., S, E], v [..., S, Ev] "
                    + "(same batch dims): q " + q.describe() + ", k " + k.describe() + ", v " + v.describe());
        }
        if (mask != null) {
            mask.checkAlive(op);
            if (mask.dtype() != DType.BOOL && !mask.dtype().isFloatingPoint()) {
                throw new IllegalArgumentException(op + ": mask must be bool (true = attend) or floating (added to "
                        + "the scores), got " + mask.dtype());
            }
            long[] want = Arrays.copyOf(q.shape(), n);
            want[n - 1] = k.size(-2);
            if (mask.dim() > n || !Arrays.equals(Shapes.broadcast(op, mask.shape(), want), want)) {
                throw new IllegalArgumentException(op + ": mask " + mask.describe() + " does not broadcast to the "
                        + "scores' shape " + Arrays.toString(want));
            }
        }
        if (!(dropoutP >= 0 && dropoutP < 1)) {
            throw new IllegalArgumentException(op + ": dropout probability must be in [0, 1), got " + dropoutP);
        }
        if (Double.isInfinite(scale)) {
            throw new IllegalArgumentException(op + ": scale must be finite (NaN for 1/sqrt(E)), got " + scale);
        }
    }

    /** The mask as scores to add (0 or -inf for a bool mask), expanded to batch + [L, S], or null. */
    private static Tensor additiveMask(Tensor mask, DType t, long[] batch, long l, long s) {
        if (mask == null) {
            return null;
        }
        Tensor m = mask.dtype() == DType.BOOL
                ? Tensor.zeros(t, mask.device(), mask.shape()).maskedFill(mask.logicalNot(), Double.NEGATIVE_INFINITY)
                : mask.detach().to(t);
        long[] full = Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = l;
        full[batch.length + 1] = s;
        return m.expand(full);
    }

    /**
     * The fused kernel's output (recorded), or null when the backend has none or the sizes do not suit it. The
     * operands go to the backend as they lie first (the cpu kernel reads strided heads in place, and the output is
     * laid out like q, so that merging the heads back is a view); a backend that declines them gets contiguous copies.
     */
    private static Tensor fused(Tensor q, Tensor k, Tensor v, Tensor mask, Spec spec) {
        AttentionProblem p = problem(q, k, v, mask, spec);
        if (p == null) {
            return null;
        }
        Tensor lse = Tensor.empty(q.dtype(), q.device(), (long) p.batch() * p.l());
        Tensor o = emptyLike(q, v.size(-1));
        Tensor qc = q;
        Tensor kc = k;
        Tensor vc = v;
        boolean done = attention(p, q, k, v, mask, o, lse);
        if (!done && !(q.isContiguous() && k.isContiguous() && v.isContiguous() && o.isContiguous())) {
            o.close();
            qc = q.contiguous();
            kc = k.contiguous();
            vc = v.contiguous();
            long[] outShape = q.shape();
            outShape[outShape.length - 1] = v.size(-1);
            o = Tensor.empty(q.dtype(), q.device(), outShape);
            done = attention(p, qc, kc, vc, mask, o, lse);
        }
        if (!done) {
            o.close();
            lse.close();
            return null;
        }
        return Node.needed(q, k, v)
                ? new ScaledDotProductAttention(q, k, v, qc, kc, vc, o, lse, mask, spec).record(o) : o;
    }

    private static boolean attention(AttentionProblem p, Tensor q, Tensor k, Tensor v, Tensor mask, Tensor o,
                                     Tensor lse) {
        try (InFlight pins = InFlight.pin("scaledDotProductAttention", mask == null
                ? new Tensor[] {q, k, v} : new Tensor[] {q, k, v, mask})) {
            return q.backend().attention(q.dtype().scalar(), p, q.strided(), k.strided(), v.strided(), o.strided(),
                    lse.strided());
        }
    }

    /**
     * An uninitialised tensor shaped like {@code t} with last size {@code last}, its dimensions laid out in the order
     * of {@code t}'s strides (PyTorch's {@code empty_like}): the output of heads viewed from {@code [N, L, H, D]} is
     * itself {@code [N, L, H, D]} in memory. Contiguous when {@code t}'s last dimension is not its innermost.
     */
    private static Tensor emptyLike(Tensor t, long last) {
        long[] shape = t.shape();
        shape[shape.length - 1] = last;
        long[] strides = t.rawStrides();
        int r = shape.length;
        Integer[] order = new Integer[r];
        for (int i = 0; i < r; i++) {
            order[i] = i;
        }
        // outermost first; size-1 dimensions keep their place among equals
        Arrays.sort(order, (a, b) -> Long.compare(strides[b], strides[a]));
        if (order[r - 1] != r - 1) {
            return Tensor.empty(t.dtype(), t.device(), shape);
        }
        long[] laid = new long[r];
        int[] back = new int[r];
        for (int i = 0; i < r; i++) {
            laid[i] = shape[order[i]];
            back[order[i]] = i;
        }
        return Tensor.empty(t.dtype(), t.device(), laid).permute(back);
    }

    private static AttentionProblem problem(Tensor q, Tensor k, Tensor v, Tensor mask, Spec spec) {
        long b = 1;
        for (long d : spec.batch()) {
            b *= d;
        }
        long l = q.size(-2);
        long s = k.size(-2);
        long e = q.size(-1);
        long ev = v.size(-1);
        long widest = Math.max(Math.max(b, l * Math.max(e, ev)), s);
        if (b == 0 || l == 0 || s == 0 || e == 0 || ev == 0 || widest > Integer.MAX_VALUE / 2) {
            return null;
        }
        long[] planes = null;
        long rowStride = 0;
        long colStride = 0;
        Strided ms = null;
        if (mask != null) {
            ms = mask.strided();
            int n = spec.batch().length;
            planes = Strided.elementOffsets(spec.batch(), Arrays.copyOf(ms.strides(), n), ms.offset());
            rowStride = ms.strides()[n];
            colStride = ms.strides()[n + 1];
        }
        return new AttentionProblem((int) b, (int) l, (int) s, (int) e, (int) ev, spec.scale(),
                ms == null ? null : ms.data(), planes, rowStride, colStride, spec.causal(), spec.dropoutP(),
                spec.seed());
    }

    /** The op from matmul, softmax and dropout: the path of backends without a fused kernel, and the reference. */
    static Tensor composite(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double dropoutP, double scale,
                            long seed) {
        double sc = Double.isNaN(scale) ? 1 / Math.sqrt(q.size(-1)) : scale;
        long[] batch = Arrays.copyOf(q.shape(), q.dim() - 2);
        Tensor additive = additiveMask(mask, q.dtype(), batch, q.size(-2), k.size(-2));
        return composite(q, k, v, additive, new Spec(batch, causal, sc, dropoutP, seed));
    }

    private static Tensor composite(Tensor q, Tensor k, Tensor v, Tensor mask, Spec spec) {
        Tensor weights = scores(q, k, mask, spec).softmax(-1);
        Tensor keep = keepScale(q, k, spec);
        return (keep == null ? weights : weights.mul(keep)).matmul(v);
    }

    private static Tensor scores(Tensor q, Tensor k, Tensor mask, Spec spec) {
        Tensor s = q.matmul(k.transpose(-2, -1)).mul(spec.scale());
        if (mask != null) {
            s = s.add(mask);
        }
        if (spec.causal()) {
            int l = (int) q.size(-2);
            int n = (int) k.size(-2);
            double[] c = new double[l * n];
            for (int i = 0; i < l; i++) {
                Arrays.fill(c, i * n + Math.min(n, i + 1), (i + 1) * n, Double.NEGATIVE_INFINITY);
            }
            s = s.add(Tensor.of(c, q.dtype(), q.device(), l, n));
        }
        return s;
    }

    /** The dropout factors (0 or 1/(1-p)) of every weight, batch + [L, S], from the seed; null without dropout. */
    private static Tensor keepScale(Tensor q, Tensor k, Spec spec) {
        if (spec.dropoutP() == 0) {
            return null;
        }
        long[] shape = Arrays.copyOf(spec.batch(), spec.batch().length + 2);
        shape[shape.length - 2] = q.size(-2);
        shape[shape.length - 1] = k.size(-2);
        double[] z = new double[Math.toIntExact(Shapes.numel(shape))];
        double kept = 1 / (1 - spec.dropoutP());
        for (int i = 0; i < z.length; i++) {
            z[i] = AttentionDropout.keep(spec.seed(), i, spec.dropoutP()) ? kept : 0;
        }
        return Tensor.of(z, q.dtype(), q.device(), shape);
    }

    @Override
    public String name() {
        return "ScaledDotProductAttentionBackward";
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor qt = q.get();
        Tensor kt = k.get();
        Tensor vt = v.get();
        if (!Grad.isEnabled()) {
            Tensor[] grads = fusedBackward(qt, kt, vt, g);
            if (grads != null) {
                return grads;
            }
        }
        // createGraph: the same gradients in Tensor ops (weights recomputed once, as one L x S matrix)
        Tensor p = scores(qt, kt, mask, spec).softmax(-1);
        Tensor keep = keepScale(qt, kt, spec);
        Tensor dropped = keep == null ? p : p.mul(keep);
        Tensor dv = needsInputGrad(2) ? dropped.transpose(-2, -1).matmul(g) : null;
        Tensor dp = g.matmul(vt.transpose(-2, -1));
        if (keep != null) {
            dp = dp.mul(keep);
        }
        Tensor ds = p.mul(dp.sub(dp.mul(p).sum(-1, true))).mul(spec.scale());
        Tensor dq = needsInputGrad(0) ? ds.matmul(kt) : null;
        Tensor dk = needsInputGrad(1) ? ds.transpose(-2, -1).matmul(qt) : null;
        return new Tensor[] {dq, dk, dv};
    }

    private Tensor[] fusedBackward(Tensor qt, Tensor kt, Tensor vt, Tensor g) {
        AttentionProblem p = problem(qt, kt, vt, mask, spec);
        Tensor dq = emptyLike(qt, qt.size(-1));
        Tensor dk = emptyLike(kt, kt.size(-1));
        Tensor dv = emptyLike(vt, vt.size(-1));
        Tensor o = out.get();
        boolean done = attentionBackward(p, qt, kt, vt, o, g, dq, dk, dv);
        Tensor[] grads = {dq, dk, dv};
        if (!done && !Arrays.stream(new Tensor[] {qt, kt, vt, o, g, dq, dk, dv}).allMatch(Tensor::isContiguous)) {
            for (Tensor t : grads) {
                t.close();
            }
            dq = Tensor.empty(qt.dtype(), qt.device(), qt.shape());
            dk = Tensor.empty(kt.dtype(), kt.device(), kt.shape());
            dv = Tensor.empty(vt.dtype(), vt.device(), vt.shape());
            grads = new Tensor[] {dq, dk, dv};
            done = attentionBackward(p, qt.contiguous(), kt.contiguous(), vt.contiguous(), o.contiguous(),
                    g.contiguous(), dq, dk, dv);
        }
        if (!done) {
            for (Tensor t : grads) {
                t.close();
            }
            return null;
        }
        return new Tensor[] {kept(0, dq), kept(1, dk), kept(2, dv)};
    }

    private boolean attentionBackward(AttentionProblem p, Tensor qt, Tensor kt, Tensor vt, Tensor o, Tensor g,
                                      Tensor dq, Tensor dk, Tensor dv) {
        Tensor sums = lse.get();
        try (InFlight pins = InFlight.pin(name(), mask == null ? new Tensor[] {qt, kt, vt, g, o, sums}
                : new Tensor[] {qt, kt, vt, g, o, sums, mask})) {
            return qt.backend().attentionBackward(qt.dtype().scalar(), p, qt.strided(), kt.strided(), vt.strided(),
                    o.strided(), sums.strided(), g.strided(), dq.strided(), dk.strided(), dv.strided());
        }
    }

    /** {@code grad} when input {@code i} needs it; otherwise released at once. */
    private Tensor kept(int i, Tensor grad) {
        if (needsInputGrad(i)) {
            return grad;
        }
        grad.close();
        return null;
    }
}
