package dev.nabla.base;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A kernel operand: memory plus the layout that picks elements out of it (Candle's "layout"). Element
 * {@code (i0, i1, ...)} lives at element index {@code offset + i0*strides[0] + i1*strides[1] + ...} of
 * {@code data}. Strides may be zero (a broadcast dimension) and are in elements, not bytes. Kernels never
 * modify the arrays.
 *
 * @param data    the buffer (on the backend's device)
 * @param offset  element offset of the first element
 * @param shape   size of each dimension
 * @param strides element step of each dimension
 */
public record Strided(MemorySegment data, long offset, long[] shape, long[] strides) {

    /** A contiguous row-major operand. */
    public static Strided contiguous(MemorySegment data, long offset, long... shape) {
        return new Strided(data, offset, shape, contiguousStrides(shape));
    }

    /** Row-major strides of a shape. */
    public static long[] contiguousStrides(long[] shape) {
        long[] strides = new long[shape.length];
        long step = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = step;
            step *= Math.max(shape[d], 1);
        }
        return strides;
    }

    /**
     * Element offsets of every index of {@code shape} under {@code strides} from {@code offset}, in row-major order:
     * the plain one-element-at-a-time walk of the reference kernels and host-side conversions.
     */
    public static long[] elementOffsets(long[] shape, long[] strides, long offset) {
        int rank = shape.length;
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        long[] out = new long[Math.toIntExact(n)];
        long[] idx = new long[rank];
        long off = offset;
        for (int i = 0; i < n; i++) {
            out[i] = off;
            for (int d = rank - 1; d >= 0; d--) {
                idx[d]++;
                off += strides[d];
                if (idx[d] < shape[d]) {
                    break;
                }
                off -= strides[d] * idx[d];
                idx[d] = 0;
            }
        }
        return out;
    }

    /** {@link #elementOffsets(long[], long[], long)} of this operand. */
    public long[] elementOffsets() {
        return elementOffsets(shape, strides, offset);
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements. */
    public long numel() {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    /** True if the elements are densely packed in row-major order (size-1 dimensions may have any stride). */
    public boolean isContiguous() {
        long step = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != step) {
                return false;
            }
            step *= shape[d];
        }
        return true;
    }

    @Override
    public String toString() {
        return "Strided[offset=" + offset + ", shape=" + Arrays.toString(shape) + ", strides="
                + Arrays.toString(strides) + "]";
    }
}
