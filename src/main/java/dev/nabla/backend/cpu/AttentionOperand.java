package dev.nabla.backend.cpu;

import dev.nabla.base.Strided;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One operand of {@link GemmAttention}, {@code [batch..., rows, cols]} with unit stride along {@code cols}: where
 * each problem's matrix starts and the row stride GEMM reads it with. The heads of a {@code [N, L, H, D]} projection
 * viewed as {@code [N, H, L, D]} qualify as they lie (row stride {@code H * D}), so they need no contiguous copy.
 *
 * @param data   the operand's memory
 * @param planes the element offset of each problem's first element, in problem order
 * @param ld     the row stride in elements (at least {@code cols})
 */
record AttentionOperand(MemorySegment data, long[] planes, int ld) {

    /** The operand view of {@code s} for {@code problems} problems, or null when GEMM cannot read it in place. */
    static AttentionOperand of(Strided s, int problems) {
        int r = s.rank();
        if (r < 2) {
            return null;
        }
        long[] shape = s.shape();
        long[] strides = s.strides();
        long rows = shape[r - 2];
        long cols = shape[r - 1];
        if (cols > 1 && strides[r - 1] != 1) {
            return null;
        }
        long ld = rows == 1 ? Math.max(1, cols) : strides[r - 2];
        if (ld < Math.max(1, cols) || ld > Integer.MAX_VALUE) {
            return null;
        }
        long[] planes = Strided.elementOffsets(Arrays.copyOf(shape, r - 2), Arrays.copyOf(strides, r - 2),
                s.offset());
        return planes.length == problems ? new AttentionOperand(s.data(), planes, (int) ld) : null;
    }

    /** The element offset of row {@code row} of problem {@code b}. */
    long row(int b, long row) {
        return planes[b] + row * ld;
    }
}
