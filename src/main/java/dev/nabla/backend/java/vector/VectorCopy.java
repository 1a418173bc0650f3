package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fills and float32/float64 conversions of contiguous runs. Same-dtype copies need no vector code: they are
 * {@link MemorySegment#copy} (memcpy).
 */
final class VectorCopy {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Floats as many as the doubles of {@link #DS}: the conversions change shape, not lane count. */
    static final VectorSpecies<Float> FH =
            VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private VectorCopy() {
    }

    /** {@code o[oo .. oo+n) = v}. */
    static void fillFloat(MemorySegment o, long oo, long n, float v) {
        FloatVector b = FloatVector.broadcast(FS, v);
        long m = FS.loopBound(n);
        for (long i = 0; i < m; i += FS.length()) {
            b.intoMemorySegment(o, (oo + i) * Float.BYTES, NO);
        }
        for (long i = m; i < n; i++) {
            o.setAtIndex(F, oo + i, v);
        }
    }

    /** {@code o[oo .. oo+n) = v}. */
    static void fillDouble(MemorySegment o, long oo, long n, double v) {
        DoubleVector b = DoubleVector.broadcast(DS, v);
        long m = DS.loopBound(n);
        for (long i = 0; i < m; i += DS.length()) {
            b.intoMemorySegment(o, (oo + i) * Double.BYTES, NO);
        }
        for (long i = m; i < n; i++) {
            o.setAtIndex(D, oo + i, v);
        }
    }

    /** Widens {@code n} floats at {@code x[xo]} into doubles at {@code o[oo]} (exact). */
    static void floatToDouble(MemorySegment x, long xo, MemorySegment o, long oo, long n) {
        long m = DS.loopBound(n);
        for (long i = 0; i < m; i += DS.length()) {
            FloatVector.fromMemorySegment(FH, x, (xo + i) * Float.BYTES, NO)
                    .convertShape(VectorOperators.F2D, DS, 0)
                    .intoMemorySegment(o, (oo + i) * Double.BYTES, NO);
        }
        for (long i = m; i < n; i++) {
            o.setAtIndex(D, oo + i, x.getAtIndex(F, xo + i));
        }
    }

    /** Rounds {@code n} doubles at {@code x[xo]} to floats at {@code o[oo]} (round to nearest, as a cast). */
    static void doubleToFloat(MemorySegment x, long xo, MemorySegment o, long oo, long n) {
        long m = DS.loopBound(n);
        for (long i = 0; i < m; i += DS.length()) {
            DoubleVector.fromMemorySegment(DS, x, (xo + i) * Double.BYTES, NO)
                    .convertShape(VectorOperators.D2F, FH, 0)
                    .intoMemorySegment(o, (oo + i) * Float.BYTES, NO);
        }
        for (long i = m; i < n; i++) {
            o.setAtIndex(F, oo + i, (float) x.getAtIndex(D, xo + i));
        }
    }
}
