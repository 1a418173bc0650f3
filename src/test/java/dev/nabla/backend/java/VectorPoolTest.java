package dev.nabla.backend.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Vector API 2x2 max pooling ({@link dev.nabla.backend.java.vector.VectorPool}) against the scalar 2x2 loop of
 * {@link PoolKernels}, bit for bit (values and positions): rows shorter than, equal to and longer than one vector
 * (masked tails), odd heights and widths, an offset view, ties, signed zeros, infinities, and NaN rows (which the
 * vector path hands back to the scalar rule).
 */
class VectorPoolTest {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ConvGeometry TWO_BY_TWO = new ConvGeometry(2, 2, 2, 2, 0, 0, 1, 1);

    @ParameterizedTest
    @CsvSource({"3, 28, 28", "5, 14, 14", "2, 7, 41", "2, 4, 34", "1, 2, 2", "4, 9, 3"})
    void matchesTheScalarLoopBitForBit(int planes, int h, int w) {
        assumeTrue(VectorSupport.available(), "the Vector API module is absent");
        int oh = h / 2;
        int ow = w / 2;
        long offset = 3; // an offset view: vectors start at no particular alignment
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate((offset + (long) planes * h * w) * Float.BYTES, 64);
            Random r = new Random(planes * 1000L + h * 31L + w);
            float[] specials = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.NaN};
            for (long i = 0; i < (long) planes * h * w; i++) {
                float v = r.nextInt(4) - 2; // few levels: ties in most windows
                if (r.nextInt(8) == 0) {
                    v = specials[r.nextInt(i < (long) h * w ? 4 : specials.length)]; // the first plane has no NaN
                }
                x.setAtIndex(F, offset + i, v);
            }
            Strided in = Strided.contiguous(x, offset, planes, 1, h, w);
            float[][] vector = pool(true, arena, in, planes, oh, ow);
            float[][] scalar = pool(false, arena, in, planes, oh, ow);
            for (int k = 0; k < scalar[0].length; k++) {
                assertEquals(Float.floatToRawIntBits(scalar[0][k]), Float.floatToRawIntBits(vector[0][k]),
                        "value of window " + k);
                assertEquals(scalar[1][k], vector[1][k], "position of window " + k);
            }
        }
    }

    /** Values and positions of the pooling of {@code in}, by the Vector API path or the scalar one. */
    private static float[][] pool(boolean vector, Arena arena, Strided in, int planes, int oh, int ow) {
        long n = (long) planes * oh * ow;
        MemorySegment out = arena.allocate(n * Float.BYTES, 64);
        MemorySegment indices = arena.allocate(n * Float.BYTES, 64);
        PoolKernels.maxPool2d(vector, null, ScalarType.FLOAT32, in, TWO_BY_TWO,
                Strided.contiguous(out, 0, planes, 1, oh, ow), Strided.contiguous(indices, 0, planes, 1, oh, ow));
        return new float[][] {out.toArray(ValueLayout.JAVA_FLOAT), indices.toArray(ValueLayout.JAVA_FLOAT)};
    }
}
