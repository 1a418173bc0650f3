package dev.nabla.backend.java;

import dev.nabla.DType;
import dev.nabla.backend.Strided;
import dev.nabla.backend.UpdateRule;
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
        return f32 ? s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i) : s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i);
    }

    private static void set(boolean f32, MemorySegment s, long i, double v) {
        if (f32) {
            s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) v);
        } else {
            s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, v);
        }
    }

    /** Applies {@code rule} over elements {@code [from, to)} (all operands contiguous). */
    public static void apply(DType dtype, UpdateRule rule, Strided param, Strided grad, Strided[] state, long from,
                             long to) {
        boolean f = dtype == DType.FLOAT32;
        MemorySegment p = param.data();
        MemorySegment g = grad.data();
        long po = param.offset();
        long go = grad.offset();
        switch (rule) {
            case UpdateRule.Sgd r -> {
                MemorySegment b = state.length > 0 ? state[0].data() : null;
                long bo = state.length > 0 ? state[0].offset() : 0;
                for (long i = from; i < to; i++) {
                    double pv = get(f, p, po + i);
                    double gv = get(f, g, go + i) + r.weightDecay() * pv;
                    if (b != null) {
                        double buf = r.firstStep() ? gv : r.momentum() * get(f, b, bo + i) + (1 - r.dampening()) * gv;
                        set(f, b, bo + i, buf);
                        gv = r.nesterov() ? gv + r.momentum() * buf : buf;
                    }
                    set(f, p, po + i, pv - r.lr() * gv);
                }
            }
            case UpdateRule.Adam r -> {
                MemorySegment m = state[0].data();
                MemorySegment v = state[1].data();
                MemorySegment vmax = r.amsgrad() ? state[2].data() : null;
                long mo = state[0].offset();
                long vo = state[1].offset();
                long xo = r.amsgrad() ? state[2].offset() : 0;
                double bc1 = 1 - Math.pow(r.beta1(), r.step());
                double bc2Sqrt = Math.sqrt(1 - Math.pow(r.beta2(), r.step()));
                double stepSize = r.lr() / bc1;
                double decay = r.decoupled() ? 1 - r.lr() * r.weightDecay() : 1;
                for (long i = from; i < to; i++) {
                    double pv = get(f, p, po + i) * decay;
                    double gv = get(f, g, go + i);
                    if (!r.decoupled()) {
                        gv += r.weightDecay() * pv;
                    }
                    double mv = r.beta1() * get(f, m, mo + i) + (1 - r.beta1()) * gv;
                    double vv = r.beta2() * get(f, v, vo + i) + (1 - r.beta2()) * gv * gv;
                    set(f, m, mo + i, mv);
                    set(f, v, vo + i, vv);
                    double second = vv;
                    if (vmax != null) {
                        second = Math.max(get(f, vmax, xo + i), vv);
                        set(f, vmax, xo + i, second);
                    }
                    double denom = Math.sqrt(second) / bc2Sqrt + r.eps();
                    set(f, p, po + i, pv - stepSize * mv / denom);
                }
            }
            case UpdateRule.RmsProp r -> {
                int k = 0;
                Strided sq = state[k++];
                Strided ga = r.centered() ? state[k++] : null;
                Strided mb = r.momentum() > 0 ? state[k] : null;
                for (long i = from; i < to; i++) {
                    double pv = get(f, p, po + i);
                    double gv = get(f, g, go + i) + r.weightDecay() * pv;
                    double s = r.alpha() * get(f, sq.data(), sq.offset() + i) + (1 - r.alpha()) * gv * gv;
                    set(f, sq.data(), sq.offset() + i, s);
                    double avg;
                    if (ga != null) {
                        double a = r.alpha() * get(f, ga.data(), ga.offset() + i) + (1 - r.alpha()) * gv;
                        set(f, ga.data(), ga.offset() + i, a);
                        avg = Math.sqrt(s - a * a) + r.eps();
                    } else {
                        avg = Math.sqrt(s) + r.eps();
                    }
                    if (mb != null) {
                        double buf = r.momentum() * get(f, mb.data(), mb.offset() + i) + gv / avg;
                        set(f, mb.data(), mb.offset() + i, buf);
                        set(f, p, po + i, pv - r.lr() * buf);
                    } else {
                        set(f, p, po + i, pv - r.lr() * gv / avg);
                    }
                }
            }
            case UpdateRule.Adagrad r -> {
                Strided sum = state[0];
                double clr = r.lr() / (1 + (r.step() - 1) * r.lrDecay());
                for (long i = from; i < to; i++) {
                    double pv = get(f, p, po + i);
                    double gv = get(f, g, go + i) + r.weightDecay() * pv;
                    double s = get(f, sum.data(), sum.offset() + i) + gv * gv;
                    set(f, sum.data(), sum.offset() + i, s);
                    set(f, p, po + i, pv - clr * gv / (Math.sqrt(s) + r.eps()));
                }
            }
        }
    }

    /** Applies {@code rule} to every element. */
    public static void apply(DType dtype, UpdateRule rule, Strided param, Strided grad, Strided[] state) {
        apply(dtype, rule, param, grad, state, 0, param.numel());
    }
}
