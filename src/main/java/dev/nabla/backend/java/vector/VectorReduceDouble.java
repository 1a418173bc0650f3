package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float64 reductions of one contiguous run with {@code DoubleVector.SPECIES_PREFERRED}: sum, max and min. Each handles the
 * whole run including its tail.
 *
 * <p>Sums are blocked: {@value #BLOCK} elements at a time go into four vector accumulators (each lane adds up 64 elements), each
 * block's total is folded into a double with Neumaier's compensated addition. The rounding error is then about
 * {@code (BLOCK / (4 * lanes) + log2(4 * lanes)) * eps * sum|x|} however long the run is, instead of growing with
 * its length as one running sum's does.
 */
final class VectorReduceDouble {
    /** Elements per block of a blocked sum. */
    static final int BLOCK = 2048;

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfDouble E = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private VectorReduceDouble() {
    }

    private static DoubleVector ld(MemorySegment s, long base, long i) {
        return DoubleVector.fromMemorySegment(S, s, base + i * Double.BYTES, NO);
    }

    /** The sum of {@code x[off .. off+n)}. */
    static double sum(MemorySegment x, long off, long n) {
        double total = 0;
        double comp = 0; // Neumaier compensation
        for (long start = 0; start < n; start += BLOCK) {
            double part = blockSum(x, off + start, Math.min(BLOCK, n - start));
            double t = total + part;
            comp += Math.abs(total) >= Math.abs(part) ? (total - t) + part : (part - t) + total;
            total = t;
        }
        return Double.isFinite(total) ? total + comp : total; // with an infinity the compensation is NaN
    }

    private static double blockSum(MemorySegment x, long off, long n) {
        long base = off * Double.BYTES;
        DoubleVector a0 = DoubleVector.zero(S);
        DoubleVector a1 = a0;
        DoubleVector a2 = a0;
        DoubleVector a3 = a0;
        long i = 0;
        for (long m4 = n - 4L * L; i <= m4; i += 4L * L) {
            a0 = a0.add(ld(x, base, i));
            a1 = a1.add(ld(x, base, i + L));
            a2 = a2.add(ld(x, base, i + 2L * L));
            a3 = a3.add(ld(x, base, i + 3L * L));
        }
        for (long m = S.loopBound(n); i < m; i += L) {
            a0 = a0.add(ld(x, base, i));
        }
        double s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += x.getAtIndex(E, off + i);
        }
        return s;
    }

    /** The largest of {@code x[off .. off+n)} (n >= 1), NaN if any is NaN; MAX follows Math.max. */
    static double max(MemorySegment x, long off, long n) {
        return extreme(x, off, n, true);
    }

    /** The smallest of {@code x[off .. off+n)} (n >= 1), NaN if any is NaN. */
    static double min(MemorySegment x, long off, long n) {
        return extreme(x, off, n, false);
    }

    private static double extreme(MemorySegment x, long off, long n, boolean max) {
        long m = S.loopBound(n);
        double r = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        if (m > 0) {
            DoubleVector acc = max ? maxLoop(x, off * Double.BYTES, m) : minLoop(x, off * Double.BYTES, m);
            if (acc.test(VectorOperators.IS_NAN).anyTrue()) { // explicit: reduceLanes need not propagate NaN
                return Double.NaN;
            }
            r = acc.reduceLanes(max ? VectorOperators.MAX : VectorOperators.MIN);
        }
        for (long i = m; i < n; i++) {
            double v = x.getAtIndex(E, off + i);
            r = max ? Math.max(r, v) : Math.min(r, v);
        }
        return r;
    }

    private static DoubleVector maxLoop(MemorySegment x, long base, long m) {
        DoubleVector a0 = ld(x, base, 0);
        DoubleVector a1 = a0;
        long i = L;
        for (long m2 = m - 2L * L; i <= m2; i += 2L * L) {
            a0 = a0.max(ld(x, base, i));
            a1 = a1.max(ld(x, base, i + L));
        }
        for (; i < m; i += L) {
            a0 = a0.max(ld(x, base, i));
        }
        return a0.max(a1);
    }

    private static DoubleVector minLoop(MemorySegment x, long base, long m) {
        DoubleVector a0 = ld(x, base, 0);
        DoubleVector a1 = a0;
        long i = L;
        for (long m2 = m - 2L * L; i <= m2; i += 2L * L) {
            a0 = a0.min(ld(x, base, i));
            a1 = a1.min(ld(x, base, i + L));
        }
        for (; i < m; i += L) {
            a0 = a0.min(ld(x, base, i));
        }
        return a0.min(a1);
    }
}
