package dev.nabla.backend.java.vector;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API halves of dynamic quantization's passes: over float32 activations a fused min-max reduction and the
 * affine quantization to 8-bit integers, and over an int8 product's exact 32-bit sums their dequantization to
 * float32. Each gives exactly the scalar kernel's results (the caller does the tail with it).
 *
 * <p>Load this class only when {@link dev.nabla.backend.java.VectorSupport#available()} is true.
 */
public final class VectorQuantize {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Bytes as many as the float lanes (8 or 16), or null on shapes without one: then only the scalar kernel runs. */
    private static final VectorSpecies<Byte> SB = ByteVector.SPECIES_64.length() == S.length() ? ByteVector.SPECIES_64
            : ByteVector.SPECIES_128.length() == S.length() ? ByteVector.SPECIES_128 : null;
    /** Ints as many as the float lanes, for the exact sums of an int8 product. */
    private static final VectorSpecies<Integer> SI = VectorSpecies.of(int.class, S.vectorShape());
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to an integer, ties to even. */
    private static final float ROUNDER = 12582912f;

    private VectorQuantize() {
    }

    /**
     * {@code {min, max}} of the leading whole vectors of {@code x[off .. off+n)} into {@code out}, NaN when one is NaN.
     * Compares ordered integer keys of the float bits ({@link #orderedKeys}) rather than floats: integer min and max
     * are one cheap instruction each, where the float ones must follow {@code Math.min}'s NaN and signed-zero rules.
     *
     * @return how many leading elements were read (0 when {@code n} is less than one vector)
     */
    public static long minMax(MemorySegment x, long off, long n, float[] out) {
        long m = S.loopBound(n);
        if (m == 0) {
            return 0;
        }
        long base = off * Float.BYTES;
        IntVector lo0 = orderedKeys(IntVector.fromMemorySegment(SI, x, base, NO));
        IntVector hi0 = lo0;
        IntVector lo1 = lo0;
        IntVector hi1 = lo0;
        long i = L;
        // two independent min/max chains: one chain waits on each min's latency
        for (long m2 = m - 2L * L; i <= m2; i += 2L * L) {
            IntVector a = orderedKeys(IntVector.fromMemorySegment(SI, x, base + i * Float.BYTES, NO));
            IntVector b = orderedKeys(IntVector.fromMemorySegment(SI, x, base + (i + L) * Float.BYTES, NO));
            lo0 = lo0.min(a);
            hi0 = hi0.max(a);
            lo1 = lo1.min(b);
            hi1 = hi1.max(b);
        }
        for (; i < m; i += L) {
            IntVector a = orderedKeys(IntVector.fromMemorySegment(SI, x, base + i * Float.BYTES, NO));
            lo0 = lo0.min(a);
            hi0 = hi0.max(a);
        }
        int lo = lo0.min(lo1).reduceLanes(VectorOperators.MIN);
        int hi = hi0.max(hi1).reduceLanes(VectorOperators.MAX);
        // NaNs order beyond the infinities: positive ones above +Inf, negative ones below -Inf
        boolean nan = hi > orderedKey(Float.POSITIVE_INFINITY) || lo < orderedKey(Float.NEGATIVE_INFINITY);
        out[0] = nan ? Float.NaN : fromOrderedKey(lo);
        out[1] = nan ? Float.NaN : fromOrderedKey(hi);
        return m;
    }

    /**
     * Float bits as signed integers in the floats' order: negative floats (sign bit set) get their other bits flipped,
     * so a larger magnitude becomes a smaller integer; -0.0 comes just below +0.0, as {@code Math.min} orders them.
     */
    private static IntVector orderedKeys(IntVector bits) {
        return bits.lanewise(VectorOperators.XOR, bits.lanewise(VectorOperators.ASHR, 31).and(Integer.MAX_VALUE));
    }

    private static int orderedKey(float value) {
        int bits = Float.floatToRawIntBits(value);
        return bits ^ ((bits >> 31) & Integer.MAX_VALUE);
    }

    /** The inverse of {@link #orderedKey} (flipping the same bits again). */
    private static float fromOrderedKey(int key) {
        return Float.intBitsToFloat(key ^ ((key >> 31) & Integer.MAX_VALUE));
    }

    /**
     * {@code dst[i] = clamp(rint(src[i] * inverseScale) + zeroPoint, qmin, qmax)} as bytes (uint8 or int8 bit
     * patterns), NaN to the zero point, over the leading whole vectors of the run. Clamping the scaled value to the
     * integer bounds {@code [qmin - zp, qmax - zp]} before rounding gives the same integer as clamping after, and keeps
     * it small enough for the add-and-subtract rounding.
     *
     * @return how many leading elements were done
     */
    public static long toBytes(MemorySegment src, long srcOffset, float inverseScale, int zeroPoint, int qmin,
                               int qmax, MemorySegment dst, long dstOffset, long n) {
        if (SB == null) {
            return 0;
        }
        long m = S.loopBound(n);
        FloatVector lo = FloatVector.broadcast(S, qmin - zeroPoint);
        FloatVector hi = FloatVector.broadcast(S, qmax - zeroPoint);
        FloatVector zero = FloatVector.broadcast(S, 0f);
        long base = srcOffset * Float.BYTES;
        for (long i = 0; i < m; i += L) {
            FloatVector scaled = FloatVector.fromMemorySegment(S, src, base + i * Float.BYTES, NO).mul(inverseScale);
            VectorMask<Float> nan = scaled.test(VectorOperators.IS_NAN);
            FloatVector finite = scaled.blend(zero, nan);
            // compare and blend: no NaN is left, so FloatVector.max/min's NaN and signed-zero handling would be waste
            FloatVector clamped = finite.blend(lo, finite.compare(VectorOperators.LT, lo))
                    .blend(hi, finite.compare(VectorOperators.GT, hi));
            FloatVector rounded = clamped.add(ROUNDER).sub(ROUNDER).add((float) zeroPoint);
            // F2B is Java's (byte) cast, (byte) (int) f: exact integers in [qmin, qmax] keep their bit pattern
            ByteVector b = (ByteVector) rounded.convertShape(VectorOperators.F2B, SB, 0);
            b.intoMemorySegment(dst, dstOffset + i, NO);
        }
        return m;
    }

    /**
     * {@code c[j] = (float) (acc[j] - compensation[j]) * scales[j] + bias[j]} (no bias term when {@code bias} is null)
     * over the leading whole vectors of one row of {@code n}: {@code acc} int32 and {@code c} float32, offsets in
     * elements. The multiply and the add round separately, as the scalar kernel's; the differences must fit an int.
     *
     * @return how many leading elements were done
     */
    public static int dequantizeRow(MemorySegment acc, long accOffset, int[] compensation, float[] scales,
                                    float[] bias, MemorySegment c, long cOffset, int n) {
        int m = S.loopBound(n);
        for (int j = 0; j < m; j += L) {
            IntVector sums = IntVector.fromMemorySegment(SI, acc, (accOffset + j) * Integer.BYTES, NO)
                    .sub(IntVector.fromArray(SI, compensation, j));
            FloatVector y = ((FloatVector) sums.convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(S, scales, j));
            if (bias != null) {
                y = y.add(FloatVector.fromArray(S, bias, j));
            }
            y.intoMemorySegment(c, (cOffset + j) * Float.BYTES, NO);
        }
        return m;
    }
}
