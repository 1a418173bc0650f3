package dev.nabla.backend.java;

import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.java.vector.VectorKernels;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Reductions. The input and a "slot" view of the output (the output's row-major index, with stride 0 on every
 * reduced dimension) are collapsed together into a {@link Layout}, whose innermost dimension then decides the
 * loop: if it is reduced, each row is reduced to one value by a contiguous row kernel (row sums, and the whole
 * tensor when it is contiguous); if it is kept, each row is folded element-wise into a row of accumulators
 * (column sums: reducing leading dimensions into a contiguous trailing block). Accumulators are doubles; the
 * result is rounded to the dtype once at the end.
 */
final class Reductions {
    private Reductions() {
    }

    /** Partial results of reducing part of a layout: one accumulator per output element. */
    static double[] newAccumulators(ReduceOp op, int n) {
        double[] acc = new double[n];
        Arrays.fill(acc, switch (op) {
            case SUM, MEAN -> 0.0;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
            default -> throw new IllegalArgumentException("reduce: unsupported op " + op);
        });
        return acc;
    }

    /** Combines two partial results. */
    static double fold(ReduceOp op, double acc, double v) {
        return switch (op) {
            case MAX -> Math.max(acc, v);
            case MIN -> Math.min(acc, v);
            default -> acc + v;
        };
    }

    /** The layout of {@code x} and its output slots, and the number of elements folded into each slot. */
    record Plan(Layout layout, long count) {
    }

    /** Plans reducing {@code x} into {@code out} (same rank; size 1 on reduced dimensions). */
    static Plan plan(Strided x, Strided out) {
        int rank = x.rank();
        long[] slot = Strided.contiguousStrides(out.shape());
        long count = 1;
        for (int d = 0; d < rank; d++) {
            if (out.shape()[d] == 1 && x.shape()[d] != 1) {
                slot[d] = 0;
                count *= x.shape()[d];
            }
        }
        if (x.numel() == 0) {
            count = 0;
        }
        Layout l = Layout.of(x.shape(), new long[][] {x.strides(), slot}, new long[] {x.offset(), 0});
        return new Plan(l, count);
    }

    /** Folds every element of operand 0 of {@code l} into {@code acc[slot]} (operand 1 gives the slot). */
    static void accumulate(boolean vec, ReduceOp op, ScalarType t, MemorySegment x, Layout l, double[] acc) {
        if (l.numel == 0) {
            return;
        }
        long n = l.rowLength();
        long xs = l.innerStride(0);
        boolean innerReduced = l.innerStride(1) == 0;
        Odometer it = new Odometer(l, 0);
        for (long rows = l.numel / n; rows > 0; rows--) {
            int slot = (int) it.off[1];
            if (innerReduced) {
                acc[slot] = fold(op, acc[slot], row(vec, op, t, x, it.off[0], xs, n));
            } else {
                columns(vec, op, t, x, it.off[0], xs, acc, slot, (int) n);
            }
            it.advance(n);
        }
    }

    /** Reduces the row {@code x[off + i*xs]}, {@code i < n}, gathering a strided row block by block. */
    private static double row(boolean vec, ReduceOp op, ScalarType t, MemorySegment x, long off, long xs, long n) {
        if (xs == 1) {
            return contiguousRow(vec, op, t, x, off, n);
        }
        MemorySegment s = Runs.scratch()[0];
        double r = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : op == ReduceOp.MIN ? Double.POSITIVE_INFINITY : 0;
        for (long done = 0; done < n; done += Runs.BLOCK) {
            long m = Math.min(Runs.BLOCK, n - done);
            Runs.copy(t, x, off + done * xs, xs, t, s, 0, 1, m);
            r = fold(op, r, contiguousRow(vec, op, t, s, 0, m));
        }
        return r;
    }

    private static double contiguousRow(boolean vec, ReduceOp op, ScalarType t, MemorySegment x, long off, long n) {
        return vec ? VectorKernels.reduce(op, t, x, off, n) : ScalarReduce.reduce(op, t, x, off, n);
    }

    /** {@code acc[a + j] op= x[off + j*xs]}, {@code j < n}. */
    private static void columns(boolean vec, ReduceOp op, ScalarType t, MemorySegment x, long off, long xs,
                                double[] acc, int a, int n) {
        if (xs == 1) {
            contiguousColumns(vec, op, t, x, off, acc, a, n);
            return;
        }
        MemorySegment s = Runs.scratch()[0];
        for (int done = 0; done < n; done += Runs.BLOCK) {
            int m = Math.min(Runs.BLOCK, n - done);
            Runs.copy(t, x, off + done * xs, xs, t, s, 0, 1, m);
            contiguousColumns(vec, op, t, s, 0, acc, a + done, m);
        }
    }

    private static void contiguousColumns(boolean vec, ReduceOp op, ScalarType t, MemorySegment x, long off,
                                          double[] acc, int a, int n) {
        if (vec) {
            VectorKernels.accumulateRow(op, t, x, off, acc, a, n);
        } else {
            ScalarReduce.accumulateRow(op, t, x, off, acc, a, n);
        }
    }

    /** Writes {@code acc} (divided by {@code count} for MEAN) into {@code out} in row-major order. */
    static void finish(ReduceOp op, ScalarType t, double[] acc, long count, Strided out) {
        Layout l = Layout.of(out);
        long os = l.innerStride(0);
        MemorySegment o = out.data();
        Odometer it = new Odometer(l, 0);
        int i = 0;
        for (long left = l.numel; left > 0; ) {
            long n = it.rowLeft();
            long oo = it.off[0];
            for (long j = 0; j < n; j++, i++) {
                double v = op == ReduceOp.MEAN ? acc[i] / count : acc[i];
                ReferenceKernels.set(t, o, oo + j * os, v);
            }
            it.advance(n);
            left -= n;
        }
    }

    /** Index of the first largest (ARGMAX) or smallest (ARGMIN) element along {@code dim}; NaN wins. */
    static void argReduce(ReduceOp op, ScalarType t, Strided x, int dim, Strided out) {
        boolean max = switch (op) {
            case ARGMAX -> true;
            case ARGMIN -> false;
            default -> throw new IllegalArgumentException("argReduce: unsupported op " + op);
        };
        long[] lineShape = x.shape().clone();
        lineShape[dim] = 1;
        Layout l = Layout.of(lineShape, new long[][] {x.strides(), out.strides()},
                new long[] {x.offset(), out.offset()});
        long len = x.shape()[dim];
        long step = x.strides()[dim];
        Odometer it = new Odometer(l, 0);
        for (long p = 0; p < l.numel; p++) {
            long best = len == 0 ? 0 : t == ScalarType.FLOAT32
                    ? ScalarReduce.argFloat(x.data(), it.off[0], step, len, max)
                    : ScalarReduce.argDouble(x.data(), it.off[0], step, len, max);
            out.data().setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, it.off[1], best);
            it.advance(1);
        }
    }
}
