package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SGD's update on float32 parameters with {@code FloatVector.SPECIES_PREFERRED}, the optimizer step of most training
 * runs. The arithmetic is float32, as PyTorch's own float32 update ({@code buf.mul_(m).add_(g, 1-d)},
 * {@code p.add_(buf, -lr)}), in the same order; the scalar loop of {@code FusedUpdates} computes in double.
 */
public final class VectorSgd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorSgd() {
    }

    /**
     * Updates elements {@code [from, to)}: {@code g += wd·p}; with a momentum buffer {@code b}
     * ({@code null}: none) {@code b = first ? g : m·b + (1-dampening)·g} and {@code g = nesterov ? g + m·b : b};
     * then {@code p -= lr·g}. Offsets are in elements.
     */
    public static void update(MemorySegment p, long po, MemorySegment g, long go, MemorySegment b, long bo,
                              long from, long to, float lr, float wd, float momentum, float gain, boolean first,
                              boolean nesterov) {
        if (b == null) {
            plain(p, po, g, go, from, to, lr, wd);
        } else {
            momentum(p, po, g, go, b, bo, from, to, lr, wd, momentum, gain, first, nesterov);
        }
    }

    private static void plain(MemorySegment p, long po, MemorySegment g, long go, long from, long to, float lr,
                              float wd) {
        long i = from;
        for (long end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromMemorySegment(S, p, (po + i) * Float.BYTES, NO);
            FloatVector gv = FloatVector.fromMemorySegment(S, g, (go + i) * Float.BYTES, NO);
            if (wd != 0) {
                gv = gv.add(pv.mul(wd));
            }
            pv.sub(gv.mul(lr)).intoMemorySegment(p, (po + i) * Float.BYTES, NO);
        }
        for (; i < to; i++) {
            float pv = p.getAtIndex(F, po + i);
            float gv = g.getAtIndex(F, go + i);
            if (wd != 0) {
                gv += wd * pv;
            }
            p.setAtIndex(F, po + i, pv - lr * gv);
        }
    }

    private static void momentum(MemorySegment p, long po, MemorySegment g, long go, MemorySegment b, long bo,
                                 long from, long to, float lr, float wd, float m, float gain, boolean first,
                                 boolean nesterov) {
        long i = from;
        for (long end = from + S.loopBound(to - from); i < end; i += S.length()) {
            FloatVector pv = FloatVector.fromMemorySegment(S, p, (po + i) * Float.BYTES, NO);
            FloatVector gv = FloatVector.fromMemorySegment(S, g, (go + i) * Float.BYTES, NO);
            if (wd != 0) {
                gv = gv.add(pv.mul(wd));
            }
            FloatVector buf = first ? gv
                    : FloatVector.fromMemorySegment(S, b, (bo + i) * Float.BYTES, NO).mul(m).add(gv.mul(gain));
            buf.intoMemorySegment(b, (bo + i) * Float.BYTES, NO);
            FloatVector step = nesterov ? gv.add(buf.mul(m)) : buf;
            pv.sub(step.mul(lr)).intoMemorySegment(p, (po + i) * Float.BYTES, NO);
        }
        for (; i < to; i++) {
            float pv = p.getAtIndex(F, po + i);
            float gv = g.getAtIndex(F, go + i);
            if (wd != 0) {
                gv += wd * pv;
            }
            float buf = first ? gv : b.getAtIndex(F, bo + i) * m + gv * gain;
            b.setAtIndex(F, bo + i, buf);
            float step = nesterov ? gv + m * buf : buf;
            p.setAtIndex(F, po + i, pv - lr * step);
        }
    }
}
