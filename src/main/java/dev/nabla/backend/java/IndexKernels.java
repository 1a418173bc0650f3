package dev.nabla.backend.java;

import dev.nabla.DType;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Strided;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Fast paths for the indexing and window kernels in their common layouts: whole-row gathers and scatter-adds
 * along dimension 0 (index_select, embedding, batch assembly) and im2col/col2im on contiguous NCHW tensors.
 * Each returns false when the layout is not one it handles, and the caller falls back to {@link ReferenceKernels}.
 */
final class IndexKernels {
    private IndexKernels() {
    }

    /** Rows of a contiguous [R, C...] operand along dim 0 picked by an index constant over the other dims. */
    private static boolean rowLayout(Strided x, Strided index, Strided out, int dim) {
        if (dim != 0 || x.rank() < 1 || !x.isContiguous() || !out.isContiguous()) {
            return false;
        }
        for (int d = 1; d < index.rank(); d++) {
            if (index.strides()[d] != 0 && index.shape()[d] != 1) {
                return false;
            }
        }
        for (int d = 1; d < x.rank(); d++) {
            if (x.shape()[d] != out.shape()[d]) {
                return false;
            }
        }
        return true;
    }

    private static long rowIndex(DType it, Strided index, long r, long limit, String op) {
        long at = index.offset() + r * index.strides()[0];
        double v = it == DType.FLOAT32 ? index.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at)
                : index.data().getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at);
        long i = (long) v;
        if (i != v || i < 0 || i >= limit) {
            throw new IndexOutOfBoundsException(op + ": index " + v + " is out of range for a dimension of size "
                    + limit);
        }
        return i;
    }

    static boolean gather(DType t, Strided x, int dim, DType it, Strided index, Strided out) {
        if (!rowLayout(x, index, out, dim)) {
            return false;
        }
        long rows = out.shape()[0];
        long rowLen = out.numel() / Math.max(rows, 1);
        long bytes = rowLen * t.byteSize();
        for (long r = 0; r < rows; r++) {
            long src = rowIndex(it, index, r, x.shape()[0], "gather");
            MemorySegment.copy(x.data(), (x.offset() + src * rowLen) * t.byteSize(), out.data(),
                    (out.offset() + r * rowLen) * t.byteSize(), bytes);
        }
        return true;
    }

    static boolean scatterAdd(DType t, Strided out, int dim, DType it, Strided index, Strided src) {
        if (!rowLayout(out, index, src, dim)) {
            return false;
        }
        long rows = src.shape()[0];
        long rowLen = src.numel() / Math.max(rows, 1);
        MemorySegment o = out.data();
        MemorySegment s = src.data();
        for (long r = 0; r < rows; r++) {
            long dst = rowIndex(it, index, r, out.shape()[0], "scatterAdd");
            long oo = out.offset() + dst * rowLen;
            long so = src.offset() + r * rowLen;
            if (t == DType.FLOAT32) {
                for (long k = 0; k < rowLen; k++) {
                    o.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, oo + k,
                            o.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, oo + k)
                                    + s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, so + k));
                }
            } else {
                for (long k = 0; k < rowLen; k++) {
                    o.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, oo + k,
                            o.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, oo + k)
                                    + s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, so + k));
                }
            }
        }
        return true;
    }

    /** The output columns {@code [lo, hi]} whose input column {@code ox*sw - pw + kj*dw} lies in {@code [0, w)}. */
    private static int firstInside(int pw, int offset, int sw) {
        // smallest ox >= 0 with ox*sw >= pw - offset
        int need = pw - offset;
        return need <= 0 ? 0 : (need + sw - 1) / sw;
    }

    private static int lastInside(int w, int pw, int offset, int sw, int ow) {
        // largest ox < ow with ox*sw <= w - 1 + pw - offset
        int room = w - 1 + pw - offset;
        return room < 0 ? -1 : Math.min(ow - 1, room / sw);
    }

    /**
     * im2col for contiguous {@code x [N, C, H, W]} and {@code cols [N, C*kh*kw, L]}; see
     * {@link dev.nabla.backend.Backend#im2col}. Planes ({@code N*C}) are split over {@code par}; within a row the
     * in-bounds run is one bulk copy when the stride is 1.
     *
     * @param par where to run chunks of planes, or {@code null} for the calling thread only
     * @return false when the layout is not contiguous (nothing was written)
     */
    public static boolean im2col(ChunkRunner par, DType t, Strided x, ConvGeometry g, double pad, Strided cols) {
        if (!x.isContiguous() || !cols.isContiguous()) {
            return false;
        }
        long planes = x.shape()[0] * x.shape()[1];
        int h = (int) x.shape()[2];
        int w = (int) x.shape()[3];
        int oh = (int) g.outH(h);
        int ow = (int) g.outW(w);
        long work = cols.numel() * 2;
        JavaKernels.split(par, planes, work, (lo, hi) -> im2colPlanes(t, x, g, pad, cols, lo, hi, h, w, oh, ow));
        return true;
    }

    private static void im2colPlanes(DType t, Strided x, ConvGeometry g, double pad, Strided cols, long lo, long hi,
                                     int h, int w, int oh, int ow) {
        boolean f32 = t == DType.FLOAT32;
        long es = t.byteSize();
        MemorySegment xs = x.data();
        MemorySegment cs = cols.data();
        int kh = g.kernelH();
        int kw = g.kernelW();
        int sw = g.strideW();
        for (long b = lo; b < hi; b++) {
            long plane = x.offset() + b * h * w;
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++) {
                    long row = cols.offset() + ((b * kh + ki) * kw + kj) * (long) oh * ow;
                    int offset = kj * g.dilationW();
                    int first = firstInside(g.padW(), offset, sw);
                    int last = lastInside(w, g.padW(), offset, sw, ow);
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * g.strideH() - g.padH() + ki * g.dilationH();
                        long dst = row + (long) oy * ow;
                        if (iy < 0 || iy >= h || last < first) {
                            Runs.fill(t, cs, dst, 1, ow, pad);
                            continue;
                        }
                        if (first > 0) {
                            fillShort(f32, cs, dst, first, pad);
                        }
                        if (last < ow - 1) {
                            fillShort(f32, cs, dst + last + 1, ow - 1 - last, pad);
                        }
                        long src = plane + (long) iy * w + (long) first * sw - g.padW() + offset;
                        int count = last - first + 1;
                        if (sw == 1) {
                            MemorySegment.copy(xs, src * es, cs, (dst + first) * es, count * es);
                        } else if (f32) {
                            for (int i = 0; i < count; i++) {
                                cs.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, dst + first + i,
                                        xs.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, src + (long) i * sw));
                            }
                        } else {
                            for (int i = 0; i < count; i++) {
                                cs.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, dst + first + i,
                                        xs.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, src + (long) i * sw));
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * col2im (accumulating) for contiguous {@code cols [N, C*kh*kw, L]} and {@code x [N, C, H, W]}; see
     * {@link dev.nabla.backend.Backend#col2im}. Planes are split over {@code par}: each plane of {@code x} is
     * written by one thread only.
     *
     * @param par where to run chunks of planes, or {@code null} for the calling thread only
     * @return false when the layout is not contiguous (nothing was written)
     */
    public static boolean col2im(ChunkRunner par, DType t, Strided cols, ConvGeometry g, Strided x) {
        if (!x.isContiguous() || !cols.isContiguous()) {
            return false;
        }
        long planes = x.shape()[0] * x.shape()[1];
        int h = (int) x.shape()[2];
        int w = (int) x.shape()[3];
        int oh = (int) g.outH(h);
        int ow = (int) g.outW(w);
        long work = cols.numel() * 4;
        JavaKernels.split(par, planes, work, (lo, hi) -> col2imPlanes(t, cols, g, x, lo, hi, h, w, oh, ow));
        return true;
    }

    private static void col2imPlanes(DType t, Strided cols, ConvGeometry g, Strided x, long lo, long hi, int h,
                                     int w, int oh, int ow) {
        boolean f32 = t == DType.FLOAT32;
        MemorySegment xs = x.data();
        MemorySegment cs = cols.data();
        int kh = g.kernelH();
        int kw = g.kernelW();
        int sw = g.strideW();
        for (long b = lo; b < hi; b++) {
            long plane = x.offset() + b * h * w;
            for (int ki = 0; ki < kh; ki++) {
                for (int kj = 0; kj < kw; kj++) {
                    long row = cols.offset() + ((b * kh + ki) * kw + kj) * (long) oh * ow;
                    int offset = kj * g.dilationW();
                    int first = firstInside(g.padW(), offset, sw);
                    int last = lastInside(w, g.padW(), offset, sw, ow);
                    if (last < first) {
                        continue;
                    }
                    int count = last - first + 1;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * g.strideH() - g.padH() + ki * g.dilationH();
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        long src = row + (long) oy * ow + first;
                        long at = plane + (long) iy * w + (long) first * sw - g.padW() + offset;
                        if (f32) {
                            addFloats(xs, at, sw, cs, src, count);
                        } else {
                            addDoubles(xs, at, sw, cs, src, count);
                        }
                    }
                }
            }
        }
    }

    /** The padding at a row's ends: a few elements, where {@link Runs#fill}'s bulk set-up would dominate. */
    private static void fillShort(boolean f32, MemorySegment s, long off, int n, double value) {
        if (f32) {
            for (int i = 0; i < n; i++) {
                s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, off + i, (float) value);
            }
        } else {
            for (int i = 0; i < n; i++) {
                s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, off + i, value);
            }
        }
    }

    /** {@code x[at + i*stride] += c[src + i]} for {@code i < count}. */
    private static void addFloats(MemorySegment x, long at, int stride, MemorySegment c, long src, int count) {
        for (int i = 0; i < count; i++) {
            long xi = at + (long) i * stride;
            x.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, xi, x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, xi)
                    + c.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, src + i));
        }
    }

    private static void addDoubles(MemorySegment x, long at, int stride, MemorySegment c, long src, int count) {
        for (int i = 0; i < count; i++) {
            long xi = at + (long) i * stride;
            x.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, xi, x.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, xi)
                    + c.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, src + i));
        }
    }
}
