package dev.nabla.backend.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.base.ScalarType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API paths of dynamic quantization's kernels (fused min-max, float32 to 8-bit quantization) against their
 * scalar loops, bit for bit: ties, NaN, infinities, values far outside the range, odd lengths and offsets.
 */
class QuantizeKernelsTest {
    private static float[] data(Random r, int n, float scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 3);
        }
        for (int i = 0; i < Math.min(n, 40); i++) {
            x[i] = (i - 20 + 0.5f) * scale; // exact ties k + 0.5 steps
        }
        if (n > 50) {
            x[41] = 1e30f;
            x[42] = -1e30f;
            x[43] = Float.POSITIVE_INFINITY;
            x[44] = Float.NEGATIVE_INFINITY;
            x[45] = -0f;
            x[46] = Float.NaN;
        }
        return x;
    }

    @Test
    void vectorQuantizationMatchesScalarBitForBit() {
        assertTrue(VectorSupport.available(), "the tests run with --add-modules jdk.incubator.vector");
        Random r = new Random(5);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 7, 8, 15, 16, 17, 63, 64, 65, 1000, 4099}) {
                for (int[] params : new int[][] {{0, 0, 255}, {74, 0, 127}, {128, 0, 255}, {0, -128, 127},
                        {-10, -128, 127}, {255, 0, 255}}) {
                    float scale = 0.0371f;
                    float[] x = data(r, n + 3, scale);
                    MemorySegment src = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
                    MemorySegment scalar = arena.allocate(n + 5);
                    MemorySegment vector = arena.allocate(n + 5);
                    ScalarType type = params[1] < 0 ? ScalarType.INT8 : ScalarType.UINT8;
                    Quantize.affine(false, src, 3, 1 / scale, params[0], params[1], params[2], type, scalar, 2, n);
                    Quantize.affine(true, src, 3, 1 / scale, params[0], params[1], params[2], type, vector, 2, n);
                    assertArrayEquals(scalar.toArray(ValueLayout.JAVA_BYTE), vector.toArray(ValueLayout.JAVA_BYTE),
                            "n=" + n + " zp=" + params[0]);
                }
            }
        }
    }

    @Test
    void scalarQuantizationRoundsHalfToEvenAndClamps() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocateFrom(ValueLayout.JAVA_FLOAT, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 300f,
                    -300f, Float.NaN);
            MemorySegment dst = arena.allocate(8);
            Quantize.affine(false, src, 0, 1f, 3, 0, 255, ScalarType.UINT8, dst, 0, 8);
            assertArrayEquals(new byte[] {3, 5, 5, 3, 1, (byte) 255, 0, 3}, dst.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void vectorMinMaxMatchesScalar() {
        Random r = new Random(9);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 5, 8, 9, 31, 32, 33, 1001}) {
                float[] x = new float[n + 1];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) r.nextGaussian();
                }
                MemorySegment src = arena.allocateFrom(ValueLayout.JAVA_FLOAT, x);
                float lo = Float.POSITIVE_INFINITY;
                float hi = Float.NEGATIVE_INFINITY;
                for (int i = 1; i <= n; i++) {
                    lo = Math.min(lo, x[i]);
                    hi = Math.max(hi, x[i]);
                }
                assertArrayEquals(new float[] {lo, hi}, MinMax.of(true, src, 1, n), "n=" + n);
                assertArrayEquals(new float[] {lo, hi}, MinMax.of(false, src, 1, n), "n=" + n);
                src.setAtIndex(ValueLayout.JAVA_FLOAT, n / 2 + 1, Float.NaN);
                for (boolean vector : new boolean[] {true, false}) {
                    float[] withNaN = MinMax.of(vector, src, 1, n);
                    assertEquals(Float.NaN, withNaN[0]);
                    assertEquals(Float.NaN, withNaN[1]);
                }
            }
        }
    }

    /** Signed zeros, infinities, subnormals, all-negative runs and NaNs of either sign, at every position of a vector. */
    @Test
    void vectorMinMaxOrdersSpecialValuesAsMathMinAndMax() {
        float negativeNaN = Float.intBitsToFloat(0xffc00001);
        float[][] cases = {
                {-0f, 0f}, {0f, -0f}, {-1f, -2f, -3f}, {Float.POSITIVE_INFINITY, 1f}, {Float.NEGATIVE_INFINITY, -1f},
                {Float.MIN_VALUE, -Float.MIN_VALUE}, {Float.MAX_VALUE, -Float.MAX_VALUE}, {negativeNaN, 1f},
                {Float.NaN, -1f}, {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY}};
        try (Arena arena = Arena.ofConfined()) {
            for (float[] special : cases) {
                for (int at = 0; at < 40; at += 3) {
                    float[] x = new float[67];
                    java.util.Arrays.fill(x, special[special.length - 1]);
                    for (int s = 0; s < special.length; s++) {
                        x[(at + s * 17) % x.length] = special[s];
                    }
                    float lo = Float.POSITIVE_INFINITY;
                    float hi = Float.NEGATIVE_INFINITY;
                    for (float v : x) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                    float[] vector = MinMax.of(true, arena.allocateFrom(ValueLayout.JAVA_FLOAT, x), 0, x.length);
                    String what = java.util.Arrays.toString(special) + " at " + at;
                    assertEquals(Float.floatToIntBits(lo), Float.floatToIntBits(vector[0]), what + ": min");
                    assertEquals(Float.floatToIntBits(hi), Float.floatToIntBits(vector[1]), what + ": max");
                }
            }
        }
    }
}
