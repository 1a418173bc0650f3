package dev.nabla.backend.java;

/**
 * Walks a {@link Layout} row by row, keeping every operand's element offset up to date, so kernels need no
 * precomputed offset arrays. A walk may start and stop anywhere (threads take flat index ranges), so the current
 * row can be partial.
 */
final class Odometer {
    private final long[] shape;
    private final long[][] strides;
    private final long[] idx;
    private final int inner;
    /** Current element offset of each operand. */
    final long[] off;

    /** An odometer at flat index {@code start} of {@code layout}. */
    Odometer(Layout layout, long start) {
        shape = layout.shape;
        strides = layout.strides;
        inner = shape.length - 1;
        idx = new long[shape.length];
        off = layout.offsets.clone();
        long rest = start;
        for (int d = inner; d >= 0 && rest > 0; d--) {
            idx[d] = rest % shape[d];
            rest /= shape[d];
            for (int k = 0; k < off.length; k++) {
                off[k] += idx[d] * strides[k][d];
            }
        }
    }

    /** Elements left in the current row. */
    long rowLeft() {
        return shape[inner] - idx[inner];
    }

    /** Moves {@code n <= rowLeft()} elements forward, carrying into outer dimensions at a row's end. */
    void advance(long n) {
        idx[inner] += n;
        for (int k = 0; k < off.length; k++) {
            off[k] += n * strides[k][inner];
        }
        if (idx[inner] < shape[inner]) {
            return;
        }
        for (int d = inner; d >= 0; d--) {
            if (d < inner) {
                idx[d]++;
                for (int k = 0; k < off.length; k++) {
                    off[k] += strides[k][d];
                }
                if (idx[d] < shape[d]) {
                    return;
                }
            }
            for (int k = 0; k < off.length; k++) {
                off[k] -= idx[d] * strides[k][d];
            }
            idx[d] = 0;
        }
    }
}
