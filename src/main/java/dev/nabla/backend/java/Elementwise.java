package dev.nabla.backend.java;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.java.vector.VectorKernels;
import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;

/**
 * Element-wise kernels over a flat index range {@code [lo, hi)} of a collapsed {@link Layout}, so threads can
 * take disjoint ranges. Each row of the range runs one typed loop: contiguous runs go straight to the op's loop
 * (Vector API first when enabled, scalar for the rest); a run with a broadcast scalar or a strided operand is
 * processed in scratch blocks, gathering the strided operands so the same contiguous loops apply. The vector
 * classes are touched only when {@code vec} is true, which callers set only when the module is present.
 */
final class Elementwise {
    private Elementwise() {
    }

    /** {@code out = op(x)} over operands {@code 0 = x, 1 = out} of {@code l}. */
    static void unary(boolean vec, UnaryOp op, ScalarType t, MemorySegment x, MemorySegment o, Layout l, long lo,
            long hi,
                      double a, double b) {
        long xs = l.innerStride(0);
        long os = l.innerStride(1);
        Odometer it = new Odometer(l, lo);
        for (long left = hi - lo; left > 0; ) {
            long n = Math.min(left, it.rowLeft());
            if (xs == 1 && os == 1) {
                unaryRun(vec, op, t, x, it.off[0], o, it.off[1], n, a, b);
            } else {
                unaryBlocked(vec, op, t, x, it.off[0], xs, o, it.off[1], os, n, a, b);
            }
            it.advance(n);
            left -= n;
        }
    }

    private static void unaryRun(boolean vec, UnaryOp op, ScalarType t, MemorySegment x, long xo, MemorySegment o,
                                 long oo, long n, double a, double b) {
        long done = vec ? VectorKernels.unary(t, op, x, xo, o, oo, n, a, b) : 0;
        if (done < n) {
            if (t == ScalarType.FLOAT32) {
                FloatUnary.run(op, x, xo + done, o, oo + done, n - done, a, b);
            } else {
                DoubleUnary.run(op, x, xo + done, o, oo + done, n - done, a, b);
            }
        }
    }

    private static void unaryBlocked(boolean vec, UnaryOp op, ScalarType t, MemorySegment x, long xo, long xs,
                                     MemorySegment o, long oo, long os, long n, double a, double b) {
        MemorySegment s = Runs.scratch()[0];
        for (long done = 0; done < n; done += Runs.BLOCK) {
            long m = Math.min(Runs.BLOCK, n - done);
            Runs.copy(t, x, xo + done * xs, xs, t, s, 0, 1, m);
            if (os == 1) {
                unaryRun(vec, op, t, s, 0, o, oo + done, m, a, b);
            } else {
                unaryRun(vec, op, t, s, 0, s, 0, m, a, b);
                Runs.copy(t, s, 0, 1, t, o, oo + done * os, os, m);
            }
        }
    }

    /** {@code out = op(x, y)} over operands {@code 0 = x, 1 = y, 2 = out} of {@code l}. */
    static void binary(boolean vec, BinaryOp op, ScalarType t, MemorySegment x, MemorySegment y, MemorySegment o,
                       Layout l, long lo, long hi) {
        long xs = l.innerStride(0);
        long ys = l.innerStride(1);
        long os = l.innerStride(2);
        Odometer it = new Odometer(l, lo);
        for (long left = hi - lo; left > 0; ) {
            long n = Math.min(left, it.rowLeft());
            long xo = it.off[0];
            long yo = it.off[1];
            long oo = it.off[2];
            if (xs == 1 && ys == 1 && os == 1) {
                binaryRun(vec, op, t, x, xo, y, yo, o, oo, n);
            } else if (!vec && xs == 1 && ys == 0 && os == 1) { // a broadcast column, e.g. x - rowMean
                double yv = ReferenceKernels.get(t, y, yo);
                if (t == ScalarType.FLOAT32) {
                    FloatBinary.runScalarY(op, x, xo, (float) yv, o, oo, n);
                } else {
                    DoubleBinary.runScalarY(op, x, xo, yv, o, oo, n);
                }
            } else {
                // The vector path takes a broadcast scalar through here too: its y block is filled once and the
                // contiguous loop reads it from L1, which costs less than a second set of vector loops would.
                binaryBlocked(vec, op, t, x, xo, xs, y, yo, ys, o, oo, os, n);
            }
            it.advance(n);
            left -= n;
        }
    }

    private static void binaryRun(boolean vec, BinaryOp op, ScalarType t, MemorySegment x, long xo, MemorySegment y,
                                  long yo, MemorySegment o, long oo, long n) {
        long done = vec ? VectorKernels.binary(t, op, x, xo, y, yo, o, oo, n) : 0;
        if (done < n) {
            if (t == ScalarType.FLOAT32) {
                FloatBinary.run(op, x, xo + done, y, yo + done, o, oo + done, n - done);
            } else {
                DoubleBinary.run(op, x, xo + done, y, yo + done, o, oo + done, n - done);
            }
        }
    }

    private static void binaryBlocked(boolean vec, BinaryOp op, ScalarType t, MemorySegment x, long xo, long xs,
                                      MemorySegment y, long yo, long ys, MemorySegment o, long oo, long os, long n) {
        MemorySegment[] s = Runs.scratch();
        if (ys == 0) {
            Runs.copy(t, y, yo, 0, t, s[1], 0, 1, Math.min(Runs.BLOCK, n));
        }
        if (xs == 0) {
            Runs.copy(t, x, xo, 0, t, s[0], 0, 1, Math.min(Runs.BLOCK, n));
        }
        for (long done = 0; done < n; done += Runs.BLOCK) {
            long m = Math.min(Runs.BLOCK, n - done);
            MemorySegment xa = xs == 1 ? x : s[0];
            long xa0 = xs == 1 ? xo + done : 0;
            if (xs != 1 && xs != 0) {
                Runs.copy(t, x, xo + done * xs, xs, t, s[0], 0, 1, m);
            }
            MemorySegment ya = ys == 1 ? y : s[1];
            long ya0 = ys == 1 ? yo + done : 0;
            if (ys != 1 && ys != 0) {
                Runs.copy(t, y, yo + done * ys, ys, t, s[1], 0, 1, m);
            }
            if (os == 1) {
                binaryRun(vec, op, t, xa, xa0, ya, ya0, o, oo + done, m);
            } else {
                binaryRun(vec, op, t, xa, xa0, ya, ya0, s[2], 0, m);
                Runs.copy(t, s[2], 0, 1, t, o, oo + done * os, os, m);
            }
        }
    }

    /** Sets every element of operand 0 of {@code l} to {@code value}. */
    static void fill(boolean vec, ScalarType t, MemorySegment d, Layout l, long lo, long hi, double value) {
        long ds = l.innerStride(0);
        boolean zero = Double.doubleToRawLongBits(value) == 0; // memset beats a vector loop
        Odometer it = new Odometer(l, lo);
        for (long left = hi - lo; left > 0; ) {
            long n = Math.min(left, it.rowLeft());
            if (vec && ds == 1 && !zero && t.isStandardFloat()) {
                VectorKernels.fill(t, d, it.off[0], n, value);
            } else {
                Runs.fill(t, d, it.off[0], ds, n, value);
            }
            it.advance(n);
            left -= n;
        }
    }

    /** Copies operand 0 of {@code l} into operand 1, converting the dtype. */
    static void copy(boolean vec, ScalarType st, MemorySegment s, ScalarType dt, MemorySegment d, Layout l, long lo,
                     long hi) {
        long ss = l.innerStride(0);
        long ds = l.innerStride(1);
        Odometer it = new Odometer(l, lo);
        for (long left = hi - lo; left > 0; ) {
            long n = Math.min(left, it.rowLeft());
            if (vec && st != dt && ss == 1 && ds == 1 && st.isStandardFloat() && dt.isStandardFloat()) {
                VectorKernels.convert(st, s, it.off[0], d, it.off[1], n);
            } else {
                Runs.copy(st, s, it.off[0], ss, dt, d, it.off[1], ds, n);
            }
            it.advance(n);
            left -= n;
        }
    }
}
