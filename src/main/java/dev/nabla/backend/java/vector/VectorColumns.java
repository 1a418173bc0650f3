package dev.nabla.backend.java.vector;

import dev.nabla.backend.ReduceOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Column reductions: folding one contiguous row into a row of double accumulators ({@code acc[j] op= x[j]}),
 * which reducing leading dimensions repeats for every row. Float32 rows are widened to double as they are loaded,
 * so a column sum over many rows keeps double precision (its error would otherwise grow with the row count).
 */
final class VectorColumns {
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FH = VectorCopy.FH;
    private static final int L = DS.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private VectorColumns() {
    }

    private static DoubleVector ldF(MemorySegment x, long off, long i) {
        return (DoubleVector) FloatVector.fromMemorySegment(FH, x, (off + i) * Float.BYTES, NO)
                .convertShape(VectorOperators.F2D, DS, 0);
    }

    private static DoubleVector ldD(MemorySegment x, long off, long i) {
        return DoubleVector.fromMemorySegment(DS, x, (off + i) * Double.BYTES, NO);
    }

    /** {@code acc[a + j] op= x[off + j]} for {@code j < n}, x float32; SUM and MEAN add, MAX/MIN follow Math.max/min. */
    static void floatRow(ReduceOp op, MemorySegment x, long off, double[] acc, int a, int n) {
        int m = DS.loopBound(n);
        switch (op) {
            case MAX -> { for (int j = 0; j < m; j += L) DoubleVector.fromArray(DS, acc, a + j).max(ldF(x, off, j)).intoArray(acc, a + j); }
            case MIN -> { for (int j = 0; j < m; j += L) DoubleVector.fromArray(DS, acc, a + j).min(ldF(x, off, j)).intoArray(acc, a + j); }
            default -> { for (int j = 0; j < m; j += L) DoubleVector.fromArray(DS, acc, a + j).add(ldF(x, off, j)).intoArray(acc, a + j); }
        }
        for (int j = m; j < n; j++) {
            acc[a + j] = fold(op, acc[a + j], x.getAtIndex(F, off + j));
        }
    }

    /** {@code acc[a + j] op= x[off + j]} for {@code j < n}, x float64. */
    static void doubleRow(ReduceOp op, MemorySegment x, long off, double[] acc, int a, int n) {
        int m = DS.loopBound(n);
        switch (op) {
            case MAX -> { for (int j = 0; j < m; j += L) DoubleVector.fromArray(DS, acc, a + j).max(ldD(x, off, j)).intoArray(acc, a + j); }
            case MIN -> { for (int j = 0; j < m; j += L) DoubleVector.fromArray(DS, acc, a + j).min(ldD(x, off, j)).intoArray(acc, a + j); }
            default -> { for (int j = 0; j < m; j += L) DoubleVector.fromArray(DS, acc, a + j).add(ldD(x, off, j)).intoArray(acc, a + j); }
        }
        for (int j = m; j < n; j++) {
            acc[a + j] = fold(op, acc[a + j], x.getAtIndex(D, off + j));
        }
    }

    private static double fold(ReduceOp op, double acc, double v) {
        return switch (op) {
            case MAX -> Math.max(acc, v);
            case MIN -> Math.min(acc, v);
            default -> acc + v;
        };
    }
}
