package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.base.ConvGeometry;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The by-value argument structs of the kernels in {@code native/cuda/nabla_kernels.cu}, written field by field
 * (offsets in bytes, all fields naturally aligned), and the dimension collapsing that keeps operands within
 * their {@value #MAX_RANK} dimensions. Internal to the CUDA backend (public only for its tests).
 */
public final class Layouts {
    /** {@code MAXR} in the kernels. */
    static final int MAX_RANK = 8;
    /** {@code sizeof(Geom)}: shape[8], st[3][8], off[3], n, rank, pad. */
    static final long GEOM_BYTES = 296;
    /** {@code sizeof(RGeom)}: oshape, ost, xst, rshape, rst (8 each), ooff, xoff, nout, nred, orank, rrank. */
    static final long RGEOM_BYTES = 360;
    /** {@code sizeof(ConvG)}. */
    static final long CONVG_BYTES = 152;

    private Layouts() {
    }

    /** A shape with one stride array per operand, after collapsing. */
    public record Collapsed(long[] shape, long[][] strides) {
        /** Number of dimensions. */
        public int rank() {
            return shape.length;
        }

        /** True if every operand walks the elements densely in order (rank 1, stride 1). */
        public boolean dense() {
            if (shape.length != 1) {
                return false;
            }
            for (long[] st : strides) {
                if (st[0] != 1 && shape[0] != 1) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Drops size-1 dimensions and merges neighbours that every operand steps through as one (outer stride ==
     * inner stride * inner size), so that e.g. contiguous operands of any rank become one dimension. Never
     * returns rank 0: a scalar becomes shape [1].
     */
    public static Collapsed collapse(long[] shape, long[]... strides) {
        int ops = strides.length;
        long[] sh = new long[shape.length];
        long[][] st = new long[ops][shape.length];
        int r = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 1) {
                continue;
            }
            if (r > 0) {
                boolean merge = true;
                for (int k = 0; k < ops; k++) {
                    if (strides[k][d] != st[k][r - 1] * sh[r - 1]) {
                        merge = false;
                        break;
                    }
                }
                if (merge) {
                    sh[r - 1] *= shape[d];
                    continue;
                }
            }
            sh[r] = shape[d];
            for (int k = 0; k < ops; k++) {
                st[k][r] = strides[k][d];
            }
            r++;
        }
        if (r == 0) {
            long[][] zero = new long[ops][1];
            return new Collapsed(new long[] {1}, zero);
        }
        // built innermost first: reverse into row-major order
        long[] outShape = new long[r];
        long[][] outSt = new long[ops][r];
        for (int i = 0; i < r; i++) {
            outShape[i] = sh[r - 1 - i];
            for (int k = 0; k < ops; k++) {
                outSt[k][i] = st[k][r - 1 - i];
            }
        }
        return new Collapsed(outShape, outSt);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    static void requireRank(String op, long[] shape) {
        if (shape.length > MAX_RANK) {
            throw new UnsupportedOperationException(op + ": the CUDA kernels handle at most " + MAX_RANK
                    + " dimensions that cannot be merged, got shape " + Arrays.toString(shape));
        }
    }

    /** A {@code Geom}: operands {@code k} with {@code strides[k]} and element offsets {@code offsets[k]}. */
    static MemorySegment geom(Arena arena, String op, long[] shape, long[][] strides, long[] offsets) {
        requireRank(op, shape);
        MemorySegment g = arena.allocate(GEOM_BYTES, 8);
        for (int d = 0; d < shape.length; d++) {
            g.set(JAVA_LONG, 8L * d, shape[d]);
            for (int k = 0; k < strides.length; k++) {
                g.set(JAVA_LONG, 64 + 8L * (k * MAX_RANK + d), strides[k][d]);
            }
        }
        for (int k = 0; k < offsets.length; k++) {
            g.set(JAVA_LONG, 256 + 8L * k, offsets[k]);
        }
        g.set(JAVA_LONG, 280, numel(shape));
        g.set(JAVA_INT, 288, shape.length);
        return g;
    }

    /** An {@code RGeom}. */
    static MemorySegment rgeom(Arena arena, Collapsed kept, Collapsed reduced, long outOffset, long xOffset) {
        requireRank("reduce", kept.shape());
        requireRank("reduce", reduced.shape());
        MemorySegment g = arena.allocate(RGEOM_BYTES, 8);
        for (int d = 0; d < kept.rank(); d++) {
            g.set(JAVA_LONG, 8L * d, kept.shape()[d]);
            g.set(JAVA_LONG, 64 + 8L * d, kept.strides()[1][d]);   // out
            g.set(JAVA_LONG, 128 + 8L * d, kept.strides()[0][d]);  // x
        }
        for (int d = 0; d < reduced.rank(); d++) {
            g.set(JAVA_LONG, 192 + 8L * d, reduced.shape()[d]);
            g.set(JAVA_LONG, 256 + 8L * d, reduced.strides()[0][d]);
        }
        g.set(JAVA_LONG, 320, outOffset);
        g.set(JAVA_LONG, 328, xOffset);
        g.set(JAVA_LONG, 336, numel(kept.shape()));
        g.set(JAVA_LONG, 344, numel(reduced.shape()));
        g.set(JAVA_INT, 352, kept.rank());
        g.set(JAVA_INT, 356, reduced.rank());
        return g;
    }

    /** A {@code ConvG}. */
    static MemorySegment convg(Arena arena, long[] xShape, ConvGeometry geo, long xOff, long[] xs, long cOff,
                               long[] cs) {
        MemorySegment g = arena.allocate(CONVG_BYTES, 8);
        long h = xShape[2];
        long w = xShape[3];
        long[] longs = {xShape[0], xShape[1], h, w, geo.outH(h), geo.outW(w)};
        for (int i = 0; i < 6; i++) {
            g.set(JAVA_LONG, 8L * i, longs[i]);
        }
        int[] ints = {geo.kernelH(), geo.kernelW(), geo.strideH(), geo.strideW(), geo.padH(), geo.padW(),
            geo.dilationH(), geo.dilationW()};
        for (int i = 0; i < 8; i++) {
            g.set(JAVA_INT, 48 + 4L * i, ints[i]);
        }
        g.set(JAVA_LONG, 80, xOff);
        for (int i = 0; i < 4; i++) {
            g.set(JAVA_LONG, 88 + 8L * i, xs[i]);
        }
        g.set(JAVA_LONG, 120, cOff);
        for (int i = 0; i < 3; i++) {
            g.set(JAVA_LONG, 128 + 8L * i, cs[i]);
        }
        return g;
    }
}
