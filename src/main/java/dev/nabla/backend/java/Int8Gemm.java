package dev.nabla.backend.java;

import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The pure-Java 8-bit integer GEMM of {@link dev.nabla.backend.Backend#gemmInt8}: the reference the oneDNN kernel is
 * tested against, and what the {@code java} device (and the {@code cpu} device without oneDNN) runs. Sums are exact
 * in {@code int}: {@code k * 255 * 128} stays below {@code 2^31} for {@code k < 65,793}, and longer rows are summed in
 * {@code long}. The zero point is folded out of the inner loop: {@code sum (a - z) b = sum a b - z sum b}.
 */
final class Int8Gemm {
    private static final int INT_SAFE_K = Integer.MAX_VALUE / (255 * 128);

    private Int8Gemm() {
    }

    static void gemm(ScalarType aType, int m, int n, int k, MemorySegment a, long aOffset, int lda, int aZeroPoint,
                     MemorySegment b, long bOffset, int ldb, MemorySegment scales, long scalesOffset, int scaleCount,
                     MemorySegment c, long cOffset, int ldc) {
        if (aType != ScalarType.UINT8 && aType != ScalarType.INT8) {
            throw new IllegalArgumentException("gemmInt8: activations must be uint8 or int8, got " + aType);
        }
        if (scaleCount != 1 && scaleCount != n) {
            throw new IllegalArgumentException("gemmInt8: scaleCount must be 1 or n = " + n + ", got " + scaleCount);
        }
        boolean unsigned = aType == ScalarType.UINT8;
        byte[] weights = new byte[n * k];
        long[] weightSums = new long[n];
        for (int j = 0; j < n; j++) {
            MemorySegment.copy(b, ValueLayout.JAVA_BYTE, bOffset + (long) j * ldb, weights, j * k, k);
            long sum = 0;
            for (int p = 0; p < k; p++) {
                sum += weights[j * k + p];
            }
            weightSums[j] = sum;
        }
        float[] scale = new float[scaleCount];
        MemorySegment.copy(scales, ValueLayout.JAVA_FLOAT, scalesOffset * Float.BYTES, scale, 0, scaleCount);
        int[] row = new int[k];
        byte[] rowBytes = new byte[k];
        for (int i = 0; i < m; i++) {
            MemorySegment.copy(a, ValueLayout.JAVA_BYTE, aOffset + (long) i * lda, rowBytes, 0, k);
            for (int p = 0; p < k; p++) {
                row[p] = unsigned ? rowBytes[p] & 0xFF : rowBytes[p];
            }
            long cRow = (cOffset + (long) i * ldc) * Float.BYTES;
            for (int j = 0; j < n; j++) {
                long dot = k <= INT_SAFE_K ? dotInt(row, weights, j * k, k) : dotLong(row, weights, j * k, k);
                long exact = dot - (long) aZeroPoint * weightSums[j];
                float s = scale[scaleCount == 1 ? 0 : j];
                c.set(ValueLayout.JAVA_FLOAT, cRow + (long) j * Float.BYTES, (float) exact * s);
            }
        }
    }

    private static int dotInt(int[] row, byte[] weights, int from, int k) {
        int sum = 0;
        for (int p = 0; p < k; p++) {
            sum += row[p] * weights[from + p];
        }
        return sum;
    }

    private static long dotLong(int[] row, byte[] weights, int from, int k) {
        long sum = 0;
        for (int p = 0; p < k; p++) {
            sum += row[p] * weights[from + p];
        }
        return sum;
    }
}
