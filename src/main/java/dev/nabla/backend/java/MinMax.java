package dev.nabla.backend.java;

import dev.nabla.backend.java.vector.VectorQuantize;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The fused min-max reduction of {@link dev.nabla.backend.Backend#minMax}: one pass over float32 values, the range that
 * dynamic quantization chooses its parameters from. NaN anywhere gives NaN (as {@code torch.aminmax}).
 */
final class MinMax {
    private MinMax() {
    }

    static float[] of(boolean useVector, MemorySegment src, long offset, long count) {
        if (count < 1) {
            throw new IllegalArgumentException("minMax: needs at least one element, got " + count);
        }
        float[] out = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        long done = useVector ? VectorQuantize.minMax(src, offset, count, out) : 0;
        float lo = out[0];
        float hi = out[1];
        for (long i = done; i < count; i++) {
            float v = src.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, offset + i);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return new float[] {lo, hi};
    }
}
