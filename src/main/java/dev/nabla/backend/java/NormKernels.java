package dev.nabla.backend.java;

import dev.nabla.backend.java.vector.VectorNorm;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntConsumer;

/**
 * Batch normalisation over contiguous tensors viewed as {@code [N, C, S]} ({@code S} the product of the trailing
 * sizes), and its backward; see {@link dev.nabla.backend.Backend#batchNorm}. Replaces the composite mean / var / sub
 * / rsqrt / mul / add (and the sum of their backwards), which moved each input about ten times.
 *
 * <p>Every pass streams the tensor in memory order, as {@code N * C} planes of {@code S} elements (or, when
 * {@code S == 1}, as rows of consecutive channels), split over a {@link ChunkRunner} in ranges of planes with
 * per-chunk partial results merged at the end. (Walking one channel at a time was measured ~1.5x slower: N
 * separate short streams defeat the prefetcher.) The forward reads {@code x} twice: the statistics pass, then the
 * normalising pass. The statistics are two-pass per block of about 8K elements (the second pass reads
 * the block from cache) and blocks are merged with Chan et al.'s formula, all in double, so the variance is as
 * sound as a global two-pass one. The backward reads {@code x} and the gradient twice: the sums, then the input
 * gradient. Sums accumulate in double (several partial sums, for instruction-level parallelism); the element-wise
 * passes run in the tensor's dtype. With the Vector API, the float32 loops of whole planes' sums and of
 * rows run in {@link VectorNorm}, several times faster (the scalar loops remain for float64 and without the
 * module). The scalar loops per type ({@code NormLoopsFloat}, {@code NormLoopsDouble}) are generated from the
 * template {@code NormLoops$Type$.java.template}; this class walks the planes and picks the loop.
 */
final class NormKernels {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    /** Work units ({@code WorkCost}'s) per element of one scalar pass reading one or two operands. */
    private static final long PASS_COST = 4;
    /** Smallest chunk worth handing to another thread, in work units (as {@code JavaKernels}). */
    private static final long CHUNK_WORK = 1 << 17;
    /** Elements per block of the statistics pass (at least one plane): a block stays in L1/L2 for its 2nd pass. */
    private static final long BLOCK = 1 << 13;

    private NormKernels() {
    }

    /** The {@code [N, C, S]} view of a contiguous {@code [N, C, ...]} tensor. */
    private record Geometry(long n, int c, long s) {
        static Geometry of(Strided x) {
            long[] sh = x.shape();
            long s = 1;
            for (int d = 2; d < sh.length; d++) {
                s *= sh[d];
            }
            return new Geometry(sh[0], (int) sh[1], s);
        }

        long planes() {
            return n * c;
        }

        /** Elements per channel. */
        long count() {
            return n * s;
        }

        /** First plane of chunk {@code k} of {@code chunks}. */
        long bound(int chunks, int k) {
            return planes() * k / chunks;
        }
    }

    /**
     * A run of elements starting at element offset {@code at} (from the operand's start): with {@code S > 1}, the
     * {@code len = S} elements of one plane of channel {@code c}; with {@code S == 1}, one element of each of the
     * channels {@code c .. c + len - 1}.
     */
    @FunctionalInterface
    private interface Segment {
        void run(long at, int c, long len);
    }

    /** Calls {@code seg} for the planes {@code [lo, hi)} in memory order. */
    private static void visit(Geometry geo, long lo, long hi, Segment seg) {
        int cs = geo.c();
        long s = geo.s();
        int c = (int) (lo % cs);
        if (s == 1) {
            for (long p = lo; p < hi; ) {
                long len = Math.min(hi - p, cs - c);
                seg.run(p, c, len);
                p += len;
                c = 0;
            }
        } else {
            for (long p = lo; p < hi; p++) {
                seg.run(p * s, c, s);
                if (++c == cs) {
                    c = 0;
                }
            }
        }
    }

    /** How many chunks to split a call into: 1 when serial or small. */
    private static int chunks(ChunkRunner par, long planes, long work) {
        if (par == null || work < JavaKernels.PARALLEL_MIN_WORK) {
            return 1;
        }
        int threads = par.threads();
        if (threads <= 1) {
            return 1;
        }
        return (int) Math.max(1, Math.min(Math.min((long) threads * 4, planes), work / CHUNK_WORK));
    }

    private static void run(ChunkRunner par, int chunks, IntConsumer chunk) {
        if (chunks == 1) {
            chunk.accept(0);
        } else {
            par.run(chunks, chunk);
        }
    }

    private static boolean usable(Strided x, Strided... operands) {
        if (x.rank() < 2 || x.numel() == 0 || x.shape()[1] > Integer.MAX_VALUE - 8 || !x.isContiguous()) {
            return false;
        }
        for (Strided o : operands) {
            if (o != null && !o.isContiguous()) {
                return false;
            }
        }
        return true;
    }

    private static double[] load(boolean f32, Strided v, int c, double absent) {
        double[] out = new double[c];
        for (int i = 0; i < c; i++) {
            out[i] = v == null ? absent
                    : f32 ? v.data().getAtIndex(F, v.offset() + i) : v.data().getAtIndex(D, v.offset() + i);
        }
        return out;
    }

    private static void store(boolean f32, Strided v, double[] values) {
        for (int i = 0; i < values.length; i++) {
            if (f32) {
                v.data().setAtIndex(F, v.offset() + i, (float) values[i]);
            } else {
                v.data().setAtIndex(D, v.offset() + i, values[i]);
            }
        }
    }

    private static float[] toFloat(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    // ------------------------------------------------------------------ forward

    /**
     * Forward batch normalisation; see {@link dev.nabla.backend.Backend#batchNorm}.
     *
     * @param useVector use the Vector API loops when the module is present
     * @param par       where to run chunks of planes, or {@code null} for the calling thread only
     * @return false when an operand is not contiguous, or {@code x} is empty or not at least 2-D
     */
    public static boolean batchNorm(boolean useVector, ChunkRunner par, ScalarType t, Strided x, Strided weight,
                                    Strided bias, boolean batchStats, double eps, Strided mean, Strided var,
                                    Strided out) {
        if (!usable(x, weight, bias, mean, var, out)) {
            return false;
        }
        boolean f32 = t == ScalarType.FLOAT32;
        boolean vec = f32 && useVector && VectorSupport.available();
        Geometry geo = Geometry.of(x);
        int cs = geo.c();
        double[] mu;
        double[] v;
        if (batchStats) {
            mu = new double[cs];
            v = new double[cs];
            statistics(par, f32, vec, x, geo, mu, v);
            store(f32, mean, mu);
            store(f32, var, v);
        } else {
            mu = load(f32, mean, cs, 0);
            v = load(f32, var, cs, 0);
        }
        double[] scale = load(f32, weight, cs, 1);
        double[] shift = load(f32, bias, cs, 0);
        for (int c = 0; c < cs; c++) {
            scale[c] /= Math.sqrt(v[c] + eps);
        }
        MemorySegment xs = x.data();
        MemorySegment os = out.data();
        long xo = x.offset();
        long oo = out.offset();
        boolean rows = geo.s() == 1;
        int chunks = chunks(par, geo.planes(), x.numel() * PASS_COST);
        if (f32) {
            float[] m = toFloat(mu);
            float[] a = toFloat(scale);
            float[] b = toFloat(shift);
            run(par, chunks, k -> visit(geo, geo.bound(chunks, k), geo.bound(chunks, k + 1), (at, c, len) -> {
                if (rows && vec) {
                    VectorNorm.rowNormalize(xs, xo + at, os, oo + at, (int) len, m, a, b, c);
                } else if (rows) {
                    NormLoopsFloat.normalizeRow(xs, xo + at, os, oo + at, (int) len, m, a, b, c);
                } else if (vec) {
                    VectorNorm.normalize(xs, xo + at, os, oo + at, len, m[c], a[c], b[c]);
                } else {
                    NormLoopsFloat.normalize(xs, xo + at, os, oo + at, len, m[c], a[c], b[c]);
                }
            }));
        } else {
            run(par, chunks, k -> visit(geo, geo.bound(chunks, k), geo.bound(chunks, k + 1), (at, c, len) -> {
                if (rows) {
                    NormLoopsDouble.normalizeRow(xs, xo + at, os, oo + at, (int) len, mu, scale, shift, c);
                } else {
                    NormLoopsDouble.normalize(xs, xo + at, os, oo + at, len, mu[c], scale[c], shift[c]);
                }
            }));
        }
        return true;
    }

    /** Per-channel mean and biased variance of {@code x} into {@code mu} and {@code var}. */
    private static void statistics(ChunkRunner par, boolean f32, boolean vec, Strided x, Geometry geo,
                                   double[] mu, double[] var) {
        int cs = geo.c();
        int chunks = chunks(par, geo.planes(), x.numel() * PASS_COST * 2);
        double[][] parts = new double[chunks][];
        run(par, chunks, k -> parts[k] = chunkStatistics(f32, vec, x, geo, geo.bound(chunks, k),
                geo.bound(chunks, k + 1)));
        double[] count = new double[cs];
        double[] m2 = new double[cs];
        for (double[] part : parts) {
            for (int c = 0; c < cs; c++) {
                merge(count, mu, m2, c, part[c], part[cs + c], part[2 * cs + c]);
            }
        }
        for (int c = 0; c < cs; c++) {
            var[c] = m2[c] / count[c];
        }
    }

    /**
     * Folds a group of {@code nb} elements with mean {@code meanB} and sum of squared deviations {@code m2B} into
     * channel {@code c}'s running totals (Chan, Golub and LeVeque's pairwise update).
     */
    private static void merge(double[] count, double[] mean, double[] m2, int c, double nb, double meanB,
                              double m2B) {
        if (nb == 0) {
            return;
        }
        double na = count[c];
        double n = na + nb;
        double delta = meanB - mean[c];
        mean[c] += delta * (nb / n);
        m2[c] += m2B + delta * delta * (na / n * nb);
        count[c] = n;
    }

    /**
     * Statistics of planes {@code [lo, hi)}: {@code [count | mean | m2]} per channel ({@code 3 * C} values), from
     * a two-pass sweep of each block merged into the totals. The vector loops take the squared deviations from
     * the block mean rounded to float, {@code c}; the exact identity {@code sum (x - c)^2 = sum (x - mean)^2 +
     * count * (mean - c)^2} then removes the (tiny) second term.
     */
    private static double[] chunkStatistics(boolean f32, boolean vec, Strided x, Geometry geo, long lo, long hi) {
        int cs = geo.c();
        long s = geo.s();
        boolean rows = s == 1;
        MemorySegment xs = x.data();
        long xo = x.offset();
        double[] count = new double[cs];
        double[] mean = new double[cs];
        double[] m2 = new double[cs];
        double[] blockMean = new double[cs];
        double[] blockM2 = new double[cs];
        Segment sums = (at, c, len) -> {
            if (rows) {
                if (vec) {
                    VectorNorm.rowSum(xs, xo + at, (int) len, blockMean, c);
                } else if (f32) {
                    NormLoopsFloat.rowSum(xs, xo + at, (int) len, blockMean, c);
                } else {
                    NormLoopsDouble.rowSum(xs, xo + at, (int) len, blockMean, c);
                }
            } else {
                blockMean[c] += vec ? VectorNorm.sum(xs, xo + at, len)
                        : f32 ? ScalarReduce.blockSumFloat(xs, xo + at, len)
                        : ScalarReduce.blockSumDouble(xs, xo + at, len);
            }
        };
        Segment deviations = (at, c, len) -> {
            if (rows) {
                if (vec) {
                    VectorNorm.rowSquaredDeviation(xs, xo + at, (int) len, blockMean, blockM2, c);
                } else if (f32) {
                    NormLoopsFloat.rowSquaredDeviation(xs, xo + at, (int) len, blockMean, blockM2, c);
                } else {
                    NormLoopsDouble.rowSquaredDeviation(xs, xo + at, (int) len, blockMean, blockM2, c);
                }
            } else {
                blockM2[c] += vec ? VectorNorm.squaredDeviation(xs, xo + at, len, (float) blockMean[c])
                        : f32 ? NormLoopsFloat.squaredDeviation(xs, xo + at, len, blockMean[c])
                        : NormLoopsDouble.squaredDeviation(xs, xo + at, len, blockMean[c]);
            }
        };
        long perBlock = Math.max(1, BLOCK / s);
        for (long b = lo; b < hi; b += perBlock) {
            long e = Math.min(hi, b + perBlock);
            long planes = e - b;
            int c0 = (int) (b % cs);
            int touched = (int) Math.min(planes, cs);
            long full = planes / cs;
            long extra = planes % cs;
            for (int j = 0, c = c0; j < touched; j++) {
                blockMean[c] = 0;
                blockM2[c] = 0;
                if (++c == cs) {
                    c = 0;
                }
            }
            visit(geo, b, e, sums);
            for (int j = 0, c = c0; j < touched; j++) {
                blockMean[c] /= (full + (j < extra ? 1 : 0)) * s;
                if (++c == cs) {
                    c = 0;
                }
            }
            visit(geo, b, e, deviations);
            for (int j = 0, c = c0; j < touched; j++) {
                long blockCount = (full + (j < extra ? 1 : 0)) * s;
                if (vec && !rows) {
                    double shift = blockMean[c] - (float) blockMean[c];
                    blockM2[c] = Math.max(0, blockM2[c] - blockCount * shift * shift);
                }
                merge(count, mean, m2, c, blockCount, blockMean[c], blockM2[c]);
                if (++c == cs) {
                    c = 0;
                }
            }
        }
        double[] out = new double[3 * cs];
        System.arraycopy(count, 0, out, 0, cs);
        System.arraycopy(mean, 0, out, cs, cs);
        System.arraycopy(m2, 0, out, 2 * cs, cs);
        return out;
    }

    // ------------------------------------------------------------------ backward

    /**
     * Backward of {@link #batchNorm}; see {@link dev.nabla.backend.Backend#batchNormBackward}.
     *
     * @param useVector use the Vector API loops when the module is present
     * @param par       where to run chunks of planes, or {@code null} for the calling thread only
     * @return false when an operand is not contiguous, or {@code x} is empty or not at least 2-D
     */
    public static boolean batchNormBackward(boolean useVector, ChunkRunner par, ScalarType t, Strided x,
                                            Strided gradOut, Strided weight, Strided mean, Strided var,
                                            boolean batchStats, double eps, Strided gradIn, Strided gradWeight,
                                            Strided gradBias) {
        if (!usable(x, gradOut, weight, mean, var, gradIn, gradWeight, gradBias)) {
            return false;
        }
        boolean f32 = t == ScalarType.FLOAT32;
        boolean vec = f32 && useVector && VectorSupport.available();
        Geometry geo = Geometry.of(x);
        int cs = geo.c();
        double[] mu = load(f32, mean, cs, 0);
        double[] inv = load(f32, var, cs, 0);
        for (int c = 0; c < cs; c++) {
            inv[c] = 1 / Math.sqrt(inv[c] + eps);
        }
        double[] sg = new double[cs];
        double[] sgx = new double[cs];
        if (gradWeight != null || gradBias != null || (gradIn != null && batchStats)) {
            int chunks = chunks(par, geo.planes(), x.numel() * PASS_COST);
            double[][] parts = new double[chunks][];
            run(par, chunks, k -> parts[k] = chunkGradientSums(f32, vec, x, gradOut, geo, geo.bound(chunks, k),
                    geo.bound(chunks, k + 1), mu));
            for (double[] part : parts) {
                for (int c = 0; c < cs; c++) {
                    sg[c] += part[c];
                    sgx[c] += part[cs + c];
                }
            }
        }
        if (gradBias != null) {
            store(f32, gradBias, sg);
        }
        if (gradWeight != null) {
            double[] gw = new double[cs];
            for (int c = 0; c < cs; c++) {
                gw[c] = sgx[c] * inv[c];
            }
            store(f32, gradWeight, gw);
        }
        if (gradIn != null) {
            double[] scale = load(f32, weight, cs, 1);
            double[] gMean = new double[cs];
            double[] proj = new double[cs];
            for (int c = 0; c < cs; c++) {
                scale[c] *= inv[c];
                gMean[c] = sg[c] / geo.count();
                proj[c] = sgx[c] * inv[c] * inv[c] / geo.count();
            }
            inputGradient(par, f32, vec, x, gradOut, geo, batchStats, mu, gMean, proj, scale, gradIn);
        }
        return true;
    }

    /** {@code [sum(g) | sum(g * (x - mean))]} per channel over planes {@code [lo, hi)}. */
    private static double[] chunkGradientSums(boolean f32, boolean vec, Strided x, Strided g, Geometry geo, long lo,
                                              long hi, double[] mu) {
        int cs = geo.c();
        boolean rows = geo.s() == 1;
        MemorySegment xs = x.data();
        MemorySegment gs = g.data();
        long xo = x.offset();
        long go = g.offset();
        double[] out = new double[2 * cs];
        double[] sg = new double[cs];
        double[] sgx = new double[cs];
        double[] pair = new double[2];
        visit(geo, lo, hi, (at, c, len) -> {
            if (rows) {
                if (vec) {
                    VectorNorm.rowGradientSums(gs, go + at, xs, xo + at, (int) len, mu, sg, sgx, c);
                } else if (f32) {
                    NormLoopsFloat.rowGradientSums(gs, go + at, xs, xo + at, (int) len, mu, sg, sgx, c);
                } else {
                    NormLoopsDouble.rowGradientSums(gs, go + at, xs, xo + at, (int) len, mu, sg, sgx, c);
                }
            } else {
                if (vec) {
                    VectorNorm.gradientSums(gs, go + at, xs, xo + at, len, (float) mu[c], pair);
                } else if (f32) {
                    NormLoopsFloat.gradientSums(gs, go + at, xs, xo + at, len, mu[c], pair);
                } else {
                    NormLoopsDouble.gradientSums(gs, go + at, xs, xo + at, len, mu[c], pair);
                }
                sg[c] += pair[0];
                sgx[c] += pair[1];
            }
        });
        System.arraycopy(sg, 0, out, 0, cs);
        System.arraycopy(sgx, 0, out, cs, cs);
        return out;
    }

    /**
     * {@code dx = (g - (x - mean) * proj - gMean) * scale} with batch statistics, else {@code g * scale}.
     */
    private static void inputGradient(ChunkRunner par, boolean f32, boolean vec, Strided x, Strided g, Geometry geo,
                                      boolean batchStats, double[] mu, double[] gMean, double[] proj,
                                      double[] scale, Strided gradIn) {
        boolean rows = geo.s() == 1;
        MemorySegment xs = x.data();
        MemorySegment gs = g.data();
        MemorySegment os = gradIn.data();
        long xo = x.offset();
        long go = g.offset();
        long oo = gradIn.offset();
        int chunks = chunks(par, geo.planes(), x.numel() * PASS_COST);
        if (f32) {
            float[] m = toFloat(mu);
            float[] gm = toFloat(gMean);
            float[] pr = toFloat(proj);
            float[] sc = toFloat(scale);
            run(par, chunks, k -> visit(geo, geo.bound(chunks, k), geo.bound(chunks, k + 1), (at, c, len) -> {
                if (!batchStats) {
                    if (rows && vec) {
                        VectorNorm.rowScale(gs, go + at, os, oo + at, (int) len, sc, c);
                    } else if (rows) {
                        NormLoopsFloat.scaleRow(gs, go + at, os, oo + at, (int) len, sc, c);
                    } else if (vec) {
                        VectorNorm.scale(gs, go + at, os, oo + at, len, sc[c]);
                    } else {
                        NormLoopsFloat.scale(gs, go + at, os, oo + at, len, sc[c]);
                    }
                } else if (rows && vec) {
                    VectorNorm.rowInputGradient(gs, go + at, xs, xo + at, os, oo + at, (int) len, m, gm, pr, sc, c);
                } else if (rows) {
                    NormLoopsFloat.inputGradientRow(gs, go + at, xs, xo + at, os, oo + at, (int) len, m, gm, pr, sc, c);
                } else if (vec) {
                    VectorNorm.inputGradient(gs, go + at, xs, xo + at, os, oo + at, len, m[c], gm[c], pr[c], sc[c]);
                } else {
                    NormLoopsFloat.inputGradient(gs, go + at, xs, xo + at, os, oo + at, len, m[c], gm[c], pr[c], sc[c]);
                }
            }));
        } else {
            run(par, chunks, k -> visit(geo, geo.bound(chunks, k), geo.bound(chunks, k + 1), (at, c, len) -> {
                if (!batchStats) {
                    if (rows) {
                        NormLoopsDouble.scaleRow(gs, go + at, os, oo + at, (int) len, scale, c);
                    } else {
                        NormLoopsDouble.scale(gs, go + at, os, oo + at, len, scale[c]);
                    }
                } else if (rows) {
                    NormLoopsDouble.inputGradientRow(gs, go + at, xs, xo + at, os, oo + at, (int) len, mu, gMean, proj,
                            scale, c);
                } else {
                    NormLoopsDouble.inputGradient(gs, go + at, xs, xo + at, os, oo + at, len, mu[c], gMean[c], proj[c],
                            scale[c]);
                }
            }));
        }
    }
}
