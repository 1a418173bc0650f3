package dev.nabla.backend.cpu;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

import dev.nabla.backend.java.VectorSupport;
import dev.nabla.backend.java.vector.VectorQuantize;
import java.lang.foreign.MemorySegment;

/**
 * The pass after a packed int8 matmul ({@link DnnlGemm#linearInt8}): from its exact 32-bit sums to float32 outputs
 * with {@code gemmInt8}'s roundings followed by the bias add's,
 * {@code c[i][j] = (float) (acc[i][j] - compensation[j]) * scale[j] + bias[j]}. oneDNN's blocked-weight int8 kernels
 * take no run-time output scales, and a batch's scale changes with every call, so the scaling is done here, in one
 * pass that also subtracts the zero point's share and adds the bias.
 */
final class Int8Epilogue {
    private static final boolean VECTOR = VectorSupport.available();

    private Int8Epilogue() {
    }

    /**
     * @param acc          {@code m x n} int32 sums, dense
     * @param compensation {@code n} values taken off each column
     * @param scales       {@code n} float32 scales, one per column
     * @param bias         {@code n} float32 values, or null
     * @param c            float32 output, row stride {@code ldc}, offset in elements
     */
    static void apply(MemorySegment acc, int m, int n, int[] compensation, float[] scales, float[] bias,
                      MemorySegment c, long cOffset, int ldc) {
        for (int i = 0; i < m; i++) {
            long accRow = (long) i * n;
            long cRow = cOffset + (long) i * ldc;
            int done = VECTOR ? VectorQuantize.dequantizeRow(acc, accRow, compensation, scales, bias, c, cRow, n) : 0;
            for (int j = done; j < n; j++) {
                float y = (float) (acc.getAtIndex(JAVA_INT_UNALIGNED, accRow + j) - compensation[j]) * scales[j];
                c.setAtIndex(JAVA_FLOAT_UNALIGNED, cRow + j, bias == null ? y : y + bias[j]);
            }
        }
    }
}
