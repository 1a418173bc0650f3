package dev.nabla.backend.java;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.MemorySegment;

/**
 * The element-wise kernels and reductions of the integer dtypes and bool, over a flat index range of a collapsed
 * {@link Layout} (threads take disjoint ranges, as in {@link Elementwise}). A generic {@code long}-based path: each row
 * is loaded in blocks into {@code long} scratch arrays, computed by {@link IntegerOps} and stored back narrowed, so one
 * set of loops serves int64, int32, int16, int8, uint8 and bool.
 */
final class IntegerElementwise {
    private static final int BLOCK = 512;
    private static final ThreadLocal<long[][]> SCRATCH = ThreadLocal.withInitial(() -> new long[3][BLOCK]);

    private IntegerElementwise() {
    }

    /** {@code out = op(x)} over operands {@code 0 = x, 1 = out} of {@code l}. */
    static void unary(UnaryOp op, ScalarType t, MemorySegment x, MemorySegment o, Layout l, long lo, long hi) {
        long xs = l.innerStride(0);
        long os = l.innerStride(1);
        long[][] s = SCRATCH.get();
        Odometer it = new Odometer(l, lo);
        for (long left = hi - lo; left > 0; ) {
            long n = Math.min(left, it.rowLeft());
            for (long done = 0; done < n; done += BLOCK) {
                int m = (int) Math.min(BLOCK, n - done);
                IntegerRuns.load(t, x, it.off[0] + done * xs, xs, s[0], m);
                IntegerOps.unary(op, t, s[0], s[2], m);
                IntegerRuns.store(t, s[2], o, it.off[1] + done * os, os, m);
            }
            it.advance(n);
            left -= n;
        }
    }

    /** {@code out = op(x, y)} over operands {@code 0 = x, 1 = y, 2 = out} of {@code l}. */
    static void binary(BinaryOp op, ScalarType t, MemorySegment x, MemorySegment y, MemorySegment o, Layout l, long lo,
                       long hi) {
        long xs = l.innerStride(0);
        long ys = l.innerStride(1);
        long os = l.innerStride(2);
        int bits = IntegerRuns.bits(t);
        long[][] s = SCRATCH.get();
        Odometer it = new Odometer(l, lo);
        for (long left = hi - lo; left > 0; ) {
            long n = Math.min(left, it.rowLeft());
            for (long done = 0; done < n; done += BLOCK) {
                int m = (int) Math.min(BLOCK, n - done);
                IntegerRuns.load(t, x, it.off[0] + done * xs, xs, s[0], m);
                IntegerRuns.load(t, y, it.off[1] + done * ys, ys, s[1], m);
                IntegerOps.binary(op, bits, s[0], s[1], s[2], m);
                IntegerRuns.store(t, s[2], o, it.off[2] + done * os, os, m);
            }
            it.advance(n);
            left -= n;
        }
    }

    /**
     * Reduces {@code x} into {@code out} (same rank, size 1 on reduced dimensions) in {@code long}: SUM wraps like
     * int64 addition (callers sum in int64, as PyTorch does), MAX and MIN are exact. Serial.
     */
    static void reduce(ReduceOp op, ScalarType t, Strided x, Strided out) {
        if (op != ReduceOp.SUM && op != ReduceOp.MAX && op != ReduceOp.MIN) {
            throw new IllegalArgumentException("reduce " + op + ": not defined for dtype " + t);
        }
        int outN = Math.toIntExact(out.numel());
        long[] acc = new long[outN];
        java.util.Arrays.fill(acc, op == ReduceOp.MAX ? Long.MIN_VALUE : op == ReduceOp.MIN ? Long.MAX_VALUE : 0);
        Layout l = Reductions.plan(x, out).layout();
        long[] v = SCRATCH.get()[0];
        if (l.numel > 0) {
            long n = l.rowLength();
            long xs = l.innerStride(0);
            long ss = l.innerStride(1);
            Odometer it = new Odometer(l, 0);
            for (long rows = l.numel / n; rows > 0; rows--) {
                for (long done = 0; done < n; done += BLOCK) {
                    int m = (int) Math.min(BLOCK, n - done);
                    IntegerRuns.load(t, x.data(), it.off[0] + done * xs, xs, v, m);
                    long slot = it.off[1] + done * ss;
                    for (int i = 0; i < m; i++) {
                        int k = (int) (slot + i * ss);
                        acc[k] = switch (op) {
                            case MAX -> Math.max(acc[k], v[i]);
                            case MIN -> Math.min(acc[k], v[i]);
                            default -> acc[k] + v[i];
                        };
                    }
                }
                it.advance(n);
            }
        }
        Layout ol = Layout.of(out);
        Odometer ot = new Odometer(ol, 0);
        long on = ol.rowLength();
        long os = ol.innerStride(0);
        for (long k = 0; k < outN; k += on) {
            for (long done = 0; done < on; done += BLOCK) {
                int m = (int) Math.min(BLOCK, on - done);
                System.arraycopy(acc, (int) (k + done), v, 0, m);
                IntegerRuns.store(t, v, out.data(), ot.off[0] + done * os, os, m);
            }
            ot.advance(on);
        }
    }
}
