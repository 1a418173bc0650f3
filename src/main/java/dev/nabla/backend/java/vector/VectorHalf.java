package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * float32 to and from bfloat16 with the Vector API (loaded only when {@code jdk.incubator.vector} is present): the
 * scalar loops' select on NaN and 16-to-32-bit widening keep the JIT from vectorising them. Rounding is to nearest,
 * ties to even; every NaN becomes 0x7FC0, as {@code dev.nabla.base.Elements#floatToBfloat16}.
 */
public final class VectorHalf {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_128;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private VectorHalf() {
    }

    /**
     * Rounds {@code n} contiguous floats at element {@code so} of {@code s} to bfloat16 at element {@code dOff} of
     * {@code d}; returns how many it converted (a multiple of the vector length; the caller does the tail).
     */
    public static long floatToBfloat16(MemorySegment s, long so, MemorySegment d, long dOff, long n) {
        long bound = n - n % F.length();
        for (long i = 0; i < bound; i += F.length()) {
            IntVector bits = FloatVector.fromMemorySegment(F, s, (so + i) * 4, LE).reinterpretAsInts();
            IntVector lsb = bits.lanewise(VectorOperators.LSHR, 16).and(1);
            IntVector rounded = bits.add(0x7FFF).add(lsb).lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
            IntVector out = rounded.blend(0x7FC0, nan);
            ((ShortVector) out.convertShape(VectorOperators.I2S, S, 0)).intoMemorySegment(d, (dOff + i) * 2, LE);
        }
        return bound;
    }

    /**
     * Widens {@code n} contiguous bfloat16 values at element {@code so} of {@code s} to floats at element {@code dOff}
     * of {@code d} (exact); returns how many it converted (a multiple of the vector length; the caller does the tail).
     */
    public static long bfloat16ToFloat(MemorySegment s, long so, MemorySegment d, long dOff, long n) {
        long bound = n - n % F.length();
        for (long i = 0; i < bound; i += F.length()) {
            ShortVector bits = ShortVector.fromMemorySegment(S, s, (so + i) * 2, LE);
            IntVector wide = (IntVector) bits.convertShape(VectorOperators.S2I, I, 0);
            wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoMemorySegment(d, (dOff + i) * 4, LE);
        }
        return bound;
    }
}
