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

    /** im2col for contiguous x [N, C, H, W] and cols [N, C*kh*kw, L]. */
    static boolean im2col(DType t, Strided x, ConvGeometry g, double pad, Strided cols) {
        if (!x.isContiguous() || !cols.isContiguous()) {
            return false;
        }
        long n = x.shape()[0];
        long c = x.shape()[1];
        int h = (int) x.shape()[2];
        int w = (int) x.shape()[3];
        int oh = (int) g.outH(h);
        int ow = (int) g.outW(w);
        boolean f32 = t == DType.FLOAT32;
        MemorySegment xs = x.data();
        MemorySegment cs = cols.data();
        long xo = x.offset();
        long co = cols.offset();
        for (long b = 0; b < n * c; b++) {
            long plane = xo + b * h * w;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                for (int kj = 0; kj < g.kernelW(); kj++) {
                    long row = co + ((b * g.kernelH() + ki) * g.kernelW() + kj) * (long) oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * g.strideH() - g.padH() + ki * g.dilationH();
                        long dst = row + (long) oy * ow;
                        boolean rowIn = iy >= 0 && iy < h;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * g.strideW() - g.padW() + kj * g.dilationW();
                            boolean in = rowIn && ix >= 0 && ix < w;
                            long at = plane + (long) iy * w + ix;
                            if (f32) {
                                cs.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, dst + ox,
                                        in ? xs.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at) : (float) pad);
                            } else {
                                cs.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, dst + ox,
                                        in ? xs.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at) : pad);
                            }
                        }
                    }
                }
            }
        }
        return true;
    }

    /** col2im (accumulating) for contiguous cols [N, C*kh*kw, L] and x [N, C, H, W]. */
    static boolean col2im(DType t, Strided cols, ConvGeometry g, Strided x) {
        if (!x.isContiguous() || !cols.isContiguous()) {
            return false;
        }
        long n = x.shape()[0];
        long c = x.shape()[1];
        int h = (int) x.shape()[2];
        int w = (int) x.shape()[3];
        int oh = (int) g.outH(h);
        int ow = (int) g.outW(w);
        boolean f32 = t == DType.FLOAT32;
        MemorySegment xs = x.data();
        MemorySegment cs = cols.data();
        long xo = x.offset();
        long co = cols.offset();
        for (long b = 0; b < n * c; b++) {
            long plane = xo + b * h * w;
            for (int ki = 0; ki < g.kernelH(); ki++) {
                for (int kj = 0; kj < g.kernelW(); kj++) {
                    long row = co + ((b * g.kernelH() + ki) * g.kernelW() + kj) * (long) oh * ow;
                    for (int oy = 0; oy < oh; oy++) {
                        int iy = oy * g.strideH() - g.padH() + ki * g.dilationH();
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        long src = row + (long) oy * ow;
                        for (int ox = 0; ox < ow; ox++) {
                            int ix = ox * g.strideW() - g.padW() + kj * g.dilationW();
                            if (ix < 0 || ix >= w) {
                                continue;
                            }
                            long at = plane + (long) iy * w + ix;
                            if (f32) {
                                xs.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at,
                                        xs.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at)
                                                + cs.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, src + ox));
                            } else {
                                xs.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at,
                                        xs.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at)
                                                + cs.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, src + ox));
                            }
                        }
                    }
                }
            }
        }
        return true;
    }
}
