package dev.nabla.backend.java;

import dev.nabla.DType;
import dev.nabla.backend.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar reductions of contiguous runs. Sums accumulate in double for both dtypes: without SIMD the widening is
 * free, and four interleaved accumulators hide the add latency. Runs longer than a block are summed block by
 * block with the block totals folded in by Neumaier's compensated addition, so float64 sums of long runs stay
 * within a few ulp of {@code sum|x|}. MAX/MIN fold with Math.max/min, which propagate NaN like the reference.
 */
final class ScalarReduce {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final int BLOCK = 4096;

    private ScalarReduce() {
    }

    /** SUM (also for MEAN), MAX or MIN of {@code x[off .. off+n)}; MAX/MIN of an empty run give -inf/+inf. */
    static double reduce(ReduceOp op, DType t, MemorySegment x, long off, long n) {
        boolean f = t == DType.FLOAT32;
        return switch (op) {
            case MAX -> f ? maxF(x, off, n) : maxD(x, off, n);
            case MIN -> f ? minF(x, off, n) : minD(x, off, n);
            default -> sum(f, x, off, n);
        };
    }

    private static double sum(boolean f, MemorySegment x, long off, long n) {
        double total = 0;
        double comp = 0;
        for (long start = 0; start < n; start += BLOCK) {
            long len = Math.min(BLOCK, n - start);
            double part = f ? blockSumF(x, off + start, len) : blockSumD(x, off + start, len);
            double t = total + part;
            comp += Math.abs(total) >= Math.abs(part) ? (total - t) + part : (part - t) + total;
            total = t;
        }
        return Double.isFinite(total) ? total + comp : total; // with an infinity the compensation is NaN
    }

    /** Sum of {@code n} float32 elements in four partial sums (also batch norm's per-slice sum). */
    static double blockSumF(MemorySegment x, long off, long n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        long i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += x.getAtIndex(F, off + i);
            s1 += x.getAtIndex(F, off + i + 1);
            s2 += x.getAtIndex(F, off + i + 2);
            s3 += x.getAtIndex(F, off + i + 3);
        }
        for (; i < n; i++) {
            s0 += x.getAtIndex(F, off + i);
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Sum of {@code n} float64 elements in four partial sums. */
    static double blockSumD(MemorySegment x, long off, long n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        long i = 0;
        for (; i + 4 <= n; i += 4) {
            s0 += x.getAtIndex(D, off + i);
            s1 += x.getAtIndex(D, off + i + 1);
            s2 += x.getAtIndex(D, off + i + 2);
            s3 += x.getAtIndex(D, off + i + 3);
        }
        for (; i < n; i++) {
            s0 += x.getAtIndex(D, off + i);
        }
        return (s0 + s1) + (s2 + s3);
    }

    private static double maxF(MemorySegment x, long off, long n) {
        double r = Double.NEGATIVE_INFINITY;
        for (long i = 0; i < n; i++) r = Math.max(r, x.getAtIndex(F, off + i));
        return r;
    }

    private static double minF(MemorySegment x, long off, long n) {
        double r = Double.POSITIVE_INFINITY;
        for (long i = 0; i < n; i++) r = Math.min(r, x.getAtIndex(F, off + i));
        return r;
    }

    private static double maxD(MemorySegment x, long off, long n) {
        double r = Double.NEGATIVE_INFINITY;
        for (long i = 0; i < n; i++) r = Math.max(r, x.getAtIndex(D, off + i));
        return r;
    }

    private static double minD(MemorySegment x, long off, long n) {
        double r = Double.POSITIVE_INFINITY;
        for (long i = 0; i < n; i++) r = Math.min(r, x.getAtIndex(D, off + i));
        return r;
    }

    /** {@code acc[a + j] op= x[off + j]} for {@code j < n}: one row of a column reduction. */
    static void accumulateRow(ReduceOp op, DType t, MemorySegment x, long off, double[] acc, int a, int n) {
        if (t == DType.FLOAT32) {
            switch (op) {
                case MAX -> { for (int j = 0; j < n; j++) acc[a + j] = Math.max(acc[a + j], x.getAtIndex(F, off + j)); }
                case MIN -> { for (int j = 0; j < n; j++) acc[a + j] = Math.min(acc[a + j], x.getAtIndex(F, off + j)); }
                default -> { for (int j = 0; j < n; j++) acc[a + j] += x.getAtIndex(F, off + j); }
            }
        } else {
            switch (op) {
                case MAX -> { for (int j = 0; j < n; j++) acc[a + j] = Math.max(acc[a + j], x.getAtIndex(D, off + j)); }
                case MIN -> { for (int j = 0; j < n; j++) acc[a + j] = Math.min(acc[a + j], x.getAtIndex(D, off + j)); }
                default -> { for (int j = 0; j < n; j++) acc[a + j] += x.getAtIndex(D, off + j); }
            }
        }
    }
}
