package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.cuda.Layouts;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The host half of the CUDA element-wise kernels: dimension collapsing must keep every element's offset. */
class CudaLayoutsTest {

    @Test
    void contiguousOperandsBecomeOneDimension() {
        var c = Layouts.collapse(new long[] {2, 3, 4}, new long[] {12, 4, 1}, new long[] {12, 4, 1});
        assertArrayEquals(new long[] {24}, c.shape());
        assertTrue(c.dense());
    }

    @Test
    void scalarsAndSizeOneDimensionsCollapseToShapeOne() {
        var c = Layouts.collapse(new long[] {}, new long[] {});
        assertArrayEquals(new long[] {1}, c.shape());
        assertTrue(c.dense());
        var d = Layouts.collapse(new long[] {1, 5, 1}, new long[] {99, 1, 7});
        assertArrayEquals(new long[] {5}, d.shape());
        assertArrayEquals(new long[] {1}, d.strides()[0]);
    }

    @Test
    void broadcastAndTransposedDimensionsStaySeparate() {
        var c = Layouts.collapse(new long[] {4, 3}, new long[] {3, 1}, new long[] {0, 1});
        assertEquals(2, c.rank());
        assertFalse(c.dense());
        var t = Layouts.collapse(new long[] {4, 3}, new long[] {1, 4});
        assertArrayEquals(new long[] {4, 3}, t.shape());
    }

    /** Random shapes and strides: the collapsed layout enumerates the same offsets in the same order. */
    @Test
    void collapsingPreservesEveryOffset() {
        SplittableRandom r = new SplittableRandom(7);
        for (int trial = 0; trial < 500; trial++) {
            int rank = r.nextInt(0, 6);
            long[] shape = new long[rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = r.nextInt(1, 4);
            }
            long[][] st = new long[2][];
            for (int k = 0; k < 2; k++) {
                st[k] = contiguous(shape);
                for (int d = 0; d < rank; d++) {
                    int kind = r.nextInt(4);
                    if (kind == 0) {
                        st[k][d] = 0;
                    } else if (kind == 1) {
                        st[k][d] *= 2;
                    }
                }
            }
            var c = Layouts.collapse(shape, st);
            for (int k = 0; k < 2; k++) {
                assertArrayEquals(offsets(shape, st[k]), offsets(c.shape(), c.strides()[k]),
                        "trial " + trial + " operand " + k);
            }
        }
    }

    private static long[] contiguous(long[] shape) {
        long[] s = new long[shape.length];
        long step = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = step;
            step *= shape[d];
        }
        return s;
    }

    private static long[] offsets(long[] shape, long[] strides) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        long[] out = new long[(int) n];
        for (int i = 0; i < n; i++) {
            long rem = i;
            long off = 0;
            for (int d = shape.length - 1; d >= 0; d--) {
                off += (rem % shape[d]) * strides[d];
                rem /= shape[d];
            }
            out[i] = off;
        }
        return out;
    }
}
