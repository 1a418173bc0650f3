package dev.nabla.backend.java;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.ScalarMath;
import dev.nabla.backend.UnaryOp;
import dev.nabla.base.ConvGeometry;
import dev.nabla.base.Elements;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The plainest correct kernels: one element at a time, in double precision, through an odometer over the
 * strided index space. Every faster kernel in Nabla is tested against these. Host memory only.
 */
public final class ReferenceKernels {
    private ReferenceKernels() {
    }

    static double get(ScalarType t, MemorySegment seg, long index) {
        return switch (t) {
            case FLOAT32 -> seg.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index);
            case FLOAT64 -> seg.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, index);
            default -> Elements.getDouble(t, seg, index);
        };
    }

    static void set(ScalarType t, MemorySegment seg, long index, double v) {
        switch (t) {
            case FLOAT32 -> seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index, (float) v);
            case FLOAT64 -> seg.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, index, v);
            default -> Elements.setDouble(t, seg, index, v);
        }
    }

    /** Element offsets of every index of {@code shape} under {@code strides}, in row-major order. */
    static long[] offsets(long[] shape, long[] strides, long offset) {
        return Strided.elementOffsets(shape, strides, offset);
    }

    static long[] offsets(Strided s) {
        return offsets(s.shape(), s.strides(), s.offset());
    }

    /** Sets every element of {@code dst}. */
    public static void fill(ScalarType t, Strided dst, double value) {
        for (long o : offsets(dst)) {
            set(t, dst.data(), o, value);
        }
    }

    /** Strided copy with dtype conversion. */
    public static void copy(ScalarType st, Strided src, ScalarType dt, Strided dst) {
        long[] so = offsets(src);
        long[] d = offsets(dst);
        double[] tmp = new double[so.length];
        for (int i = 0; i < so.length; i++) {
            tmp[i] = get(st, src.data(), so[i]);
        }
        for (int i = 0; i < d.length; i++) {
            set(dt, dst.data(), d[i], tmp[i]);
        }
    }

    /** Element-wise unary op. */
    public static void unary(UnaryOp op, ScalarType t, Strided x, Strided out, double a, double b) {
        long[] xo = offsets(x);
        long[] oo = offsets(out);
        for (int i = 0; i < xo.length; i++) {
            set(t, out.data(), oo[i], ScalarMath.unary(op, get(t, x.data(), xo[i]), a, b));
        }
    }

    /** Element-wise binary op. */
    public static void binary(BinaryOp op, ScalarType t, Strided x, Strided y, Strided out) {
        long[] xo = offsets(x);
        long[] yo = offsets(y);
        long[] oo = offsets(out);
        for (int i = 0; i < xo.length; i++) {
            double r = ScalarMath.binary(op, get(t, x.data(), xo[i]), get(t, y.data(), yo[i]));
            set(t, out.data(), oo[i], r);
        }
    }

    /** Reduction into an output of the same rank with size 1 on reduced dimensions. */
    public static void reduce(ReduceOp op, ScalarType t, Strided x, Strided out) {
        int rank = x.rank();
        // View the output with x's shape: a zero stride on each reduced dimension maps all of it to one slot.
        long[] outStrides = new long[rank];
        long[] packed = Strided.contiguousStrides(out.shape());
        long count = 1;
        for (int d = 0; d < rank; d++) {
            boolean reduced = out.shape()[d] == 1 && x.shape()[d] != 1;
            outStrides[d] = reduced ? 0 : packed[d];
            if (reduced) {
                count *= x.shape()[d];
            }
        }
        if (x.numel() == 0) {
            count = 0;
        }
        int outN = Math.toIntExact(out.numel());
        double[] acc = new double[outN];
        double init = switch (op) {
            case SUM, MEAN -> 0.0;
            case MAX -> Double.NEGATIVE_INFINITY;
            case MIN -> Double.POSITIVE_INFINITY;
            default -> throw new IllegalArgumentException("reduce: unsupported op " + op);
        };
        java.util.Arrays.fill(acc, init);
        long[] xo = offsets(x);
        long[] slot = offsets(x.shape(), outStrides, 0);
        for (int i = 0; i < xo.length; i++) {
            double v = get(t, x.data(), xo[i]);
            int s = (int) slot[i];
            acc[s] = switch (op) {
                case SUM, MEAN -> acc[s] + v;
                case MAX -> Double.isNaN(acc[s]) ? acc[s] : Math.max(acc[s], v);
                default -> Double.isNaN(acc[s]) ? acc[s] : Math.min(acc[s], v);
            };
        }
        long[] oo = offsets(out);
        for (int i = 0; i < outN; i++) {
            double v = op == ReduceOp.MEAN ? acc[i] / count : acc[i];
            set(t, out.data(), oo[i], v);
        }
    }

    /** Index of the first extreme element along {@code dim}; NaN wins. */
    public static void argReduce(ReduceOp op, ScalarType t, Strided x, int dim, Strided out) {
        boolean max = switch (op) {
            case ARGMAX -> true;
            case ARGMIN -> false;
            default -> throw new IllegalArgumentException("argReduce: unsupported op " + op);
        };
        long[] lineShape = x.shape().clone();
        lineShape[dim] = 1;
        long[] starts = offsets(lineShape, x.strides(), x.offset());
        long[] oo = offsets(out);
        long len = x.shape()[dim];
        long step = x.strides()[dim];
        for (int i = 0; i < starts.length; i++) {
            long best = 0;
            double bestV = get(t, x.data(), starts[i]);
            for (long j = 1; j < len && !Double.isNaN(bestV); j++) {
                double v = get(t, x.data(), starts[i] + j * step);
                if (Double.isNaN(v) || (max ? v > bestV : v < bestV)) {
                    best = j;
                    bestV = v;
                }
            }
            Elements.setLong(ScalarType.INT64, out.data(), oo[i], best);
        }
    }

    /** Triple-loop GEMM with a double accumulator. */
    public static void gemm(ScalarType t, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                            double beta, MemorySegment c, long cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double av = get(t, a, aOff + (transA ? (long) p * lda + i : (long) i * lda + p));
                    double bv = get(t, b, bOff + (transB ? (long) j * ldb + p : (long) p * ldb + j));
                    sum += av * bv;
                }
                long ci = cOff + (long) i * ldc + j;
                double old = beta == 0 ? 0 : beta * get(t, c, ci);
                set(t, c, ci, alpha * sum + old);
            }
        }
    }

    /** The index value at {@code at} of the integral {@code indexType}, checked to lie in [0, size). */
    static long indexAt(ScalarType indexType, MemorySegment seg, long at, long size, String op) {
        if (!indexType.isIntegral()) {
            throw new IllegalArgumentException(op + ": index must be an integer tensor (int64 or int32), got "
                    + indexType);
        }
        long i = Elements.getLong(indexType, seg, at);
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(op + ": index " + i + " is out of range for a dimension of size "
                    + size);
        }
        return i;
    }

    /** Offset of the element of {@code s} at the multi-index whose position in out-order is {@code pos}. */
    private static long[] positions(long[] shape) {
        return offsets(shape, Strided.contiguousStrides(shape), 0);
    }

    /** Gather along {@code dim}; see {@link dev.nabla.backend.Backend#gather}. */
    public static void gather(ScalarType t, Strided x, int dim, ScalarType it, Strided index, Strided out) {
        long[] shape = out.shape();
        long[] io = offsets(index.shape(), index.strides(), index.offset());
        long[] oo = offsets(out);
        // x offsets of each out position with index 0 along dim
        long[] xBase = offsets(shape, x.strides(), x.offset());
        long[] pos = positions(shape);
        long[] contig = Strided.contiguousStrides(shape);
        for (int p = 0; p < oo.length; p++) {
            long along = (pos[p] / contig[dim]) % shape[dim];
            long i = indexAt(it, index.data(), io[p], x.shape()[dim], "gather");
            long at = xBase[p] + (i - along) * x.strides()[dim];
            set(t, out.data(), oo[p], get(t, x.data(), at));
        }
    }

    /** Scatter-add along {@code dim}; see {@link dev.nabla.backend.Backend#scatterAdd}. */
    public static void scatterAdd(ScalarType t, Strided out, int dim, ScalarType it, Strided index, Strided src) {
        long[] shape = src.shape();
        long[] io = offsets(index);
        long[] so = offsets(src);
        long[] outBase = offsets(shape, out.strides(), out.offset());
        long[] pos = positions(shape);
        long[] contig = Strided.contiguousStrides(shape);
        for (int p = 0; p < so.length; p++) {
            long along = (pos[p] / contig[dim]) % shape[dim];
            long i = indexAt(it, index.data(), io[p], out.shape()[dim], "scatterAdd");
            long at = outBase[p] + (i - along) * out.strides()[dim];
            set(t, out.data(), at, get(t, out.data(), at) + get(t, src.data(), so[p]));
        }
    }

    /** Sliding-window unfold; see {@link dev.nabla.backend.Backend#im2col}. */
    public static void im2col(ScalarType t, Strided x, ConvGeometry g, double padValue, Strided cols) {
        long n = x.shape()[0];
        long c = x.shape()[1];
        long h = x.shape()[2];
        long w = x.shape()[3];
        long oh = g.outH(h);
        long ow = g.outW(w);
        long[] xs = x.strides();
        long[] cs = cols.strides();
        for (long b = 0; b < n; b++) {
            for (long ch = 0; ch < c; ch++) {
                for (int ki = 0; ki < g.kernelH(); ki++) {
                    for (int kj = 0; kj < g.kernelW(); kj++) {
                        long row = (ch * g.kernelH() + ki) * g.kernelW() + kj;
                        for (long oy = 0; oy < oh; oy++) {
                            long iy = oy * g.strideH() - g.padH() + (long) ki * g.dilationH();
                            for (long ox = 0; ox < ow; ox++) {
                                long ix = ox * g.strideW() - g.padW() + (long) kj * g.dilationW();
                                double v = iy < 0 || iy >= h || ix < 0 || ix >= w ? padValue
                                        : get(t, x.data(), x.offset() + b * xs[0] + ch * xs[1] + iy * xs[2]
                                        + ix * xs[3]);
                                set(t, cols.data(), cols.offset() + b * cs[0] + row * cs[1] + (oy * ow + ox) * cs[2],
                                        v);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Sliding-window fold (accumulating); see {@link dev.nabla.backend.Backend#col2im}. */
    public static void col2im(ScalarType t, Strided cols, ConvGeometry g, Strided x) {
        long n = x.shape()[0];
        long c = x.shape()[1];
        long h = x.shape()[2];
        long w = x.shape()[3];
        long oh = g.outH(h);
        long ow = g.outW(w);
        long[] xs = x.strides();
        long[] cs = cols.strides();
        for (long b = 0; b < n; b++) {
            for (long ch = 0; ch < c; ch++) {
                for (int ki = 0; ki < g.kernelH(); ki++) {
                    for (int kj = 0; kj < g.kernelW(); kj++) {
                        long row = (ch * g.kernelH() + ki) * g.kernelW() + kj;
                        for (long oy = 0; oy < oh; oy++) {
                            long iy = oy * g.strideH() - g.padH() + (long) ki * g.dilationH();
                            if (iy < 0 || iy >= h) {
                                continue;
                            }
                            for (long ox = 0; ox < ow; ox++) {
                                long ix = ox * g.strideW() - g.padW() + (long) kj * g.dilationW();
                                if (ix < 0 || ix >= w) {
                                    continue;
                                }
                                long at = x.offset() + b * xs[0] + ch * xs[1] + iy * xs[2] + ix * xs[3];
                                double v = get(t, cols.data(), cols.offset() + b * cs[0] + row * cs[1]
                                        + (oy * ow + ox) * cs[2]);
                                set(t, x.data(), at, get(t, x.data(), at) + v);
                            }
                        }
                    }
                }
            }
        }
    }
}
