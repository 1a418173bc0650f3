package dev.nabla.backend.java;

import dev.nabla.backend.java.vector.VectorQuantize;
import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The affine quantization kernel of {@link dev.nabla.backend.Backend#quantize}: float32 to 8- or 32-bit integers. */
final class Quantize {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;

    private Quantize() {
    }

    /** The kernel; with {@code useVector} the 8-bit targets take the Vector API loop for all but the tail. */
    static void affine(boolean useVector, MemorySegment src, long srcOffset, float inverseScale, int zeroPoint,
                       int qmin, int qmax, ScalarType dstType, MemorySegment dst, long dstOffset, long count) {
        switch (dstType) {
            case UINT8, INT8 -> {
                long done = useVector ? VectorQuantize.toBytes(src, srcOffset, inverseScale, zeroPoint, qmin, qmax, dst,
                        dstOffset, count) : 0;
                for (long i = done; i < count; i++) {
                    int q = quantize(src.getAtIndex(FLOAT, srcOffset + i), inverseScale, zeroPoint, qmin, qmax);
                    dst.set(ValueLayout.JAVA_BYTE, dstOffset + i, (byte) q);
                }
            }
            case INT32 -> {
                for (long i = 0; i < count; i++) {
                    int q = quantize(src.getAtIndex(FLOAT, srcOffset + i), inverseScale, zeroPoint, qmin, qmax);
                    dst.setAtIndex(INT, dstOffset + i, q);
                }
            }
            default -> throw new IllegalArgumentException("quantize: the target must be uint8, int8 or int32, got "
                    + dstType);
        }
    }

    /**
     * {@code rint} rounds half to even, as {@code nearbyint} in the default rounding mode; the zero point is added in
     * float32 as fbgemm does (which matters only for int32 beyond 2^24).
     */
    private static int quantize(float x, float inverseScale, int zeroPoint, int qmin, int qmax) {
        float scaled = x * inverseScale;
        if (scaled != scaled) {
            return Math.clamp(zeroPoint, qmin, qmax);
        }
        float q = (float) Math.rint(scaled) + zeroPoint;
        return (int) Math.min(Math.max((double) q, qmin), qmax);
    }
}
