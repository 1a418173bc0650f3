package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code Tensor.matmul} (torch.matmul's rules) against a triple loop over plain arrays.
 *
 * <p>Tolerance: each output is a length-k dot product; in precision u any evaluation order (blocked, FMA, ...)
 * satisfies {@code |c - c_exact| <= k u sum_p |a_ip| |b_pj|} (Higham, eq. 3.5, gamma_k ~ k u), and the double
 * reference is rounded to the dtype once more (u |c|).
 */
class MatmulTest extends ScopedTest {

    static Stream<Arguments> devicesAndDtypes() {
        return TestSupport.devicesAndDtypes();
    }

    /** The reference: torch.matmul on row-major arrays, with the error bound of each output. */
    record Product(long[] shape, double[] values, double[] bound) {
    }

    static Product reference(double[] a, long[] as, double[] b, long[] bs) {
        boolean vecA = as.length == 1;
        boolean vecB = bs.length == 1;
        long[] a2 = vecA ? new long[] {1, as[0]} : as;
        long[] b2 = vecB ? new long[] {bs[0], 1} : bs;
        long m = a2[a2.length - 2];
        long k = a2[a2.length - 1];
        long n = b2[b2.length - 1];
        long[] batchA = Arrays.copyOf(a2, a2.length - 2);
        long[] batchB = Arrays.copyOf(b2, b2.length - 2);
        int rank = Math.max(batchA.length, batchB.length);
        long[] batch = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - batchA.length ? 1 : batchA[i - (rank - batchA.length)];
            long db = i < rank - batchB.length ? 1 : batchB[i - (rank - batchB.length)];
            batch[i] = da == 1 ? db : da;
        }
        long[] fullA = concat(batch, m, k);
        long[] fullB = concat(batch, k, n);
        double[] ea = TestSupport.broadcast(a, a2, fullA);
        double[] eb = TestSupport.broadcast(b, b2, fullB);
        int count = (int) TestSupport.numel(batch);
        double[] c = new double[(int) (count * m * n)];
        double[] bound = new double[c.length];
        for (int q = 0; q < count; q++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    double abs = 0;
                    for (int p = 0; p < k; p++) {
                        double x = ea[(int) (q * m * k + i * k + p)];
                        double y = eb[(int) (q * k * n + p * n + j)];
                        s += x * y;
                        abs += Math.abs(x * y);
                    }
                    c[(int) (q * m * n + i * n + j)] = s;
                    bound[(int) (q * m * n + i * n + j)] = abs;
                }
            }
        }
        long[] shape = concat(batch, m, n);
        if (vecA && vecB) {
            shape = new long[0];
        } else if (vecA) {
            shape = remove(shape, shape.length - 2);
        } else if (vecB) {
            shape = remove(shape, shape.length - 1);
        }
        return new Product(shape, c, bound);
    }

    private static long[] concat(long[] batch, long r, long c) {
        long[] s = Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = r;
        s[batch.length + 1] = c;
        return s;
    }

    private static long[] remove(long[] s, int i) {
        long[] out = new long[s.length - 1];
        System.arraycopy(s, 0, out, 0, i);
        System.arraycopy(s, i + 1, out, i, s.length - i - 1);
        return out;
    }

    static void assertProduct(String what, DType t, long k, Product ref, Tensor got) {
        assertArrayEquals(ref.shape(), got.shape(), what + ": shape");
        double u = TestSupport.unitRoundoff(t);
        double[] g = got.toDoubleArray();
        assertEquals(ref.values().length, g.length, what);
        for (int i = 0; i < g.length; i++) {
            double expected = TestSupport.round(t, ref.values()[i]);
            double tol = k * u * ref.bound()[i] + u * Math.abs(expected);
            if (!TestSupport.close(expected, g[i], 0, tol)) {
                fail(what + ": element " + i + " is " + g[i] + ", expected " + expected + " (allowed " + tol + ")");
            }
        }
    }

    private static void check(Device d, DType t, long[] as, long[] bs, long seed) {
        double[] a = TestSupport.random(seed, (int) TestSupport.numel(as), -1, 1, t);
        double[] b = TestSupport.random(seed + 1, (int) TestSupport.numel(bs), -1, 1, t);
        Tensor ta = Tensor.of(a, t, d).view(as);
        Tensor tb = Tensor.of(b, t, d).view(bs);
        long k = as[as.length - 1];
        assertProduct(Arrays.toString(as) + " @ " + Arrays.toString(bs) + " " + t + " " + d, t, k,
                reference(a, as, b, bs), ta.matmul(tb));
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void matmulFollowsTorchRulesForEveryRankCombination(Device d, DType t) {
        long[][][] cases = {
            {{5}, {5}},               // dot product -> 0-d
            {{4}, {4, 3}},            // row vector -> [3]
            {{3, 4}, {4}},            // column vector -> [3]
            {{3, 4}, {4, 2}},
            {{2, 1, 3, 4}, {5, 4, 2}}, // batch dims broadcast -> [2, 5, 3, 2]
            {{7}, {2, 7, 3}},         // vector times a batch -> [2, 3]
            {{2, 3, 7}, {7}},         // batch times a vector -> [2, 3]
            {{4, 2, 3}, {3, 5}},      // a batch times one matrix
            {{3, 5}, {4, 5, 2}},      // one matrix times a batch
            {{1, 1}, {1, 1}},
            {{1}, {1}},
            {{13, 17}, {17, 11}},     // odd sizes
            {{1, 9}, {9, 1}},
            {{9, 1}, {1, 9}},         // outer product through k = 1
            {{3, 0}, {0, 4}},         // k = 0: zeros
            {{0, 3}, {3, 4}},         // m = 0
            {{0, 3, 4}, {4, 2}},      // empty batch
            {{65, 33}, {33, 70}},     // large enough for blocked kernels
        };
        long seed = 1;
        for (long[][] c : cases) {
            check(d, t, c[0], c[1], seed += 2);
        }
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void transposedOperandsAreReadInPlaceWithoutACopy(Device d, DType t) {
        int m = 7;
        int k = 5;
        int n = 3;
        double[] a = TestSupport.random(11, k * m, -1, 1, t); // stored [k, m]
        double[] b = TestSupport.random(12, n * k, -1, 1, t); // stored [n, k]
        Tensor at = Tensor.of(a, t, d, k, m).t();
        Tensor bt = Tensor.of(b, t, d, n, k).t();
        double[] av = TestSupport.permute(a, new long[] {k, m}, 1, 0);
        double[] bv = TestSupport.permute(b, new long[] {n, k}, 1, 0);
        Tensor ac = Tensor.of(av, t, d, m, k);
        Tensor bc = Tensor.of(bv, t, d, k, n);
        Tensor[][] pairs = {{at, bc}, {ac, bt}, {at, bt}};
        for (Tensor[] p : pairs) {
            long before = d.backend().pool().stats().allocations();
            Tensor c = p[0].matmul(p[1]);
            long allocated = d.backend().pool().stats().allocations() - before;
            assertEquals(1, allocated, "a transposed operand must be passed as a transpose flag; only the output "
                    + "may be allocated");
            assertProduct("transposed " + t + " " + d, t, k,
                    reference(av, new long[] {m, k}, bv, new long[] {k, n}), c);
        }
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void slicedOperandsGiveTheRightProduct(Device d, DType t) {
        int m = 6;
        int k = 5;
        int n = 4;
        double[] a = TestSupport.random(21, m * (k + 3), -1, 1, t); // [m, k+3], columns 2..k+1 used
        double[] b = TestSupport.random(22, (2 * k) * n, -1, 1, t); // [2k, n], every other row used
        Tensor ta = Tensor.of(a, t, d, m, k + 3).narrow(1, 2, k);
        Tensor tb = Tensor.of(b, t, d, 2 * k, n).slice(0, 1, 2 * k, 2);
        double[] av = new double[m * k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                av[i * k + p] = a[i * (k + 3) + 2 + p];
            }
        }
        double[] bv = new double[k * n];
        for (int p = 0; p < k; p++) {
            for (int j = 0; j < n; j++) {
                bv[p * n + j] = b[(2 * p + 1) * n + j];
            }
        }
        Product ref = reference(av, new long[] {m, k}, bv, new long[] {k, n});
        Tensor tbv = Tensor.of(bv, t, d, k, n);
        long before = d.backend().pool().stats().allocations();
        Tensor c = ta.matmul(tbv);
        assertEquals(1, d.backend().pool().stats().allocations() - before,
                "a column range has unit stride and a row stride: GEMM reads it in place");
        assertProduct("narrowed a", t, k, ref, c);
        assertProduct("stepped b", t, k, ref, Tensor.of(av, t, d, m, k).matmul(tb));
        assertProduct("both", t, k, ref, ta.matmul(tb));
        // a vector with a stride (every other element of a row)
        Tensor v = Tensor.of(a, t, d, m, k + 3).select(0, 1).slice(0, 0, k + 3, 2); // length 4
        double[] vv = {a[k + 3], a[k + 5], a[k + 7], a[k + 9]};
        double[] w = TestSupport.random(23, 4 * 3, -1, 1, t);
        assertProduct("strided vector", t, 4, reference(vv, new long[] {4}, w, new long[] {4, 3}),
                v.matmul(Tensor.of(w, t, d, 4, 3)));
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void batchedTransposedAndPermutedOperands(Device d, DType t) {
        // a: [3, 4, 5] stored as [5, 3, 4] and permuted; b: [3, 5, 2] from a transpose of [3, 2, 5]
        double[] a = TestSupport.random(31, 60, -1, 1, t);
        double[] b = TestSupport.random(32, 30, -1, 1, t);
        Tensor ta = Tensor.of(a, t, d, 5, 3, 4).permute(1, 2, 0);
        Tensor tb = Tensor.of(b, t, d, 3, 2, 5).transpose(1, 2);
        double[] av = TestSupport.permute(a, new long[] {5, 3, 4}, 1, 2, 0);
        double[] bv = TestSupport.permute(b, new long[] {3, 2, 5}, 0, 2, 1);
        assertProduct("batched permuted", t, 5, reference(av, new long[] {3, 4, 5}, bv, new long[] {3, 5, 2}),
                ta.matmul(tb));
        // an expanded (stride 0) batch operand
        double[] one = TestSupport.random(33, 10, -1, 1, t);
        Tensor e = Tensor.of(one, t, d, 1, 5, 2).expand(3, 5, 2);
        assertProduct("expanded batch", t, 5,
                reference(av, new long[] {3, 4, 5}, one, new long[] {1, 5, 2}), ta.matmul(e));
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void integerMatricesMultiplyExactly(Device d, DType t) {
        // entries in [-4, 4], k = 300: every partial sum is an integer of magnitude <= 4800, exact in float32
        int m = 37;
        int k = 300;
        int n = 41;
        double[] a = TestSupport.randomInts(41, m * k, -4, 4);
        double[] b = TestSupport.randomInts(42, k * n, -4, 4);
        Product ref = reference(a, new long[] {m, k}, b, new long[] {k, n});
        TestSupport.assertExact("integer matmul " + t + " " + d, ref.values(),
                Tensor.of(a, t, d, m, k).matmul(Tensor.of(b, t, d, k, n)).toDoubleArray());
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void mismatchedShapesAreRejected(Device d, DType t) {
        Tensor a = Tensor.zeros(t, d, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> a.matmul(Tensor.zeros(t, d, 4, 5)));
        assertThrows(IllegalArgumentException.class, () -> a.matmul(Tensor.zeros(t, d, 2)));
        assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(t, d, 2, 2, 3).matmul(Tensor.zeros(t, d, 3, 3, 1)));
        assertThrows(IllegalArgumentException.class, () -> a.matmul(Tensor.scalar(1, t, d)));
    }
}
