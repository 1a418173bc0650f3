package dev.nabla.backend.java;

import dev.nabla.base.Strided;

/**
 * The index space shared by a kernel's operands after collapsing: dimensions of size 1 are dropped and adjacent
 * dimensions are merged wherever they are contiguous with respect to every operand
 * ({@code stride[d] == stride[d+1] * shape[d+1]} for each one), so a contiguous tensor becomes one long row and a
 * row-vector broadcast becomes two dimensions. Collapsing keeps the row-major order of the elements, so the flat
 * index of an element is the same before and after. Always at least one dimension.
 */
final class Layout {
    /** Size of each collapsed dimension, outermost first. */
    final long[] shape;
    /** {@code strides[k][d]}: element step of operand {@code k} along dimension {@code d}. */
    final long[][] strides;
    /** Element offset of operand {@code k}'s first element. */
    final long[] offsets;
    /** Number of elements (0 when any original dimension is 0). */
    final long numel;

    private Layout(long[] shape, long[][] strides, long[] offsets, long numel) {
        this.shape = shape;
        this.strides = strides;
        this.offsets = offsets;
        this.numel = numel;
    }

    /** Collapses operands of the same shape. */
    static Layout of(Strided... operands) {
        long[][] strides = new long[operands.length][];
        long[] offsets = new long[operands.length];
        for (int k = 0; k < operands.length; k++) {
            strides[k] = operands[k].strides();
            offsets[k] = operands[k].offset();
        }
        return of(operands[0].shape(), strides, offsets);
    }

    /** Collapses {@code shape} under each operand's strides and offset. */
    static Layout of(long[] shape, long[][] strides, long[] offsets) {
        int ops = strides.length;
        long numel = 1;
        for (long s : shape) {
            numel *= s;
        }
        // Built innermost first, reversed at the end.
        long[] cs = new long[Math.max(shape.length, 1)];
        long[][] cst = new long[ops][cs.length];
        int r = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 1) {
                continue;
            }
            if (r > 0 && mergeable(strides, d, cst, cs, r - 1)) {
                cs[r - 1] *= shape[d];
                continue;
            }
            cs[r] = shape[d];
            for (int k = 0; k < ops; k++) {
                cst[k][r] = strides[k][d];
            }
            r++;
        }
        if (r == 0) {
            cs[0] = 1;
            r = 1;
        }
        long[] outShape = new long[r];
        long[][] outStrides = new long[ops][r];
        for (int d = 0; d < r; d++) {
            outShape[d] = cs[r - 1 - d];
            for (int k = 0; k < ops; k++) {
                outStrides[k][d] = cst[k][r - 1 - d];
            }
        }
        return new Layout(outShape, outStrides, offsets.clone(), numel);
    }

    private static boolean mergeable(long[][] strides, int d, long[][] cst, long[] cs, int inner) {
        for (int k = 0; k < strides.length; k++) {
            if (strides[k][d] != cst[k][inner] * cs[inner]) {
                return false;
            }
        }
        return true;
    }

    /** Number of dimensions (at least 1). */
    int rank() {
        return shape.length;
    }

    /** Length of the innermost dimension: the rows kernels run over. */
    long rowLength() {
        return shape[shape.length - 1];
    }

    /** Operand {@code k}'s step along the innermost dimension. */
    long innerStride(int k) {
        return strides[k][shape.length - 1];
    }

    /** The sub-box where dimension {@code dim}'s index lies in {@code [lo, hi)}. */
    Layout slice(int dim, long lo, long hi) {
        long[] s = shape.clone();
        s[dim] = hi - lo;
        long[] off = offsets.clone();
        for (int k = 0; k < off.length; k++) {
            off[k] += lo * strides[k][dim];
        }
        return new Layout(s, strides, off, numel / shape[dim] * (hi - lo));
    }
}
