package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 2x2, stride-2 max pooling ({@code dev.nabla.backend.java.PoolKernels}) one output row at a time: the two
 * input rows are loaded {@code 2L} floats at a time and split into their even and odd columns, so each lane holds one
 * window's four values; masked loads and stores cover rows shorter than a vector (the CNN's 14- and 7-wide outputs).
 * The rule is the scalar kernel's: the maximum is {@code Math.max} of the four, and the value and position stored are
 * those of the first of the four (in window order) equal to it, so results are identical.
 *
 * <p><b>Load this class only when {@link dev.nabla.backend.java.VectorSupport#available()} is true</b>; its
 * signatures mention no incubator type.
 */
public final class VectorPool {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    /** Lane i takes element 2i of the pair (this vector, the next one): indices from L on select the second. */
    private static final VectorShuffle<Float> EVEN = VectorShuffle.fromOp(S, i -> 2 * i);
    /** Lane i takes element 2i + 1 of the pair. */
    private static final VectorShuffle<Float> ODD = VectorShuffle.fromOp(S, i -> 2 * i + 1);
    /** 0, 2, 4, ...: the offset of each lane's window in its top row. */
    private static final FloatVector TWICE_LANE = FloatVector.fromArray(S, twiceLane(), 0);

    private VectorPool() {
    }

    private static float[] twiceLane() {
        float[] a = new float[L];
        for (int i = 0; i < L; i++) {
            a[i] = 2 * i;
        }
        return a;
    }

    /**
     * Pools output row {@code oy} of one plane: reads input rows {@code 2*oy} and {@code 2*oy + 1} (row width
     * {@code w}) starting at element {@code top} of {@code x}, writes {@code ow} maxima at {@code out[o ..]} and their
     * positions within the plane (as float32) at {@code idx[io ..]}.
     *
     * @return false, having written nothing of the chunk, when a window's maximum is not finite (NaN or an infinity):
     *     the caller pools this row with its scalar rule
     */
    public static boolean row2x2(MemorySegment x, long top, int w, int oy, MemorySegment out, long o,
                                 MemorySegment idx, long io, int ow) {
        float rowStart = 2f * oy * w; // exact: the caller keeps plane positions below 2^24
        for (int j = 0; j < ow; j += L) {
            int n = Math.min(L, ow - j);
            VectorMask<Float> first = S.indexInRange(0, 2 * n);
            VectorMask<Float> second = S.indexInRange(L, 2 * n);
            long t = (top + 2L * j) * Float.BYTES;
            long b = t + (long) w * Float.BYTES;
            long half = (long) L * Float.BYTES;
            FloatVector t0 = FloatVector.fromMemorySegment(S, x, t, NO, first);
            FloatVector t1 = FloatVector.fromMemorySegment(S, x, t + half, NO, second);
            FloatVector b0 = FloatVector.fromMemorySegment(S, x, b, NO, first);
            FloatVector b1 = FloatVector.fromMemorySegment(S, x, b + half, NO, second);
            FloatVector v0 = t0.rearrange(EVEN, t1);
            FloatVector v1 = t0.rearrange(ODD, t1);
            FloatVector v2 = b0.rearrange(EVEN, b1);
            FloatVector v3 = b0.rearrange(ODD, b1);
            FloatVector m = v0.max(v1).max(v2.max(v3));
            VectorMask<Float> valid = S.indexInRange(0, n);
            if (m.test(VectorOperators.IS_FINITE).not().and(valid).anyTrue()) {
                return false;
            }
            VectorMask<Float> e0 = v0.eq(m);
            VectorMask<Float> e1 = v1.eq(m);
            VectorMask<Float> e2 = v2.eq(m);
            // the first equal wins: blend from the last candidate to the first
            FloatVector value = v3.blend(v2, e2).blend(v1, e1).blend(v0, e0);
            FloatVector offset = FloatVector.broadcast(S, w + 1f).blend(w, e2).blend(1f, e1).blend(0f, e0);
            value.intoMemorySegment(out, (o + j) * Float.BYTES, NO, valid);
            TWICE_LANE.add(rowStart + 2f * j).add(offset).intoMemorySegment(idx, (io + j) * Float.BYTES, NO, valid);
        }
        return true;
    }
}
