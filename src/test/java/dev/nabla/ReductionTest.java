package dev.nabla;

import static dev.nabla.TestSupport.assertExact;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * sum / mean / max / min / argmax / argmin against loops over plain arrays.
 *
 * <p>Tolerance for sum and mean: any summation order in precision u satisfies
 * {@code |computed - exact| <= (n - 1) u sum|x|} (Higham, Accuracy and Stability, eq. 4.4); the double reference
 * is then rounded to the dtype (u |ref| more), and mean adds one division (u |ref| more). Max, min and the
 * arg-reductions are exact.
 */
class ReductionTest extends ScopedTest {

    static Stream<Arguments> devicesAndDtypes() {
        return TestSupport.devicesAndDtypes();
    }

    enum Op { SUM, MEAN, MAX, MIN }

    /** Reference result and per-output sum of |x| (for the tolerance), both over the kept shape. */
    record Ref(double[] values, double[] sumAbs, long count) {
    }

    static Ref reduce(Op op, double[] x, long[] shape, int[] dims) {
        boolean[] reduced = new boolean[shape.length];
        for (int d : dims) {
            reduced[d < 0 ? d + shape.length : d] = true;
        }
        long[] kept = shape.clone();
        long count = 1;
        for (int d = 0; d < shape.length; d++) {
            if (reduced[d]) {
                kept[d] = 1;
                count *= shape[d];
            }
        }
        int outN = (int) TestSupport.numel(kept);
        double[] acc = new double[outN];
        double[] abs = new double[outN];
        double init = op == Op.MAX ? Double.NEGATIVE_INFINITY : op == Op.MIN ? Double.POSITIVE_INFINITY : 0;
        Arrays.fill(acc, init);
        for (int i = 0; i < x.length; i++) {
            long[] idx = TestSupport.unravel(i, shape);
            long o = 0;
            for (int d = 0; d < shape.length; d++) {
                o = o * kept[d] + (reduced[d] ? 0 : idx[d]);
            }
            int s = (int) o;
            double v = x[i];
            abs[s] += Math.abs(v);
            switch (op) {
                case SUM, MEAN -> acc[s] += v;
                case MAX -> acc[s] = Double.isNaN(acc[s]) || Double.isNaN(v) ? Double.NaN : Math.max(acc[s], v);
                case MIN -> acc[s] = Double.isNaN(acc[s]) || Double.isNaN(v) ? Double.NaN : Math.min(acc[s], v);
            }
        }
        if (op == Op.MEAN) {
            for (int i = 0; i < outN; i++) {
                acc[i] /= count;
            }
        }
        return new Ref(acc, abs, count);
    }

    static void assertReduced(String what, Op op, DType t, Ref ref, double[] got) {
        assertEquals(ref.values().length, got.length, what + ": number of outputs");
        double u = TestSupport.unitRoundoff(t);
        for (int i = 0; i < got.length; i++) {
            double expected = TestSupport.round(t, ref.values()[i]);
            double tol = switch (op) {
                case SUM -> (ref.count() - 1) * u * ref.sumAbs()[i] + u * Math.abs(expected);
                case MEAN -> ((ref.count() - 1) * u * ref.sumAbs()[i]) / ref.count() + 2 * u * Math.abs(expected);
                default -> 0;
            };
            if (!TestSupport.close(expected, got[i], 0, tol)) {
                fail(what + ": output " + i + " is " + got[i] + ", expected " + expected + " (allowed " + tol + ")");
            }
        }
    }

    static Tensor apply(Op op, Tensor x, int[] dims, boolean keepdim) {
        if (dims == null) {
            return switch (op) {
                case SUM -> x.sum();
                case MEAN -> x.mean();
                case MAX -> x.max();
                case MIN -> x.min();
            };
        }
        if (dims.length == 1) {
            return switch (op) {
                case SUM -> x.sum(dims[0], keepdim);
                case MEAN -> x.mean(dims[0], keepdim);
                case MAX -> x.max(dims[0], keepdim);
                case MIN -> x.min(dims[0], keepdim);
            };
        }
        return switch (op) {
            case SUM -> x.sum(dims, keepdim);
            case MEAN -> x.mean(dims, keepdim);
            default -> throw new IllegalArgumentException("max/min take one dimension");
        };
    }

    static long[] expectedShape(long[] shape, int[] dims, boolean keepdim) {
        if (dims == null) {
            return new long[0];
        }
        List<Long> out = new ArrayList<>();
        for (int d = 0; d < shape.length; d++) {
            boolean r = false;
            for (int e : dims) {
                r |= (e < 0 ? e + shape.length : e) == d;
            }
            if (!r) {
                out.add(shape[d]);
            } else if (keepdim) {
                out.add(1L);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** The input [3, 4, 5] in several layouts, with its logical values. */
    static List<ElementwiseTest.Operand> inputs(DType t, Device d, long seed) {
        List<ElementwiseTest.Operand> out = new ArrayList<>();
        long[] shape = {3, 4, 5};
        double[] c = TestSupport.random(seed, 60, -3, 3, t);
        out.add(new ElementwiseTest.Operand("contiguous", Tensor.of(c, t, d, shape), c));
        double[] p = TestSupport.random(seed + 1, 60, -3, 3, t);
        // stored as [5, 3, 4], permuted to [3, 4, 5]
        out.add(new ElementwiseTest.Operand("permuted", Tensor.of(p, t, d, 5, 3, 4).permute(1, 2, 0),
                TestSupport.permute(p, new long[] {5, 3, 4}, 1, 2, 0)));
        double[] s = TestSupport.random(seed + 2, 120, -3, 3, t);
        double[] sv = new double[60];
        for (int i = 0; i < 60; i++) {
            long[] idx = TestSupport.unravel(i, shape);
            sv[i] = s[(int) (idx[0] * 40 + idx[1] * 10 + 2 * idx[2] + 1)];
        }
        out.add(new ElementwiseTest.Operand("stepped", Tensor.of(s, t, d, 3, 4, 10).slice(2, 1, 10, 2), sv));
        double[] e = TestSupport.random(seed + 3, 15, -3, 3, t);
        out.add(new ElementwiseTest.Operand("expanded", Tensor.of(e, t, d, 3, 1, 5).expand(3, 4, 5),
                TestSupport.broadcast(e, new long[] {3, 1, 5}, shape)));
        return out;
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void reductionsOverAllOneAndSeveralDimensionsMatchLoops(Device d, DType t) {
        long[] shape = {3, 4, 5};
        int[][] dimSets = {null, {0}, {1}, {2}, {-1}, {-3}, {0, 2}, {2, 0}, {-1, 1}, {0, 1, 2}};
        for (ElementwiseTest.Operand x : inputs(t, d, 5)) {
            for (Op op : Op.values()) {
                for (int[] dims : dimSets) {
                    if (dims != null && dims.length > 1 && (op == Op.MAX || op == Op.MIN)) {
                        continue;
                    }
                    for (boolean keepdim : new boolean[] {true, false}) {
                        Tensor r = apply(op, x.tensor(), dims, keepdim);
                        String what = op + " over " + (dims == null ? "all" : Arrays.toString(dims)) + " keepdim "
                                + keepdim + " of " + x.layout() + " " + t + " " + d;
                        assertArrayEquals(expectedShape(shape, dims, keepdim), r.shape(), what + ": shape");
                        assertEquals(t, r.dtype(), what);
                        Ref ref = reduce(op, x.values(), shape, dims == null ? new int[] {0, 1, 2} : dims);
                        assertReduced(what, op, t, ref, r.toDoubleArray());
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void sumsOfSmallIntegersAreExact(Device d, DType t) {
        // 10^5 integers in [-8, 8]: every partial sum is an integer below 2^24, exact in any order
        double[] x = TestSupport.randomInts(9, 100_000, -8, 8);
        Tensor tx = Tensor.of(x, t, d, 100, 1000);
        double total = 0;
        double[] rows = new double[100];
        double[] cols = new double[1000];
        for (int i = 0; i < 100; i++) {
            for (int j = 0; j < 1000; j++) {
                total += x[i * 1000 + j];
                rows[i] += x[i * 1000 + j];
                cols[j] += x[i * 1000 + j];
            }
        }
        assertEquals(total, tx.sum().item());
        assertExact("row sums", rows, tx.sum(1, false).toDoubleArray());
        assertExact("column sums", cols, tx.sum(0, false).toDoubleArray());
        assertExact("column sums of the transpose", cols, tx.t().sum(1, false).toDoubleArray());
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void maxAndMinPropagateNan(Device d, DType t) {
        double nan = Double.NaN;
        Tensor x = Tensor.of(new double[] {1, nan, 3, 4, 5, 6}, t, d, 2, 3);
        assertTrue(Double.isNaN(x.max().item()), "max of all");
        assertTrue(Double.isNaN(x.min().item()), "min of all");
        assertExact("max over dim 1", new double[] {nan, 6}, x.max(1, false).toDoubleArray());
        assertExact("min over dim 0", new double[] {1, nan, 3}, x.min(0, false).toDoubleArray());
        assertExact("max over dim 0", new double[] {4, nan, 6}, x.max(0, false).toDoubleArray());
        assertTrue(Double.isNaN(x.sum().item()), "sum");
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void argmaxAndArgminPickTheFirstExtremeAlongADimension(Device d, DType t) {
        // rows with ties: the first of the tied positions wins (as in torch.argmax)
        double[] x = {
            3, 1, 3, 0,
            -1, -1, -5, -5,
            2, 2, 2, 2,
        };
        Tensor tx = Tensor.of(x, t, d, 3, 4);
        assertExact("argmax dim 1", new double[] {0, 0, 0}, tx.argmax(1, false).toDoubleArray());
        assertExact("argmin dim 1", new double[] {3, 2, 0}, tx.argmin(1, false).toDoubleArray());
        assertExact("argmax dim 0", new double[] {0, 2, 0, 2}, tx.argmax(0, false).toDoubleArray());
        assertExact("argmin dim -2", new double[] {1, 1, 1, 1}, tx.argmin(-2, false).toDoubleArray());
        Tensor k = tx.argmax(1, true);
        assertArrayEquals(new long[] {3, 1}, k.shape());
        assertEquals(DType.INT64, k.dtype(), "indices are int64, as in torch");
        assertArrayEquals(new long[] {0, 0, 0}, k.toLongArray());
        assertArrayEquals(new long[] {1, 4}, tx.argmin(0, true).shape());
        // non-contiguous: the transpose's argmax over dim 0 is the argmax of the rows
        assertExact("argmax of transpose", new double[] {0, 0, 0}, tx.t().argmax(0, false).toDoubleArray());
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void argReductionsMatchALoopOnRandomData(Device d, DType t) {
        long[] shape = {3, 4, 5};
        for (ElementwiseTest.Operand x : inputs(t, d, 77)) {
            for (int dim = 0; dim < 3; dim++) {
                for (boolean max : new boolean[] {true, false}) {
                    Tensor r = max ? x.tensor().argmax(dim, false) : x.tensor().argmin(dim, false);
                    long[] kept = shape.clone();
                    kept[dim] = 1;
                    double[] expected = new double[(int) TestSupport.numel(kept)];
                    for (int o = 0; o < expected.length; o++) {
                        long[] idx = TestSupport.unravel(o, kept);
                        double best = Double.NaN;
                        for (long j = 0; j < shape[dim]; j++) {
                            idx[dim] = j;
                            double v = TestSupport.at(x.values(), shape, idx);
                            if (j == 0 || (max ? v > best : v < best)) {
                                best = v;
                                expected[o] = j;
                            }
                        }
                    }
                    assertExact((max ? "argmax" : "argmin") + " dim " + dim + " of " + x.layout(), expected,
                            r.toDoubleArray());
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void argReductionsTreatNanAsTheExtreme(Device d, DType t) {
        // torch.tensor([1., nan, 3.]).argmax() == 1, and argmin too
        Tensor x = Tensor.of(new double[] {1, Double.NaN, 3, Double.NaN}, t, d);
        assertEquals(1, x.argmax(0, false).item());
        assertEquals(1, x.argmin(0, false).item());
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void emptyDimensionsSumToZeroAverageToNanAndHaveNoExtremes(Device d, DType t) {
        Tensor x = Tensor.zeros(t, d, 0, 3);
        assertExact("sum over the empty dim", new double[] {0, 0, 0}, x.sum(0, false).toDoubleArray());
        assertEquals(0, x.sum().item());
        assertExact("mean over the empty dim", new double[] {Double.NaN, Double.NaN, Double.NaN},
                x.mean(0, false).toDoubleArray());
        assertArrayEquals(new long[] {0}, x.sum(1, false).shape());
        assertArrayEquals(new long[] {0}, x.max(1, false).shape(), "reducing a non-empty dim of an empty tensor");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.max(0, false));
        assertTrue(e.getMessage().contains("max") && e.getMessage().contains("empty"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> x.min());
        assertThrows(IllegalArgumentException.class, () -> x.max());
        assertThrows(IllegalArgumentException.class, () -> x.argmax(0, false));
        assertThrows(IllegalArgumentException.class, () -> x.argmin(0, true));
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void zeroDimensionalTensorsReduceToThemselves(Device d, DType t) {
        Tensor s = Tensor.scalar(2.5, t, d);
        assertEquals(2.5, s.sum().item());
        assertEquals(2.5, s.max().item());
        assertEquals(2.5, s.mean(0, false).item());
        assertEquals(2.5, s.sum(-1, true).item(), "dim -1 of a 0-d tensor is dim 0, as in torch");
        assertEquals(2.5, s.max(-1, false).item());
        assertEquals(0, s.argmax(0, false).itemLong());
        assertEquals(DType.INT64, s.argmax(0, false).dtype());
        assertEquals(0, s.sum().dim());
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void invalidReductionDimensionsAreRejected(Device d, DType t) {
        Tensor x = Tensor.zeros(t, d, 2, 3);
        assertThrows(IndexOutOfBoundsException.class, () -> x.sum(2, false));
        assertThrows(IndexOutOfBoundsException.class, () -> x.mean(-3, false));
        assertThrows(IndexOutOfBoundsException.class, () -> x.argmax(5, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> x.sum(new int[] {1, -1}, false));
        assertTrue(e.getMessage().contains("repeats"), e.getMessage());
    }
}
