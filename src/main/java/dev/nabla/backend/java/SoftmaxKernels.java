package dev.nabla.backend.java;

import dev.nabla.backend.java.vector.VectorSoftmax;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Softmax and log-softmax over the last dimension of contiguous tensors, and their gradients, row by row; see
 * {@link dev.nabla.backend.Backend#softmax}. Rows are split over a {@link ChunkRunner}. Float32 rows take the Vector
 * API loops when the module is present; otherwise (and for float64) a scalar loop in double precision.
 */
final class SoftmaxKernels {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    /** Work per element in {@code WorkCost} units: an exp and a few memory passes. */
    private static final long COST = 12;

    private SoftmaxKernels() {
    }

    private static boolean suits(Strided... operands) {
        for (Strided s : operands) {
            if (!s.isContiguous() || s.rank() == 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code out = softmax(x)} (or its log) along the last dimension.
     *
     * @return false when an operand is not contiguous (nothing was written)
     */
    public static boolean softmax(boolean useVector, ChunkRunner par, ScalarType t, Strided x, Strided out,
            boolean log) {
        if (!suits(x, out)) {
            return false;
        }
        long n = x.shape()[x.rank() - 1];
        long rows = n == 0 ? 0 : x.numel() / n;
        boolean vec = useVector && VectorSupport.available() && t == ScalarType.FLOAT32;
        JavaKernels.split(par, rows, rows * n * COST, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                long xo = x.offset() + r * n;
                long oo = out.offset() + r * n;
                if (vec) {
                    VectorSoftmax.forward(x.data(), xo, out.data(), oo, n, log);
                } else {
                    scalarForward(t == ScalarType.FLOAT32, x.data(), xo, out.data(), oo, n, log);
                }
            }
        });
        return true;
    }

    /**
     * The input gradient from the forward's output {@code y} and the output gradient {@code g}.
     *
     * @return false when an operand is not contiguous (nothing was written)
     */
    public static boolean softmaxBackward(boolean useVector, ChunkRunner par, ScalarType t, Strided y, Strided g,
                                          Strided out, boolean log) {
        if (!suits(y, g, out)) {
            return false;
        }
        long n = y.shape()[y.rank() - 1];
        long rows = n == 0 ? 0 : y.numel() / n;
        boolean vec = useVector && VectorSupport.available() && t == ScalarType.FLOAT32;
        JavaKernels.split(par, rows, rows * n * COST, (lo, hi) -> {
            for (long r = lo; r < hi; r++) {
                long yo = y.offset() + r * n;
                long go = g.offset() + r * n;
                long oo = out.offset() + r * n;
                if (vec) {
                    VectorSoftmax.backward(y.data(), yo, g.data(), go, out.data(), oo, n, log);
                } else {
                    scalarBackward(t == ScalarType.FLOAT32, y.data(), yo, g.data(), go, out.data(), oo, n, log);
                }
            }
        });
        return true;
    }

    private static double get(boolean f32, MemorySegment s, long i) {
        return f32 ? s.getAtIndex(F, i) : s.getAtIndex(D, i);
    }

    private static void set(boolean f32, MemorySegment s, long i, double v) {
        if (f32) {
            s.setAtIndex(F, i, (float) v);
        } else {
            s.setAtIndex(D, i, v);
        }
    }

    private static void scalarForward(boolean f32, MemorySegment x, long xo, MemorySegment out, long oo, long n,
                                      boolean log) {
        double max = Double.NEGATIVE_INFINITY;
        for (long i = 0; i < n; i++) {
            max = Math.max(max, get(f32, x, xo + i));
        }
        double sum = 0;
        for (long i = 0; i < n; i++) {
            double e = Math.exp(get(f32, x, xo + i) - max);
            if (!log) {
                set(f32, out, oo + i, e);
            }
            sum += e;
        }
        if (log) {
            double shift = max + Math.log(sum);
            for (long i = 0; i < n; i++) {
                set(f32, out, oo + i, get(f32, x, xo + i) - shift);
            }
        } else {
            for (long i = 0; i < n; i++) {
                set(f32, out, oo + i, get(f32, out, oo + i) / sum);
            }
        }
    }

    private static void scalarBackward(boolean f32, MemorySegment y, long yo, MemorySegment g, long go,
                                       MemorySegment out, long oo, long n, boolean log) {
        double sum = 0;
        for (long i = 0; i < n; i++) {
            double gv = get(f32, g, go + i);
            sum += log ? gv : gv * get(f32, y, yo + i);
        }
        for (long i = 0; i < n; i++) {
            double yv = get(f32, y, yo + i);
            double gv = get(f32, g, go + i);
            set(f32, out, oo + i, log ? gv - Math.exp(yv) * sum : yv * (gv - sum));
        }
    }
}
