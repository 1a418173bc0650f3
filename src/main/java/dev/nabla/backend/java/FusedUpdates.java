package dev.nabla.backend.java;

import dev.nabla.backend.UpdateRule;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Optimizer updates as one loop over contiguous buffers: each element is read, updated in double precision and
 * written back once. Memory-bound, so one pass is what matters; the JIT unswitches the dtype test out of the loop.
 */
public final class FusedUpdates {
    private FusedUpdates() {
    }

    private static double get(boolean f32, MemorySegment s, long i) {
        return f32 ? s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED,
                i) : s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i);
    }

    private static void set(boolean f32, MemorySegment s, long i, double v) {
        if (f32) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) v);
        } else {
            s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, v);
        }
    }

    /** Applies {@code rule} over elements {@code [from, to)} (all operands contiguous). */
    public static void apply(ScalarType dtype, UpdateRule rule, Strided param, Strided grad, Strided[] state, long from,
                             long to) {
        // One small method per rule: a single method holding all four loops grew too large for the JIT to inline
        // the segment accessors, and ran about ten times slower than these.
        boolean f = dtype == ScalarType.FLOAT32;
        switch (rule) {
            case UpdateRule.Sgd r -> sgd(f, r, param, grad, state, from, to);
            case UpdateRule.Adam r -> adam(f, r, param, grad, state, from, to);
            case UpdateRule.RmsProp r -> rmsProp(f, r, param, grad, state, from, to);
            case UpdateRule.Adagrad r -> adagrad(f, r, param, grad, state, from, to);
        }
    }

    private static void sgd(boolean f, UpdateRule.Sgd r, Strided param, Strided grad, Strided[] state, long from,
                            long to) {
        MemorySegment p = param.data();
        MemorySegment g = grad.data();
        long po = param.offset();
        long go = grad.offset();
        double lr = r.lr();
        double wd = r.weightDecay();
        if (state.length == 0) {
            for (long i = from; i < to; i++) {
                double pv = get(f, p, po + i);
                set(f, p, po + i, pv - lr * (get(f, g, go + i) + wd * pv));
            }
            return;
        }
        MemorySegment b = state[0].data();
        long bo = state[0].offset();
        double momentum = r.momentum();
        boolean first = r.firstStep(); // the first step starts the buffer at g (its old content is not read)
        double gain = 1 - r.dampening();
        boolean nesterov = r.nesterov();
        for (long i = from; i < to; i++) {
            double pv = get(f, p, po + i);
            double gv = get(f, g, go + i) + wd * pv;
            double buf = first ? gv : momentum * get(f, b, bo + i) + gain * gv;
            set(f, b, bo + i, buf);
            set(f, p, po + i, pv - lr * (nesterov ? gv + momentum * buf : buf));
        }
    }

    private static void adam(boolean f, UpdateRule.Adam r, Strided param, Strided grad, Strided[] state, long from,
                             long to) {
        MemorySegment p = param.data();
        MemorySegment g = grad.data();
        long po = param.offset();
        long go = grad.offset();
        MemorySegment m = state[0].data();
        MemorySegment v = state[1].data();
        MemorySegment vmax = r.amsgrad() ? state[2].data() : null;
        long mo = state[0].offset();
        long vo = state[1].offset();
        long xo = r.amsgrad() ? state[2].offset() : 0;
        double beta1 = r.beta1();
        double beta2 = r.beta2();
        double eps = r.eps();
        double bc2Sqrt = r.biasCorrection2Sqrt();
        double stepSize = r.stepSize();
        boolean decoupled = r.decoupled();
        double decay = r.decay();
        double wd = r.weightDecay();
        for (long i = from; i < to; i++) {
            double pv = get(f, p, po + i) * decay;
            double gv = get(f, g, go + i);
            if (!decoupled) {
                gv += wd * pv;
            }
            double mv = beta1 * get(f, m, mo + i) + (1 - beta1) * gv;
            double vv = beta2 * get(f, v, vo + i) + (1 - beta2) * gv * gv;
            set(f, m, mo + i, mv);
            set(f, v, vo + i, vv);
            double second = vv;
            if (vmax != null) {
                second = Math.max(get(f, vmax, xo + i), vv);
                set(f, vmax, xo + i, second);
            }
            double denom = Math.sqrt(second) / bc2Sqrt + eps;
            set(f, p, po + i, pv - stepSize * mv / denom);
        }
    }

    private static void rmsProp(boolean f, UpdateRule.RmsProp r, Strided param, Strided grad, Strided[] state,
                                long from, long to) {
        MemorySegment p = param.data();
        MemorySegment g = grad.data();
        long po = param.offset();
        long go = grad.offset();
        int k = 0;
        Strided sq = state[k++];
        Strided ga = r.centered() ? state[k++] : null;
        Strided mb = r.momentum() > 0 ? state[k] : null;
        MemorySegment sqd = sq.data();
        long sqo = sq.offset();
        double alpha = r.alpha();
        double eps = r.eps();
        double lr = r.lr();
        double wd = r.weightDecay();
        double momentum = r.momentum();
        for (long i = from; i < to; i++) {
            double pv = get(f, p, po + i);
            double gv = get(f, g, go + i) + wd * pv;
            double s = alpha * get(f, sqd, sqo + i) + (1 - alpha) * gv * gv;
            set(f, sqd, sqo + i, s);
            double avg;
            if (ga != null) {
                double a = alpha * get(f, ga.data(), ga.offset() + i) + (1 - alpha) * gv;
                set(f, ga.data(), ga.offset() + i, a);
                avg = Math.sqrt(s - a * a) + eps;
            } else {
                avg = Math.sqrt(s) + eps;
            }
            if (mb != null) {
                double buf = momentum * get(f, mb.data(), mb.offset() + i) + gv / avg;
                set(f, mb.data(), mb.offset() + i, buf);
                set(f, p, po + i, pv - lr * buf);
            } else {
                set(f, p, po + i, pv - lr * gv / avg);
            }
        }
    }

    private static void adagrad(boolean f, UpdateRule.Adagrad r, Strided param, Strided grad, Strided[] state,
                                long from, long to) {
        MemorySegment p = param.data();
        MemorySegment g = grad.data();
        long po = param.offset();
        long go = grad.offset();
        MemorySegment sum = state[0].data();
        long so = state[0].offset();
        double clr = r.lr() / (1 + (r.step() - 1) * r.lrDecay());
        double wd = r.weightDecay();
        double eps = r.eps();
        for (long i = from; i < to; i++) {
            double pv = get(f, p, po + i);
            double gv = get(f, g, go + i) + wd * pv;
            double s = get(f, sum, so + i) + gv * gv;
            set(f, sum, so + i, s);
            set(f, p, po + i, pv - clr * gv / (Math.sqrt(s) + eps));
        }
    }

    /** Applies {@code rule} to every element. */
    public static void apply(ScalarType dtype, UpdateRule rule, Strided param, Strided grad, Strided[] state) {
        apply(dtype, rule, param, grad, state, 0, param.numel());
    }
}
