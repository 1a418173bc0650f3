package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 max pooling with 2x2 windows and stride 2 ({@code dev.nabla.backend.java.PoolKernels}), one output row
 * at a time: both input rows are loaded as full vectors, and each is split into its even and odd columns by reading
 * the vector as 64-bit lanes (an even/odd pair each) and narrowing the low and the high halves to 32 bits, which
 * the JIT compiles to a lane-narrowing move instead of a shuffle. A row's last, partial vector is masked, so rows of 7
 * or 14 windows (the CNN's 14x14 and 28x28 planes) run in vectors too.
 *
 * <p>Same results as the scalar 2x2 loop: the value and position of the first window element equal to the maximum
 * in the order (0, 0), (0, 1), (1, 0), (1, 1); for a row that holds a NaN, {@link #row} reports it and the caller
 * takes its scalar rule.
 *
 * <p><b>Load this class only when {@link dev.nabla.backend.java.VectorSupport#available()} is true</b>; its
 * signatures mention no incubator type.
 */
public final class VectorPool {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** The species of one lane per window: half the lanes of {@link #S}. */
    private static final VectorSpecies<Float> HALF =
            VectorSpecies.of(float.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> HALF_INT = HALF.withLanes(int.class);
    /** Windows per vector. */
    private static final int WINDOWS = HALF.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    /** {@code 2 * lane}: each window's first column relative to the vector's first. */
    private static final FloatVector TWICE_LANE = FloatVector.zero(HALF).addIndex(2);

    private VectorPool() {
    }

    /**
     * One row of {@code ow} windows: the input rows start at element {@code top} and {@code top + w}; maxima go to
     * {@code out[o ..]}, their plane positions ({@code rowBase} plus the column and row offset) to {@code
     * indices[io ..]} as floats.
     *
     * @return false, with the row's outputs unspecified, when its input holds a NaN
     */
    public static boolean row(MemorySegment x, long top, int w, MemorySegment out, long o, MemorySegment indices,
                              long io, int ow, int rowBase) {
        FloatVector w1 = FloatVector.broadcast(HALF, w + 1);
        FloatVector w0 = FloatVector.broadcast(HALF, w);
        FloatVector one = FloatVector.broadcast(HALF, 1);
        FloatVector zero = FloatVector.zero(HALF);
        for (int ox = 0; ox < ow; ox += WINDOWS) {
            int n = Math.min(WINDOWS, ow - ox);
            long at = (top + 2L * ox) * Float.BYTES;
            FloatVector t;
            FloatVector b;
            VectorMask<Float> outMask = null;
            if (n == WINDOWS) {
                t = FloatVector.fromMemorySegment(S, x, at, NO);
                b = FloatVector.fromMemorySegment(S, x, at + (long) w * Float.BYTES, NO);
            } else {
                VectorMask<Float> in = S.indexInRange(0, 2 * n);
                t = FloatVector.fromMemorySegment(S, x, at, NO, in);
                b = FloatVector.fromMemorySegment(S, x, at + (long) w * Float.BYTES, NO, in);
                outMask = HALF.indexInRange(0, n);
            }
            FloatVector v0 = even(t);
            FloatVector v1 = odd(t);
            FloatVector v2 = even(b);
            FloatVector v3 = odd(b);
            FloatVector m = v0.max(v1).max(v2.max(v3));
            if (m.test(VectorOperators.IS_NAN).anyTrue()) {
                return false;
            }
            VectorMask<Float> eq0 = v0.eq(m);
            VectorMask<Float> eq1 = v1.eq(m);
            VectorMask<Float> eq2 = v2.eq(m);
            // the first equal element wins: blend from the last candidate to the first
            FloatVector value = v3.blend(v2, eq2).blend(v1, eq1).blend(v0, eq0);
            FloatVector offset = w1.blend(w0, eq2).blend(one, eq1).blend(zero, eq0);
            FloatVector position = offset.add(TWICE_LANE).add(rowBase + 2f * ox);
            long oAt = (o + ox) * Float.BYTES;
            long iAt = (io + ox) * Float.BYTES;
            if (outMask == null) {
                value.intoMemorySegment(out, oAt, NO);
                position.intoMemorySegment(indices, iAt, NO);
            } else {
                value.intoMemorySegment(out, oAt, NO, outMask);
                position.intoMemorySegment(indices, iAt, NO, outMask);
            }
        }
        return true;
    }

    /** Lanes 0, 2, 4, ... of {@code v}: the low 32 bits of each 64-bit pair (little-endian lane order). */
    private static FloatVector even(FloatVector v) {
        LongVector pairs = v.reinterpretAsLongs();
        return ((IntVector) pairs.convertShape(VectorOperators.L2I, HALF_INT, 0)).reinterpretAsFloats();
    }

    /** Lanes 1, 3, 5, ... of {@code v}: the high 32 bits of each 64-bit pair. */
    private static FloatVector odd(FloatVector v) {
        LongVector pairs = v.reinterpretAsLongs().lanewise(VectorOperators.LSHR, 32);
        return ((IntVector) pairs.convertShape(VectorOperators.L2I, HALF_INT, 0)).reinterpretAsFloats();
    }
}
