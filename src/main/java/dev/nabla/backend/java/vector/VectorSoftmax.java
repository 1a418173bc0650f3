package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Softmax and log-softmax of one contiguous float32 row, and their gradients, with
 * {@code FloatVector.SPECIES_PREFERRED}: the forward reads the row twice and writes it twice (max, then exp and sum
 * into the output, then scale), where the composite of max, subtract, exp, sum and divide made five passes and four
 * temporaries. The exp is the Vector API's (about 1 ulp, as the element-wise exp kernel).
 *
 * <p><b>Load this class only when {@link dev.nabla.backend.java.VectorSupport#available()} is true</b>.
 */
public final class VectorSoftmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorSoftmax() {
    }

    private static FloatVector ld(MemorySegment s, long off, long i) {
        return FloatVector.fromMemorySegment(S, s, (off + i) * Float.BYTES, NO);
    }

    /** {@code out[0, n) = softmax(x[0, n))}, or its log when {@code log}; offsets in elements. */
    public static void forward(MemorySegment x, long xo, MemorySegment out, long oo, long n, boolean log) {
        long m = S.loopBound(n);
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        long i = 0;
        for (; i < m; i += L) {
            vmax = vmax.max(ld(x, xo, i));
        }
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) {
            max = Math.max(max, x.getAtIndex(F, xo + i));
        }
        FloatVector vsum = FloatVector.zero(S);
        FloatVector shift = FloatVector.broadcast(S, max);
        for (i = 0; i < m; i += L) {
            FloatVector e = ld(x, xo, i).sub(shift).lanewise(VectorOperators.EXP);
            if (!log) {
                e.intoMemorySegment(out, (oo + i) * Float.BYTES, NO);
            }
            vsum = vsum.add(e);
        }
        double sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x.getAtIndex(F, xo + i) - max);
            if (!log) {
                out.setAtIndex(F, oo + i, e);
            }
            sum += e;
        }
        if (log) {
            FloatVector sub = FloatVector.broadcast(S, (float) (max + Math.log(sum)));
            for (i = 0; i < m; i += L) {
                ld(x, xo, i).sub(sub).intoMemorySegment(out, (oo + i) * Float.BYTES, NO);
            }
            float s = (float) (max + Math.log(sum));
            for (; i < n; i++) {
                out.setAtIndex(F, oo + i, x.getAtIndex(F, xo + i) - s);
            }
        } else {
            FloatVector inv = FloatVector.broadcast(S, (float) (1 / sum));
            for (i = 0; i < m; i += L) {
                ld(out, oo, i).mul(inv).intoMemorySegment(out, (oo + i) * Float.BYTES, NO);
            }
            float s = (float) (1 / sum);
            for (; i < n; i++) {
                out.setAtIndex(F, oo + i, out.getAtIndex(F, oo + i) * s);
            }
        }
    }

    /**
     * The input gradient of one row from the forward's output {@code y} and the output gradient {@code g}:
     * softmax {@code y * (g - sum(g * y))}, log-softmax {@code g - exp(y) * sum(g)}.
     */
    public static void backward(MemorySegment y, long yo, MemorySegment g, long go, MemorySegment out, long oo, long n,
                                boolean log) {
        long m = S.loopBound(n);
        FloatVector vsum = FloatVector.zero(S);
        long i = 0;
        for (; i < m; i += L) {
            FloatVector gv = ld(g, go, i);
            vsum = log ? vsum.add(gv) : vsum.add(gv.mul(ld(y, yo, i)));
        }
        double sum = vsum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float gv = g.getAtIndex(F, go + i);
            sum += log ? gv : gv * y.getAtIndex(F, yo + i);
        }
        FloatVector s = FloatVector.broadcast(S, (float) sum);
        float sf = (float) sum;
        for (i = 0; i < m; i += L) {
            FloatVector yv = ld(y, yo, i);
            FloatVector gv = ld(g, go, i);
            FloatVector r = log ? gv.sub(yv.lanewise(VectorOperators.EXP).mul(s)) : yv.mul(gv.sub(s));
            r.intoMemorySegment(out, (oo + i) * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            float yv = y.getAtIndex(F, yo + i);
            float gv = g.getAtIndex(F, go + i);
            out.setAtIndex(F, oo + i, log ? gv - (float) Math.exp(yv) * sf : yv * (gv - sf));
        }
    }
}
