package dev.nabla.backend.java;

import dev.nabla.backend.ReduceOp;
import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;

/**
 * Splits a reduction's accumulation across threads. Chunks never share an accumulator: either they take
 * disjoint ranges of a kept dimension (each writes its own output slots), or, when the outermost dimension is
 * reduced and the output is small, each chunk folds its range into private accumulators that are combined in
 * chunk order afterwards (so the result does not depend on which thread ran what).
 */
final class ParallelReduce {
    private ParallelReduce() {
    }

    static void accumulate(boolean vec, ChunkRunner par, int chunks, ReduceOp op, ScalarType t, MemorySegment x,
                           Layout l, double[] acc) {
        if (chunks <= 1 || l.numel == 0) {
            Reductions.accumulate(vec, op, t, x, l, acc);
            return;
        }
        boolean outerKept = l.strides[1][0] != 0;
        // Private accumulators cost chunks * acc.length doubles: fine while that is small next to the input.
        if (!outerKept && (long) acc.length * chunks * 8 <= l.numel) {
            int c = (int) Math.min(chunks, l.shape[0]);
            double[][] parts = new double[c][];
            par.run(c, i -> {
                double[] part = Reductions.newAccumulators(op, acc.length);
                Reductions.accumulate(vec, op, t, x, slice(l, 0, c, i), part);
                parts[i] = part;
            });
            for (double[] part : parts) {
                for (int j = 0; j < acc.length; j++) {
                    acc[j] = Reductions.fold(op, acc[j], part[j]);
                }
            }
            return;
        }
        int dim = widestKeptDim(l);
        if (dim < 0) {
            Reductions.accumulate(vec, op, t, x, l, acc);
            return;
        }
        int c = (int) Math.min(chunks, l.shape[dim]);
        par.run(c, i -> Reductions.accumulate(vec, op, t, x, slice(l, dim, c, i), acc));
    }

    /** Part {@code i} of {@code c} of {@code l} along {@code dim}. */
    private static Layout slice(Layout l, int dim, int c, int i) {
        long n = l.shape[dim];
        return l.slice(dim, n * i / c, n * (i + 1) / c);
    }

    /** The outermost kept dimension among the longest ones, or -1 if every dimension is reduced. */
    private static int widestKeptDim(Layout l) {
        int best = -1;
        for (int d = 0; d < l.rank(); d++) {
            if (l.strides[1][d] != 0 && (best < 0 || l.shape[d] > l.shape[best])) {
                best = d;
            }
        }
        return best;
    }
}
