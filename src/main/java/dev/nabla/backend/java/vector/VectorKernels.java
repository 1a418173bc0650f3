package dev.nabla.backend.java.vector;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;

/**
 * The Vector API ({@code jdk.incubator.vector}) kernels over contiguous runs, for the {@code java} and {@code cpu}
 * backends' element-wise, fill, conversion and reduction loops. Internal: offsets and lengths count elements,
 * runs are in host memory, and callers have already checked everything.
 *
 * <p><b>Load this class only when {@link dev.nabla.backend.java.VectorSupport#available()} is true</b>: its
 * helpers link against the incubator module, which a JVM started without
 * {@code --add-modules jdk.incubator.vector} lacks. Its own signatures mention no incubator type, so merely
 * referring to it from guarded code is safe.
 */
public final class VectorKernels {
    private VectorKernels() {
    }

    /**
     * {@code o[oo + i] = op(x[xo + i])} over the leading whole vectors of the {@code n}-element run.
     *
     * @return how many leading elements were done; the caller does the rest with scalar code (all of them
     *         when this returns 0, for ops without an accurate vector form)
     */
    public static long unary(ScalarType t, UnaryOp op, MemorySegment x, long xo, MemorySegment o, long oo, long n,
                             double a, double b) {
        return t == ScalarType.FLOAT32
                ? VectorUnaryFloat.run(op, x, xo, o, oo, n, a, b)
                : VectorUnaryDouble.run(op, x, xo, o, oo, n, a, b);
    }

    /**
     * {@code o[oo + i] = op(x[xo + i], y[yo + i])} over the leading whole vectors of the {@code n}-element run.
     *
     * @return how many leading elements were done; the caller does the rest
     */
    public static long binary(ScalarType t, BinaryOp op, MemorySegment x, long xo, MemorySegment y, long yo,
                              MemorySegment o, long oo, long n) {
        return t == ScalarType.FLOAT32
                ? VectorBinaryFloat.run(op, x, xo, y, yo, o, oo, n)
                : VectorBinaryDouble.run(op, x, xo, y, yo, o, oo, n);
    }

    /** Sets {@code o[oo .. oo+n)} to {@code value} rounded to the dtype. */
    public static void fill(ScalarType t, MemorySegment o, long oo, long n, double value) {
        if (t == ScalarType.FLOAT32) {
            VectorCopy.fillFloat(o, oo, n, (float) value);
        } else {
            VectorCopy.fillDouble(o, oo, n, value);
        }
    }

    /** Converts {@code n} contiguous elements between float32 and float64 ({@code st != dt}). */
    public static void convert(ScalarType st, MemorySegment x, long xo, MemorySegment o, long oo, long n) {
        if (st == ScalarType.FLOAT32) {
            VectorCopy.floatToDouble(x, xo, o, oo, n);
        } else {
            VectorCopy.doubleToFloat(x, xo, o, oo, n);
        }
    }

    /**
     * SUM, MAX or MIN of the contiguous run {@code x[off .. off+n)} ({@code n >= 1} for MAX/MIN); see
     * {@link VectorReduceFloat} for the summation's error bound. MAX/MIN give NaN if any element is NaN.
     */
    public static double reduce(ReduceOp op, ScalarType t, MemorySegment x, long off, long n) {
        boolean f = t == ScalarType.FLOAT32;
        return switch (op) {
            case MAX -> f ? VectorReduceFloat.max(x, off, n) : VectorReduceDouble.max(x, off, n);
            case MIN -> f ? VectorReduceFloat.min(x, off, n) : VectorReduceDouble.min(x, off, n);
            default -> f ? VectorReduceFloat.sum(x, off, n) : VectorReduceDouble.sum(x, off, n);
        };
    }

    /** {@code acc[a + j] op= x[off + j]} for {@code j < n}: one row of a column reduction (SUM/MEAN add). */
    public static void accumulateRow(ReduceOp op, ScalarType t, MemorySegment x, long off, double[] acc, int a, int n) {
        if (t == ScalarType.FLOAT32) {
            VectorColumns.floatRow(op, x, off, acc, a, n);
        } else {
            VectorColumns.doubleRow(op, x, off, acc, a, n);
        }
    }
}
