package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 loop of ReLU's backward ({@code dev.nabla.backend.java.ReluGradient}): {@code g * (y > 0 ? 1 : 0)}, the
 * same product as the composed rule's (so {@code -0}, and NaN from an infinite or NaN gradient where {@code y <= 0},
 * come out alike), with the mask made in registers.
 *
 * <p><b>Load this class only when {@link dev.nabla.backend.java.VectorSupport#available()} is true</b>; its
 * signatures mention no incubator type.
 */
public final class VectorReluGradient {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat E = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorReluGradient() {
    }

    /** {@code gi[io + i] = g[go + i] * (y[yo + i] > 0 ? 1 : 0)} for {@code i < n} (element offsets). */
    public static void backward(MemorySegment y, long yo, MemorySegment g, long go, MemorySegment gi, long io,
                                long n) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        long i = 0;
        for (long end = n - n % L; i < end; i += L) {
            FloatVector yv = FloatVector.fromMemorySegment(S, y, (yo + i) * Float.BYTES, NO);
            FloatVector gv = FloatVector.fromMemorySegment(S, g, (go + i) * Float.BYTES, NO);
            FloatVector mask = zero.blend(one, yv.compare(VectorOperators.GT, 0f));
            gv.mul(mask).intoMemorySegment(gi, (io + i) * Float.BYTES, NO);
        }
        for (; i < n; i++) {
            gi.setAtIndex(E, io + i, g.getAtIndex(E, go + i) * (y.getAtIndex(E, yo + i) > 0 ? 1f : 0f));
        }
    }
}
