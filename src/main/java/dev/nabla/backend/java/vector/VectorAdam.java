package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Adam's and AdamW's update on float32 parameters with {@code FloatVector.SPECIES_PREFERRED}: one pass over the
 * parameter, its gradient and the moment buffers. The arithmetic is float32 in PyTorch's order for float32
 * parameters ({@code p.mul_(1 - lr·wd)} for AdamW or {@code g = g + wd·p} for Adam, {@code m = beta1·m + (1-beta1)·g},
 * {@code v = beta2·v + (1-beta2)·g·g}, {@code denom = sqrt(v) / sqrt(bc2) + eps}, {@code p -= stepSize·m / denom});
 * the scalar loop of {@code FusedUpdates} computes each element in double instead.
 */
public final class VectorAdam {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorAdam() {
    }

    /**
     * The hyper-parameters of one step, already combined as the loop uses them.
     *
     * @param beta1     first moment's decay
     * @param keep1     {@code 1 - beta1}, computed in double (as PyTorch passes it) and rounded once
     * @param beta2     second moment's decay
     * @param keep2     {@code 1 - beta2}, computed in double and rounded once
     * @param eps       added to the denominator
     * @param bc2Sqrt   {@code sqrt(1 - beta2^step)}
     * @param stepSize  {@code lr / (1 - beta1^step)}
     * @param decay     AdamW's {@code 1 - lr·weightDecay} (1 for Adam)
     * @param l2        Adam's weight decay added to the gradient (0 for AdamW)
     */
    public record Step(float beta1, float keep1, float beta2, float keep2, float eps, float bc2Sqrt, float stepSize,
                       float decay, float l2) {
    }

    /**
     * Updates elements {@code [from, to)} of {@code p} with gradient {@code g}, moments {@code m} and {@code v}, and,
     * for AMSGrad, the running maximum {@code vmax} of {@code v} ({@code null}: plain Adam). Offsets are in elements.
     */
    public static void update(MemorySegment p, long po, MemorySegment g, long go, MemorySegment m, long mo,
                              MemorySegment v, long vo, MemorySegment vmax, long xo, long from, long to, Step s) {
        float b1 = s.beta1(), c1 = s.keep1(), b2 = s.beta2(), c2 = s.keep2();
        long i = from;
        for (long end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromMemorySegment(S, p, (po + i) * Float.BYTES, NO);
            FloatVector gv = FloatVector.fromMemorySegment(S, g, (go + i) * Float.BYTES, NO);
            if (s.decay() != 1) {
                pv = pv.mul(s.decay());
            }
            if (s.l2() != 0) {
                gv = gv.add(pv.mul(s.l2()));
            }
            FloatVector mv = FloatVector.fromMemorySegment(S, m, (mo + i) * Float.BYTES, NO).mul(b1).add(gv.mul(c1));
            FloatVector vv = FloatVector.fromMemorySegment(S, v, (vo + i) * Float.BYTES, NO).mul(b2)
                    .add(gv.mul(gv).mul(c2));
            mv.intoMemorySegment(m, (mo + i) * Float.BYTES, NO);
            vv.intoMemorySegment(v, (vo + i) * Float.BYTES, NO);
            if (vmax != null) {
                vv = FloatVector.fromMemorySegment(S, vmax, (xo + i) * Float.BYTES, NO).max(vv);
                vv.intoMemorySegment(vmax, (xo + i) * Float.BYTES, NO);
            }
            FloatVector denom = vv.sqrt().div(s.bc2Sqrt()).add(s.eps());
            pv.sub(mv.div(denom).mul(s.stepSize())).intoMemorySegment(p, (po + i) * Float.BYTES, NO);
        }
        for (; i < to; i++) {
            float pv = p.getAtIndex(F, po + i);
            float gv = g.getAtIndex(F, go + i);
            if (s.decay() != 1) {
                pv *= s.decay();
            }
            if (s.l2() != 0) {
                gv += s.l2() * pv;
            }
            float mv = m.getAtIndex(F, mo + i) * b1 + gv * c1;
            float vv = v.getAtIndex(F, vo + i) * b2 + gv * gv * c2;
            m.setAtIndex(F, mo + i, mv);
            v.setAtIndex(F, vo + i, vv);
            if (vmax != null) {
                vv = Math.max(vmax.getAtIndex(F, xo + i), vv);
                vmax.setAtIndex(F, xo + i, vv);
            }
            float denom = (float) Math.sqrt(vv) / s.bc2Sqrt() + s.eps();
            p.setAtIndex(F, po + i, pv - mv / denom * s.stepSize());
        }
    }
}
