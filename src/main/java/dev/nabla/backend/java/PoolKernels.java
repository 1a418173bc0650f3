package dev.nabla.backend.java;

import dev.nabla.DType;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.Strided;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Max pooling in one pass over contiguous {@code [N, C, H, W]} tensors, and its adjoint; see
 * {@link dev.nabla.backend.Backend#maxPool2d}. Planes ({@code N*C}) are split over a {@link ChunkRunner}. Replaces
 * the composite unfold + argmax + gather (and scatter + fold backward), which moved each input several times.
 */
final class PoolKernels {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    /** Plane positions stored in a float32 index tensor must be exact. */
    private static final long FLOAT32_EXACT = 1L << 24;

    private PoolKernels() {
    }

    /**
     * Forward max pooling with the position of each window's maximum.
     *
     * @param par where to run chunks of planes, or {@code null} for the calling thread only
     * @return false when the operands are not contiguous or a plane is too large for exact float32 positions
     */
    public static boolean maxPool2d(ChunkRunner par, DType t, Strided x, ConvGeometry g, Strided out,
                                    Strided indices) {
        if (!x.isContiguous() || !out.isContiguous() || !indices.isContiguous() || x.rank() != 4) {
            return false;
        }
        int h = (int) x.shape()[2];
        int w = (int) x.shape()[3];
        if (t == DType.FLOAT32 && (long) h * w > FLOAT32_EXACT) {
            return false;
        }
        long planes = x.shape()[0] * x.shape()[1];
        int oh = (int) g.outH(h);
        int ow = (int) g.outW(w);
        long work = out.numel() * g.kernelH() * g.kernelW() * 2;
        JavaKernels.split(par, planes, work, (lo, hi) -> {
            for (long b = lo; b < hi; b++) {
                if (t == DType.FLOAT32 && isPlain2x2(g)) {
                    floatPlane2x2(x, out, indices, b, h, w, oh, ow);
                } else {
                    plane(t == DType.FLOAT32, x, g, out, indices, b, h, w, oh, ow);
                }
            }
        });
        return true;
    }

    /** The CNN workhorse: 2x2 windows, stride 2, no padding or dilation. */
    private static boolean isPlain2x2(ConvGeometry g) {
        return g.kernelH() == 2 && g.kernelW() == 2 && g.strideH() == 2 && g.strideW() == 2 && g.padH() == 0
                && g.padW() == 0 && g.dilationH() == 1 && g.dilationW() == 1;
    }

    /**
     * {@link #plane} unrolled for float32 2x2 windows, without data-dependent branches: which of four random values is
     * the largest is a coin toss for the branch predictor, and the branchy form (compare and jump, or a chain of
     * {@code ?:} that C2 also compiles to jumps) ran about three times slower than this. The maximum comes from
     * {@code Math.max}; the position of the first element equal to it is computed with integer arithmetic from
     * {@code m - v == 0} (exact for finite floats), which is PyTorch's "first strictly larger" rule; the value is
     * read back from that position (keeping the sign of a zero). Windows whose maximum is not finite (NaN, or
     * infinities, where {@code m - v} is NaN) take the general rule.
     */
    private static void floatPlane2x2(Strided x, Strided out, Strided indices, long b, int h, int w, int oh,
                                      int ow) {
        MemorySegment xs = x.data();
        MemorySegment os = out.data();
        MemorySegment is = indices.data();
        long plane = x.offset() + b * h * w;
        long o = out.offset() + b * oh * ow;
        long io = indices.offset() + b * oh * ow;
        for (int oy = 0; oy < oh; oy++) {
            long top = plane + 2L * oy * w;
            for (int ox = 0; ox < ow; ox++) {
                long at = top + 2L * ox;
                float v0 = xs.getAtIndex(F, at);
                float v1 = xs.getAtIndex(F, at + 1);
                float v2 = xs.getAtIndex(F, at + w);
                float v3 = xs.getAtIndex(F, at + w + 1);
                float m = Math.max(Math.max(v0, v1), Math.max(v2, v3));
                int off;
                if (Math.abs(m) <= Float.MAX_VALUE) {
                    // neK = 1 when vK != m: the bits of m - vK (>= +0) are non-zero exactly then
                    int d0 = Float.floatToRawIntBits(m - v0);
                    int d1 = Float.floatToRawIntBits(m - v1);
                    int d2 = Float.floatToRawIntBits(m - v2);
                    int ne0 = (d0 | -d0) >>> 31;
                    int ne1 = (d1 | -d1) >>> 31;
                    int ne2 = (d2 | -d2) >>> 31;
                    off = ne0 * (ne1 * (w + ne2) + 1 - ne1); // 0, 1, w or w + 1: the first equal to m
                } else {
                    off = generalOffset(v0, v1, v2, v3, w);
                }
                long k = (long) oy * ow + ox;
                os.setAtIndex(F, o + k, xs.getAtIndex(F, at + off));
                is.setAtIndex(F, io + k, (float) (2 * oy * w + 2 * ox + off));
            }
        }
    }

    /** The general rule on one 2x2 window: the first strictly larger value wins, a NaN always wins. */
    private static int generalOffset(float v0, float v1, float v2, float v3, int w) {
        float best = v0;
        int off = 0;
        if (v1 > best || v1 != v1) {
            best = v1;
            off = 1;
        }
        if (v2 > best || v2 != v2) {
            best = v2;
            off = w;
        }
        if (v3 > best || v3 != v3) {
            off = w + 1;
        }
        return off;
    }

    /**
     * One plane, any window: PyTorch's rule (max_pool2d CPU kernel), the first strictly larger value wins and a NaN
     * always wins; the search starts at -inf with the window's first in-bounds position, so padding never wins.
     */
    private static void plane(boolean f32, Strided x, ConvGeometry g, Strided out, Strided indices, long b, int h,
                              int w, int oh, int ow) {
        // One loop for both dtypes: float32 values are compared as doubles, which is exact.
        MemorySegment xs = x.data();
        long plane = x.offset() + b * h * w;
        long o = out.offset() + b * oh * ow;
        long io = indices.offset() + b * oh * ow;
        for (int oy = 0; oy < oh; oy++) {
            int y0 = oy * g.strideH() - g.padH();
            for (int ox = 0; ox < ow; ox++) {
                int x0 = ox * g.strideW() - g.padW();
                double best = Double.NEGATIVE_INFINITY;
                int bestAt = -1;
                for (int ki = 0; ki < g.kernelH(); ki++) {
                    int iy = y0 + ki * g.dilationH();
                    if (iy < 0 || iy >= h) {
                        continue;
                    }
                    for (int kj = 0; kj < g.kernelW(); kj++) {
                        int ix = x0 + kj * g.dilationW();
                        if (ix < 0 || ix >= w) {
                            continue;
                        }
                        int at = iy * w + ix;
                        double v = f32 ? xs.getAtIndex(F, plane + at) : xs.getAtIndex(D, plane + at);
                        if (bestAt < 0) {
                            bestAt = at;
                        }
                        if (v > best || Double.isNaN(v)) {
                            best = v;
                            bestAt = at;
                        }
                    }
                }
                long k = (long) oy * ow + ox;
                if (f32) {
                    out.data().setAtIndex(F, o + k, (float) best);
                    indices.data().setAtIndex(F, io + k, bestAt);
                } else {
                    out.data().setAtIndex(D, o + k, best);
                    indices.data().setAtIndex(D, io + k, bestAt);
                }
            }
        }
    }

    /**
     * The adjoint: zeroes {@code gradIn} and adds each {@code gradOut} element at its window's maximum.
     *
     * @param par where to run chunks of planes, or {@code null} for the calling thread only
     * @return false when the operands are not contiguous
     */
    public static boolean maxPool2dBackward(ChunkRunner par, DType t, Strided gradOut, Strided indices,
                                            Strided gradIn) {
        if (!gradOut.isContiguous() || !indices.isContiguous() || !gradIn.isContiguous() || gradIn.rank() != 4) {
            return false;
        }
        long planes = gradIn.shape()[0] * gradIn.shape()[1];
        long hw = gradIn.shape()[2] * gradIn.shape()[3];
        long l = gradOut.numel() / Math.max(planes, 1);
        long work = gradIn.numel() + gradOut.numel() * 4;
        JavaKernels.split(par, planes, work, (lo, hi) -> {
            Runs.fill(t, gradIn.data(), gradIn.offset() + lo * hw, 1, (hi - lo) * hw, 0.0);
            MemorySegment gi = gradIn.data();
            MemorySegment go = gradOut.data();
            MemorySegment ix = indices.data();
            for (long b = lo; b < hi; b++) {
                long plane = gradIn.offset() + b * hw;
                long o = gradOut.offset() + b * l;
                long io = indices.offset() + b * l;
                if (t == DType.FLOAT32) {
                    for (long k = 0; k < l; k++) {
                        long pos = (long) ix.getAtIndex(F, io + k);
                        if (pos >= 0) { // -1: a window without an in-bounds element (no gradient to give)
                            long at = plane + pos;
                            gi.setAtIndex(F, at, gi.getAtIndex(F, at) + go.getAtIndex(F, o + k));
                        }
                    }
                } else {
                    for (long k = 0; k < l; k++) {
                        long pos = (long) ix.getAtIndex(D, io + k);
                        if (pos >= 0) { // -1: a window without an in-bounds element (no gradient to give)
                            long at = plane + pos;
                            gi.setAtIndex(D, at, gi.getAtIndex(D, at) + go.getAtIndex(D, o + k));
                        }
                    }
                }
            }
        });
        return true;
    }
}
