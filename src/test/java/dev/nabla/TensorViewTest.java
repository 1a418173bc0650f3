package dev.nabla;

import static dev.nabla.TestSupport.assertExact;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.memory.MemoryPool;
import org.junit.jupiter.api.Test;

/** Views: shape/stride arithmetic checked against index arithmetic on plain arrays, and memory sharing. */
class TensorViewTest extends ScopedTest {

    /** 0, 1, ..., n-1 as float64 (exact values make every check an equality). */
    private static double[] seq(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return v;
    }

    private static Tensor iota(long... shape) {
        return Tensor.of(seq((int) TestSupport.numel(shape)), shape);
    }

    private static void assertValues(double[] expected, Tensor t) {
        assertExact(t.describe(), expected, t.toDoubleArray());
    }

    @Test
    void reshapeAndViewKeepRowMajorOrderAndInferMinusOne() {
        Tensor t = iota(2, 3, 4);
        Tensor v = t.view(4, -1);
        assertArrayEquals(new long[] {4, 6}, v.shape());
        assertValues(seq(24), v);
        assertArrayEquals(new long[] {2, 12}, t.reshape(2, -1).shape());
        assertArrayEquals(new long[] {24}, t.view(-1).shape());
        assertArrayEquals(new long[] {1, 24, 1}, t.reshape(1, -1, 1).shape());
        assertEquals(0, Tensor.zeros(0, 3).reshape(-1, 3).numel());
    }

    @Test
    void viewOfATransposeFailsNamingTheProblemAndReshapeCopiesInstead() {
        Tensor t = iota(3, 4);
        Tensor tt = t.t();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> tt.view(12));
        assertTrue(e.getMessage().contains("view") && e.getMessage().contains("[12]")
                && e.getMessage().contains("reshape"), e.getMessage());
        Tensor r = tt.reshape(12);
        // transposed order: element (i, j) of t.t() is t[j][i]
        assertValues(TestSupport.permute(seq(12), new long[] {3, 4}, 1, 0), r);
        assertTrue(r.isContiguous());
        r.fill_(-1);
        assertValues(seq(12), t); // the copy does not write through
    }

    @Test
    void viewSplittingAndMergingContiguousRunsOfAPermutedTensorWorks() {
        // [2, 3, 4] permuted to [3, 2, 4]: dims 1 and 2 (sizes 2, 4) are not mergeable, but splitting 4 -> 2x2 is
        Tensor p = iota(2, 3, 4).permute(1, 0, 2);
        Tensor v = p.view(3, 2, 2, 2);
        double[] expected = TestSupport.permute(seq(24), new long[] {2, 3, 4}, 1, 0, 2);
        assertValues(expected, v);
        assertThrows(IllegalStateException.class, () -> p.view(3, 8));
    }

    @Test
    void transposeAndTSwapStridesWithoutCopying() {
        Tensor t = iota(2, 3);
        Tensor tt = t.t();
        assertArrayEquals(new long[] {3, 2}, tt.shape());
        assertArrayEquals(new long[] {1, 3}, tt.strides());
        assertFalse(tt.isContiguous());
        assertValues(new double[] {0, 3, 1, 4, 2, 5}, tt);
        Tensor x = iota(2, 3, 4);
        assertValues(TestSupport.permute(seq(24), new long[] {2, 3, 4}, 2, 1, 0), x.transpose(0, -1));
        assertArrayEquals(new long[] {4}, iota(4L).t().shape(), "t() of a vector is itself");
        assertThrows(IllegalArgumentException.class, () -> x.t());
    }

    @Test
    void permuteReordersDimensions() {
        long[] shape = {2, 3, 4, 5};
        Tensor x = iota(shape);
        for (int[] perm : new int[][] {{3, 1, 0, 2}, {0, 1, 2, 3}, {1, 3, 2, 0}}) {
            Tensor p = x.permute(perm);
            for (int i = 0; i < 4; i++) {
                assertEquals(shape[perm[i]], p.size(i));
            }
            assertValues(TestSupport.permute(seq(120), shape, perm), p);
        }
        assertValues(TestSupport.permute(seq(120), shape, 3, 2, 1, 0), x.permute(-1, -2, -3, -4));
    }

    @Test
    void squeezeAndUnsqueezeRemoveAndInsertUnitDimensions() {
        Tensor x = iota(1, 3, 1, 2);
        assertArrayEquals(new long[] {3, 2}, x.squeeze().shape());
        assertArrayEquals(new long[] {3, 1, 2}, x.squeeze(0).shape());
        assertArrayEquals(new long[] {1, 3, 2}, x.squeeze(-2).shape());
        assertArrayEquals(new long[] {1, 3, 1, 2}, x.squeeze(1).shape(), "a non-unit dim is kept");
        Tensor y = iota(3, 2);
        assertArrayEquals(new long[] {1, 3, 2}, y.unsqueeze(0).shape());
        assertArrayEquals(new long[] {3, 1, 2}, y.unsqueeze(1).shape());
        assertArrayEquals(new long[] {3, 2, 1}, y.unsqueeze(2).shape());
        assertArrayEquals(new long[] {3, 2, 1}, y.unsqueeze(-1).shape());
        assertArrayEquals(new long[] {1}, Tensor.scalar(2).unsqueeze(0).shape());
        for (Tensor v : new Tensor[] {x.squeeze(), y.unsqueeze(0), y.unsqueeze(1), y.unsqueeze(2)}) {
            assertValues(seq(6), v);
        }
        // unsqueeze of a transposed view keeps addressing the right elements
        assertValues(new double[] {0, 2, 4, 1, 3, 5}, y.t().unsqueeze(1).contiguous());
    }

    @Test
    void narrowSelectsAContiguousRange() {
        Tensor x = iota(4, 5);
        Tensor n = x.narrow(1, 1, 3);
        assertArrayEquals(new long[] {4, 3}, n.shape());
        double[] expected = new double[12];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                expected[i * 3 + j] = i * 5 + j + 1;
            }
        }
        assertValues(expected, n);
        assertValues(new double[] {15, 16, 17, 18, 19}, x.narrow(0, -1, 1));
        assertEquals(0, x.narrow(0, 4, 0).numel());
        assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(0, 2, 3));
    }

    /** Python slicing: x[start:end:step] with negative indices counted from the end and out-of-range clamped. */
    private static double[] pythonSlice(int n, long start, long end, long step) {
        long s = start < 0 ? Math.max(start + n, 0) : Math.min(start, n);
        long e = end < 0 ? Math.max(end + n, 0) : Math.min(end, n);
        java.util.List<Double> out = new java.util.ArrayList<>();
        for (long i = s; i < e; i += step) {
            out.add((double) i);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Test
    void sliceFollowsPythonClampingAndStepSemantics() {
        Tensor x = iota(10);
        long[][] cases = {{0, 10, 1}, {2, 8, 3}, {-3, 100, 1}, {-100, 3, 2}, {5, 2, 1}, {0, 10, 4}, {9, 10, 5},
            {-1, -1, 1}, {3, -2, 2}, {100, 200, 1}, {0, Long.MAX_VALUE, 3}};
        for (long[] c : cases) {
            Tensor s = x.slice(0, c[0], c[1], c[2]);
            assertExact("slice " + java.util.Arrays.toString(c), pythonSlice(10, c[0], c[1], c[2]),
                    s.toDoubleArray());
        }
        Tensor m = iota(4, 6).slice(1, 1, 6, 2); // columns 1, 3, 5
        assertArrayEquals(new long[] {4, 3}, m.shape());
        assertArrayEquals(new long[] {6, 2}, m.strides());
        assertValues(new double[] {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23}, m);
        assertThrows(IllegalArgumentException.class, () -> x.slice(0, 0, 5, 0));
    }

    @Test
    void selectRemovesTheIndexedDimension() {
        Tensor x = iota(3, 4);
        assertValues(new double[] {4, 5, 6, 7}, x.select(0, 1));
        assertValues(new double[] {2, 6, 10}, x.select(1, 2));
        assertValues(new double[] {3, 7, 11}, x.select(-1, -1));
        Tensor s = x.select(0, 2).select(0, 3);
        assertEquals(0, s.dim());
        assertEquals(11, s.item());
        assertThrows(IndexOutOfBoundsException.class, () -> x.select(0, 3));
    }

    @Test
    void expandBroadcastsWithZeroStrides() {
        Tensor col = iota(3, 1);
        Tensor e = col.expand(2, 3, 4);
        assertArrayEquals(new long[] {2, 3, 4}, e.shape());
        assertArrayEquals(new long[] {0, 1, 0}, e.strides());
        assertValues(TestSupport.broadcast(seq(3), new long[] {3, 1}, new long[] {2, 3, 4}), e);
        assertArrayEquals(new long[] {3, 5}, col.expand(-1, 5).shape());
        assertArrayEquals(new long[] {3, 7}, col.expandAs(Tensor.zeros(3, 7)).shape());
        assertThrows(IllegalArgumentException.class, () -> col.expand(4, 4));
    }

    @Test
    void writingThroughAViewChangesTheBase() {
        Tensor base = Tensor.zeros(3, 4);
        long version = base.version();
        base.narrow(1, 1, 2).fill_(7);
        assertValues(new double[] {0, 7, 7, 0, 0, 7, 7, 0, 0, 7, 7, 0}, base);
        assertEquals(version + 1, base.version(), "views share the version counter");
        Tensor col = base.select(1, 3);
        col.add_(Tensor.of(new float[] {1, 2, 3}));
        assertValues(new double[] {0, 7, 7, 1, 0, 7, 7, 2, 0, 7, 7, 3}, base);
        base.t().slice(0, 0, 4, 3).mul_(Tensor.full(10, 1)); // columns 0 and 3 via a transposed, stepped view
        assertValues(new double[] {0, 7, 7, 10, 0, 7, 7, 20, 0, 7, 7, 30}, base);
        assertEquals(base.version(), col.version());
    }

    @Test
    void flattenMergesARangeOfDimensions() {
        Tensor x = iota(2, 3, 4, 5);
        assertArrayEquals(new long[] {2, 12, 5}, x.flatten(1, 2).shape());
        assertArrayEquals(new long[] {120}, x.flatten().shape());
        assertArrayEquals(new long[] {2, 3, 20}, x.flatten(-2, -1).shape());
        assertArrayEquals(new long[] {2, 3, 4, 5}, x.flatten(2, 2).shape());
        assertArrayEquals(new long[] {1}, Tensor.scalar(1).flatten(0, 0).shape());
        Tensor p = x.permute(0, 2, 1, 3).flatten(1, 2); // needs a copy
        assertValues(TestSupport.permute(seq(120), new long[] {2, 3, 4, 5}, 0, 2, 1, 3), p);
        assertThrows(IllegalArgumentException.class, () -> x.flatten(2, 1));
    }

    @Test
    void contiguousReturnsItselfWhenContiguousAndACopyOtherwise() {
        Tensor x = iota(3, 4);
        assertSame(x, x.contiguous());
        Tensor tt = x.t();
        Tensor c = tt.contiguous();
        assertNotSame(tt, c);
        assertTrue(c.isContiguous());
        assertValues(TestSupport.permute(seq(12), new long[] {3, 4}, 1, 0), c);
        c.fill_(0);
        assertValues(seq(12), x);
        Tensor unit = iota(3, 1).expand(3, 1); // unit dimensions may have any stride
        assertTrue(unit.isContiguous());
    }

    @Test
    void cloneOwnsItsMemory() {
        Tensor x = iota(2, 2);
        Tensor c = x.clone();
        c.fill_(5);
        assertValues(seq(4), x);
    }

    @Test
    void viewsCostNoAllocation() {
        Tensor x = iota(4, 6);
        long before = MemoryPool.host().stats().allocations();
        Tensor last = x;
        for (int i = 0; i < 100; i++) {
            Tensor v = switch (i % 10) {
                case 0 -> x.view(6, 4);
                case 1 -> x.t();
                case 2 -> x.permute(1, 0);
                case 3 -> x.narrow(0, 1, 2);
                case 4 -> x.slice(1, 0, 6, 2);
                case 5 -> x.select(0, 3);
                case 6 -> x.unsqueeze(1).squeeze();
                case 7 -> x.reshape(2, 12);
                case 8 -> x.narrow(1, 0, 1).expand(4, 9);
                default -> x.flatten();
            };
            last = v;
        }
        assertEquals(before, MemoryPool.host().stats().allocations(), "views allocate nothing");
        assertEquals(24, last.numel());
    }

    @Test
    void viewsOfADifferentDeviceAndDtypeStayConsistent() {
        Tensor x = Tensor.of(seq(6), DType.FLOAT32, Device.JAVA, 2, 3);
        Tensor v = x.t().unsqueeze(0);
        assertEquals(Device.JAVA, v.device());
        assertEquals(DType.FLOAT32, v.dtype());
        assertValues(new double[] {0, 3, 1, 4, 2, 5}, v);
    }
}
