package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.MemoryOverlap.Between;
import dev.nabla.MemoryOverlap.Internal;
import dev.nabla.backend.UpdateRule;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * In-place writes through aliased memory: {@link MemoryOverlap}'s decisions on raw layouts, and the in-place ops
 * refusing what PyTorch refuses. Each "PyTorch:" comment is what torch 1.13.1 (Debian's python3-torch) does with
 * the same tensors.
 */
class MemoryOverlapTest extends ScopedTest {

    private static long[] l(long... v) {
        return v;
    }

    private static Tensor iota(long... shape) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return Tensor.of(v, shape);
    }

    private static void assertValues(double[] expected, Tensor t) {
        assertArrayEquals(expected, t.toDoubleArray(), 0.0, t.describe());
    }

    private static void assertInternalOverlap(String op, Supplier<Tensor> call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::get);
        assertTrue(e.getMessage().startsWith(op + ": tensor#"), e.getMessage());
        assertTrue(e.getMessage().endsWith(MemoryOverlap.INTERNAL_MESSAGE), e.getMessage());
    }

    private static void assertPartialOverlap(String op, Supplier<Tensor> call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::get);
        assertTrue(e.getMessage().startsWith(op + ": tensor#"), e.getMessage());
        assertTrue(e.getMessage().contains("(written to) and tensor#"), e.getMessage());
        assertTrue(e.getMessage().endsWith(MemoryOverlap.PARTIAL_MESSAGE), e.getMessage());
    }

    // ------------------------------------------------------------------ layouts

    @Test
    void internalOverlapIsAStrideZeroDimensionOfSizeAboveOne() {
        assertEquals(Internal.NO, MemoryOverlap.internal(l(2, 3), l(3, 1)));
        assertEquals(Internal.NO, MemoryOverlap.internal(l(3, 2), l(1, 3)), "transposed");
        assertEquals(Internal.NO, MemoryOverlap.internal(l(2, 2), l(6, 2)), "strided, not dense");
        assertEquals(Internal.NO, MemoryOverlap.internal(l(1, 2), l(0, 1)), "stride 0 on a size-1 dimension");
        assertEquals(Internal.NO, MemoryOverlap.internal(l(0, 2), l(0, 1)), "empty");
        assertEquals(Internal.NO, MemoryOverlap.internal(l(), l()), "0-dimensional");
        assertEquals(Internal.YES, MemoryOverlap.internal(l(3, 2), l(0, 1)), "expand(3, 2) of a [2]");
        assertEquals(Internal.YES, MemoryOverlap.internal(l(2, 2), l(2, 0)));
        // PyTorch's has_internal_overlap answers TooHard here and lets in-place ops run; so do we
        assertEquals(Internal.TOO_HARD, MemoryOverlap.internal(l(3, 2), l(1, 1)), "as_strided windows");
        assertEquals(Internal.TOO_HARD, MemoryOverlap.internal(l(2, 3), l(4, 3)), "unsure (in fact disjoint)");
    }

    @Test
    void betweenTellsSameViewSharedAndDisjointLayoutsApart() {
        long[] s22 = l(2, 2);
        assertEquals(Between.FULL, MemoryOverlap.between(0, s22, l(2, 1), 0, s22, l(2, 1)));
        assertEquals(Between.FULL, MemoryOverlap.between(3, l(1, 2), l(7, 1), 3, l(1, 2), l(2, 1)),
                "strides of size-1 dimensions do not matter");
        assertEquals(Between.PARTIAL, MemoryOverlap.between(0, s22, l(2, 1), 0, s22, l(1, 2)), "x and x.t()");
        assertEquals(Between.PARTIAL, MemoryOverlap.between(1, l(4), l(1), 0, l(4), l(1)), "shifted narrow");
        assertEquals(Between.PARTIAL, MemoryOverlap.between(0, s22, l(2, 1), 0, s22, l(0, 1)), "x and x[0] broadcast");
        assertEquals(Between.NO, MemoryOverlap.between(3, l(3), l(1), 0, l(3), l(1)), "two halves");
        assertEquals(Between.NO, MemoryOverlap.between(0, l(3), l(2), 1, l(3), l(2)), "a[0::2] and a[1::2]");
        assertEquals(Between.NO, MemoryOverlap.between(0, l(4, 2), l(4, 1), 2, l(4, 2), l(4, 1)),
                "column blocks of a 4x4");
        assertEquals(Between.PARTIAL, MemoryOverlap.between(0, l(3, 2), l(3, 1), 1, l(3, 2), l(3, 1)),
                "overlapping column blocks of a 3x3");
        assertEquals(Between.PARTIAL, MemoryOverlap.between(2, l(3), l(3), 0, l(3, 3), l(3, 1)),
                "a column against the whole matrix");
        assertEquals(Between.NO, MemoryOverlap.between(0, l(0), l(1), 0, l(4), l(1)), "empty");
        assertEquals(Between.TOO_HARD, MemoryOverlap.between(0, l(3, 2), l(1, 1), 1, l(3, 2), l(1, 1)),
                "neither layout can be decomposed");
    }

    // ------------------------------------------------------------------ the in-place ops

    @Test
    void addIntoItsOwnTransposeIsRefused() {
        // was silently [2, 5, 8, 8]. PyTorch: x.add_(x.t()) raises "unsupported operation: some elements of the
        // input tensor and the written-to tensor refer to a single memory location..."
        Tensor x = iota(2, 2).add(1);
        assertPartialOverlap("add_", () -> x.add_(x.t()));
        assertPartialOverlap("copy_", () -> x.copy_(x.t())); // PyTorch: raises the same
        assertValues(new double[] {1, 2, 3, 4}, x);
    }

    @Test
    void inPlaceArithmeticOnAnExpandedViewIsRefused() {
        // was: the base incremented 3 times. PyTorch: torch.ones(2).expand(3, 2).add_(1) (and mul_(2), and add_,
        // sub_, div_, copy_ with a [3, 2] tensor) raise "unsupported operation: more than one element of the
        // written-to tensor refers to a single memory location..."
        Tensor base = Tensor.ones(2);
        Tensor e = base.expand(3, 2);
        Tensor other = Tensor.ones(3, 2);
        assertInternalOverlap("add_", () -> e.add_(1));
        assertInternalOverlap("mul_", () -> e.mul_(2));
        assertInternalOverlap("add_", () -> e.add_(other));
        assertInternalOverlap("sub_", () -> e.sub_(other));
        assertInternalOverlap("mul_", () -> e.mul_(other));
        assertInternalOverlap("div_", () -> e.div_(other));
        assertInternalOverlap("copy_", () -> e.copy_(other));
        assertValues(new double[] {1, 1}, base);
        // PyTorch: expand(1, 2).add_(1) and expand(0, 2).add_(1) are fine (no element repeats)
        base.expand(1, 2).add_(1);
        base.expand(0, 2).add_(1);
        assertValues(new double[] {2, 2}, base);
    }

    @Test
    void fillAndZeroOnAnExpandedViewAreAllowed() {
        // PyTorch: torch.ones(2).expand(3, 2).fill_(1) and .zero_() run (every write stores the same value)
        Tensor base = Tensor.ones(2);
        base.expand(3, 2).fill_(5);
        assertValues(new double[] {5, 5}, base);
        base.expand(3, 2).zero_();
        assertValues(new double[] {0, 0}, base);
    }

    @Test
    void theSameTensorOrTheSameViewAsOperandIsAllowed() {
        // PyTorch: x.add_(x), x.add_(x.view(2, 2)), x.mul_(x), x.copy_(x) run and are exact; a 0-dim x.add_(x) too
        Tensor x = iota(2, 2).add(1);
        x.add_(x);
        assertValues(new double[] {2, 4, 6, 8}, x);
        x.add_(x.view(2, 2));
        assertValues(new double[] {4, 8, 12, 16}, x);
        x.mul_(x.detach());
        assertValues(new double[] {16, 64, 144, 256}, x);
        x.copy_(x);
        assertValues(new double[] {16, 64, 144, 256}, x);
        Tensor s = Tensor.scalar(3.0, DType.FLOAT64, Device.CPU);
        s.add_(s);
        assertEquals(6.0, s.item());
        Tensor t = x.t();
        t.sub_(x.t());
        assertValues(new double[] {0, 0, 0, 0}, x);
    }

    @Test
    void overlappingNarrowsOfOneStorageAreRefused() {
        // PyTorch: a.narrow(0, 1, 4).copy_(a.narrow(0, 0, 4)) and a.narrow(0, 0, 3).copy_(a.narrow(0, 2, 3)) raise
        // "some elements of the input tensor and the written-to tensor refer to a single memory location"
        Tensor a = iota(6);
        assertPartialOverlap("copy_", () -> a.narrow(0, 1, 4).copy_(a.narrow(0, 0, 4)));
        assertPartialOverlap("copy_", () -> a.narrow(0, 0, 3).copy_(a.narrow(0, 2, 3)));
        assertPartialOverlap("add_", () -> a.narrow(0, 1, 4).add_(a.narrow(0, 0, 4)));
        // PyTorch: a.add_(a[0]) on a 2x2 raises (the broadcast input is the written-to tensor's first row)
        Tensor m = iota(2, 2);
        assertPartialOverlap("add_", () -> m.add_(m.select(0, 0)));
        assertValues(new double[] {0, 1, 2, 3, 4, 5}, a);
    }

    @Test
    void nonDenseOverlapsThatPyTorchLetsThroughAreRefusedToo() {
        // PyTorch gives up on non-dense layouts and runs these: a[:, :2].copy_(a[:, 1:]) on a 3x3 happens to come
        // out right, but a.view(2, 2).add_(a[:2].expand(2, 2)) on arange(4) gives [0, 2, 2, 5] instead of
        // [0, 2, 2, 4]. Nabla sees the shared elements and refuses both.
        Tensor a = iota(3, 3);
        assertPartialOverlap("copy_", () -> a.narrow(1, 0, 2).copy_(a.narrow(1, 1, 2)));
        Tensor b = iota(4);
        assertPartialOverlap("add_", () -> b.view(2, 2).add_(b.narrow(0, 0, 2).expand(2, 2)));
        assertValues(new double[] {0, 1, 2, 3}, b);
    }

    @Test
    void disjointViewsOfOneStorageAreAllowed() {
        // PyTorch: the halves of arange(6) copy_/add_ into each other: [0, 1, 2, 0, 1, 2] / [0, 1, 2, 3, 5, 7];
        // interleaved a[0::2].add_(a[1::2]) gives [1, 1, 5, 3, 9, 5]; column blocks of a 4x4 copy into each other;
        // a.narrow(0, 2, 2).add_(a.narrow(0, 0, 1).expand(2)) on arange(4) gives [2, 3]
        Tensor a = iota(6);
        a.narrow(0, 3, 3).copy_(a.narrow(0, 0, 3));
        assertValues(new double[] {0, 1, 2, 0, 1, 2}, a);
        Tensor b = iota(6);
        b.narrow(0, 3, 3).add_(b.narrow(0, 0, 3));
        assertValues(new double[] {0, 1, 2, 3, 5, 7}, b);
        Tensor c = iota(6);
        c.slice(0, 0, 6, 2).add_(c.slice(0, 1, 6, 2));
        assertValues(new double[] {1, 1, 5, 3, 9, 5}, c);
        Tensor d = iota(4, 4);
        d.narrow(1, 0, 2).copy_(d.narrow(1, 2, 2));
        assertValues(new double[] {2, 3, 2, 3, 6, 7, 6, 7, 10, 11, 10, 11, 14, 15, 14, 15}, d);
        Tensor e = iota(4);
        assertValues(new double[] {2, 3}, e.narrow(0, 2, 2).add_(e.narrow(0, 0, 1).expand(2)));
    }

    @Test
    void fusedUpdateRefusesStateThatSharesMemoryWithTheParameter() {
        Tensor both = Tensor.zeros(DType.FLOAT32, Device.CPU, 2, 4);
        Tensor p = both.select(0, 0);
        Tensor buf = both.select(0, 1);
        Tensor g = Tensor.ones(4);
        var rule = new UpdateRule.Sgd(0.1, 0.9, 0, 0, false, true);
        p.fusedUpdate_(rule, g, buf); // disjoint rows of one storage: fine
        assertPartialOverlap("fusedUpdate_", () -> p.fusedUpdate_(rule, g, p));
        Tensor shifted = both.view(8).narrow(0, 1, 4);
        assertPartialOverlap("fusedUpdate_", () -> p.fusedUpdate_(rule, g, shifted));
        assertPartialOverlap("fusedUpdate_", () -> p.fusedUpdate_(rule, shifted, buf));
        p.fusedUpdate_(new UpdateRule.Sgd(0.1, 0, 0, 0, false, true), p); // grad is the parameter itself: fine
    }
}
