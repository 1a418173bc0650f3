package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 loops of batch normalisation ({@code dev.nabla.backend.java.NormKernels}).
 *
 * <p>Sums over one contiguous plane with {@code FloatVector.SPECIES_PREFERRED}, about 9x the scalar double loops
 * on AVX-512. Like {@link VectorReduceFloat}'s sum, they are blocked: 2048 elements at a time go into float lanes
 * (each lane adds up at most 32 terms), and each block's total is added in double.
 *
 * <p>Row loops for {@code [N, C]} inputs, one element per channel {@code c .. c+n-1}, 3-7x the scalar ones (which
 * C2 does not vectorize: they mix segment and array accesses): per-channel sums are kept in double (each float
 * widened to a double lane), the element-wise rows run in float with per-channel coefficient arrays.
 *
 * <p>Plane loops for {@code [N, C, ...]} inputs, one channel's contiguous run with scalar coefficients: the same
 * float operations in the same order as the scalar loops (so the same results), which C2 does not vectorize either.
 *
 * <p><b>Load this class only when {@link dev.nabla.backend.java.VectorSupport#available()} is true</b>; its
 * signatures mention no incubator type.
 */
public final class VectorNorm {
    /** Elements per block. */
    static final int BLOCK = 2048;

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final int DL = DS.length();
    /** Floats as many as {@link #DS}'s lanes, widened to one double vector. */
    private static final VectorSpecies<Float> HALF = VectorSpecies.of(float.class, VectorShape.forBitSize(DL * 32));
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat E = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorNorm() {
    }

    private static FloatVector ld(MemorySegment s, long base, long i) {
        return FloatVector.fromMemorySegment(S, s, base + i * Float.BYTES, NO);
    }

    /** The sum of {@code x[off .. off+n)}. */
    public static double sum(MemorySegment x, long off, long n) {
        return VectorReduceFloat.sum(x, off, n);
    }

    /** The sum of {@code (x - c)^2} over {@code x[off .. off+n)}, each difference taken in float. */
    public static double squaredDeviation(MemorySegment x, long off, long n, float c) {
        double total = 0;
        for (long start = 0; start < n; start += BLOCK) {
            total += blockSquaredDeviation(x, off + start, Math.min(BLOCK, n - start), c);
        }
        return total;
    }

    private static double blockSquaredDeviation(MemorySegment x, long off, long n, float c) {
        long base = off * Float.BYTES;
        FloatVector cv = FloatVector.broadcast(S, c);
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        long i = 0;
        for (long m4 = n - 4L * L; i <= m4; i += 4L * L) {
            FloatVector d0 = ld(x, base, i).sub(cv);
            FloatVector d1 = ld(x, base, i + L).sub(cv);
            FloatVector d2 = ld(x, base, i + 2L * L).sub(cv);
            FloatVector d3 = ld(x, base, i + 3L * L).sub(cv);
            a0 = d0.fma(d0, a0);
            a1 = d1.fma(d1, a1);
            a2 = d2.fma(d2, a2);
            a3 = d3.fma(d3, a3);
        }
        for (long m = S.loopBound(n); i < m; i += L) {
            FloatVector d0 = ld(x, base, i).sub(cv);
            a0 = d0.fma(d0, a0);
        }
        double s = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float d = x.getAtIndex(E, off + i) - c;
            s += d * d;
        }
        return s;
    }

    /**
     * Sets {@code out[0]} to the sum of {@code g[go .. go+n)} and {@code out[1]} to the sum of
     * {@code g * (x - m)} (with {@code x[xo .. xo+n)}, the difference taken in float).
     */
    public static void gradientSums(MemorySegment g, long go, MemorySegment x, long xo, long n, float m,
                                    double[] out) {
        double sg = 0;
        double sgx = 0;
        long gBase = go * Float.BYTES;
        long xBase = xo * Float.BYTES;
        FloatVector mv = FloatVector.broadcast(S, m);
        for (long start = 0; start < n; start += BLOCK) {
            long end = Math.min(n, start + BLOCK);
            FloatVector s0 = FloatVector.zero(S);
            FloatVector s1 = s0;
            FloatVector p0 = s0;
            FloatVector p1 = s0;
            long i = start;
            for (long m2 = end - 2L * L; i <= m2; i += 2L * L) {
                FloatVector g0 = ld(g, gBase, i);
                FloatVector g1 = ld(g, gBase, i + L);
                s0 = s0.add(g0);
                s1 = s1.add(g1);
                p0 = g0.fma(ld(x, xBase, i).sub(mv), p0);
                p1 = g1.fma(ld(x, xBase, i + L).sub(mv), p1);
            }
            for (long lim = start + S.loopBound(end - start); i < lim; i += L) {
                FloatVector g0 = ld(g, gBase, i);
                s0 = s0.add(g0);
                p0 = g0.fma(ld(x, xBase, i).sub(mv), p0);
            }
            sg += s0.add(s1).reduceLanes(VectorOperators.ADD);
            sgx += p0.add(p1).reduceLanes(VectorOperators.ADD);
            for (; i < end; i++) {
                float gi = g.getAtIndex(E, go + i);
                sg += gi;
                sgx += gi * (x.getAtIndex(E, xo + i) - m);
            }
        }
        out[0] = sg;
        out[1] = sgx;
    }

    private static DoubleVector widened(MemorySegment x, long off, int j) {
        return (DoubleVector) FloatVector.fromMemorySegment(HALF, x, (off + j) * Float.BYTES, NO)
                .convertShape(VectorOperators.F2D, DS, 0);
    }

    /** {@code sum[c + j] += x[off + j]} for {@code j < n}. */
    public static void rowSum(MemorySegment x, long off, int n, double[] sum, int c) {
        int j = 0;
        for (int m = DS.loopBound(n); j < m; j += DL) {
            DoubleVector.fromArray(DS, sum, c + j).add(widened(x, off, j)).intoArray(sum, c + j);
        }
        for (; j < n; j++) {
            sum[c + j] += x.getAtIndex(E, off + j);
        }
    }

    /** {@code m2[c + j] += (x[off + j] - mean[c + j])^2} for {@code j < n}, in double. */
    public static void rowSquaredDeviation(MemorySegment x, long off, int n, double[] mean, double[] m2, int c) {
        int j = 0;
        for (int m = DS.loopBound(n); j < m; j += DL) {
            DoubleVector d = widened(x, off, j).sub(DoubleVector.fromArray(DS, mean, c + j));
            d.fma(d, DoubleVector.fromArray(DS, m2, c + j)).intoArray(m2, c + j);
        }
        for (; j < n; j++) {
            double d = x.getAtIndex(E, off + j) - mean[c + j];
            m2[c + j] += d * d;
        }
    }

    /** {@code sg[c + j] += g[go + j]}, {@code sgx[c + j] += g[go + j] * (x[xo + j] - m[c + j])}, in double. */
    public static void rowGradientSums(MemorySegment g, long go, MemorySegment x, long xo, int n, double[] m,
                                       double[] sg, double[] sgx, int c) {
        int j = 0;
        for (int lim = DS.loopBound(n); j < lim; j += DL) {
            DoubleVector gv = widened(g, go, j);
            DoubleVector.fromArray(DS, sg, c + j).add(gv).intoArray(sg, c + j);
            DoubleVector d = widened(x, xo, j).sub(DoubleVector.fromArray(DS, m, c + j));
            gv.fma(d, DoubleVector.fromArray(DS, sgx, c + j)).intoArray(sgx, c + j);
        }
        for (; j < n; j++) {
            double gj = g.getAtIndex(E, go + j);
            sg[c + j] += gj;
            sgx[c + j] += gj * (x.getAtIndex(E, xo + j) - m[c + j]);
        }
    }

    private static FloatVector row(MemorySegment x, long off, int j) {
        return FloatVector.fromMemorySegment(S, x, (off + j) * Float.BYTES, NO);
    }

    /** {@code o[oo + j] = (x[xo + j] - m[c + j]) * a[c + j] + b[c + j]} for {@code j < n}. */
    public static void rowNormalize(MemorySegment x, long xo, MemorySegment o, long oo, int n, float[] m, float[] a,
                                    float[] b, int c) {
        int j = 0;
        for (int lim = S.loopBound(n); j < lim; j += L) {
            row(x, xo, j).sub(FloatVector.fromArray(S, m, c + j)).mul(FloatVector.fromArray(S, a, c + j))
                    .add(FloatVector.fromArray(S, b, c + j)).intoMemorySegment(o, (oo + j) * Float.BYTES, NO);
        }
        for (; j < n; j++) {
            o.setAtIndex(E, oo + j, (x.getAtIndex(E, xo + j) - m[c + j]) * a[c + j] + b[c + j]);
        }
    }

    /**
     * {@code o[oo + j] = (g[go + j] - (x[xo + j] - m[c + j]) * proj[c + j] - gMean[c + j]) * scale[c + j]} for
     * {@code j < n}.
     */
    public static void rowInputGradient(MemorySegment g, long go, MemorySegment x, long xo, MemorySegment o, long oo,
                                        int n, float[] m, float[] gMean, float[] proj, float[] scale, int c) {
        int j = 0;
        for (int lim = S.loopBound(n); j < lim; j += L) {
            FloatVector xc = row(x, xo, j).sub(FloatVector.fromArray(S, m, c + j));
            row(g, go, j).sub(xc.mul(FloatVector.fromArray(S, proj, c + j)))
                    .sub(FloatVector.fromArray(S, gMean, c + j)).mul(FloatVector.fromArray(S, scale, c + j))
                    .intoMemorySegment(o, (oo + j) * Float.BYTES, NO);
        }
        for (; j < n; j++) {
            float xc = x.getAtIndex(E, xo + j) - m[c + j];
            o.setAtIndex(E, oo + j, (g.getAtIndex(E, go + j) - xc * proj[c + j] - gMean[c + j]) * scale[c + j]);
        }
    }

    /** {@code o[oo + j] = g[go + j] * scale[c + j]} for {@code j < n}. */
    public static void rowScale(MemorySegment g, long go, MemorySegment o, long oo, int n, float[] scale, int c) {
        int j = 0;
        for (int lim = S.loopBound(n); j < lim; j += L) {
            row(g, go, j).mul(FloatVector.fromArray(S, scale, c + j)).intoMemorySegment(o, (oo + j) * Float.BYTES,
                    NO);
        }
        for (; j < n; j++) {
            o.setAtIndex(E, oo + j, g.getAtIndex(E, go + j) * scale[c + j]);
        }
    }

    /** The vector at element index {@code i}. */
    private static FloatVector at(MemorySegment s, long i) {
        return FloatVector.fromMemorySegment(S, s, i * Float.BYTES, NO);
    }

    /** {@code o[oo + i] = (x[xo + i] - m) * a + b} for {@code i < n}. */
    public static void normalize(MemorySegment x, long xo, MemorySegment o, long oo, long n, float m, float a, float b) {
        long i = 0;
        for (long lim = n - n % L; i < lim; i += L) {
            at(x, xo + i).sub(m).mul(a).add(b).intoMemorySegment(o, (oo + i) * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            o.setAtIndex(E, oo + i, (x.getAtIndex(E, xo + i) - m) * a + b);
        }
    }

    /** {@code o[oo + i] = (g[go + i] - (x[xo + i] - m) * proj - gMean) * scale} for {@code i < n}. */
    public static void inputGradient(MemorySegment g, long go, MemorySegment x, long xo, MemorySegment o, long oo,
                                     long n, float m, float gMean, float proj, float scale) {
        long i = 0;
        for (long lim = n - n % L; i < lim; i += L) {
            FloatVector xc = at(x, xo + i).sub(m);
            at(g, go + i).sub(xc.mul(proj)).sub(gMean).mul(scale).intoMemorySegment(o, (oo + i) * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            float xc = x.getAtIndex(E, xo + i) - m;
            o.setAtIndex(E, oo + i, (g.getAtIndex(E, go + i) - xc * proj - gMean) * scale);
        }
    }

    /** {@code o[oo + i] = g[go + i] * scale} for {@code i < n}. */
    public static void scale(MemorySegment g, long go, MemorySegment o, long oo, long n, float scale) {
        long i = 0;
        for (long lim = n - n % L; i < lim; i += L) {
            at(g, go + i).mul(scale).intoMemorySegment(o, (oo + i) * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            o.setAtIndex(E, oo + i, g.getAtIndex(E, go + i) * scale);
        }
    }
}
