package dev.nabla;

import static dev.nabla.TestSupport.assertExact;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TensorCreationTest extends ScopedTest {

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> devicesAndDtypes() {
        return TestSupport.devicesAndDtypes();
    }

    private static void assertFilled(Tensor t, double value, int n) {
        double[] expected = new double[n];
        java.util.Arrays.fill(expected, value);
        assertExact(t.describe(), expected, t.toDoubleArray());
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void zerosOnesAndFullHaveTheRequestedShapeDtypeDeviceAndValue(Device device, DType dtype) {
        Tensor z = Tensor.zeros(dtype, device, 2, 3);
        Tensor o = Tensor.ones(dtype, device, 4);
        Tensor f = Tensor.full(-2.5, dtype, device, 3, 1, 2);
        for (Tensor t : new Tensor[] {z, o, f}) {
            assertEquals(dtype, t.dtype());
            assertEquals(device, t.device());
            assertTrue(t.isContiguous());
        }
        assertArrayEquals(new long[] {2, 3}, z.shape());
        assertArrayEquals(new long[] {4}, o.shape());
        assertArrayEquals(new long[] {3, 1, 2}, f.shape());
        assertFilled(z, 0, 6);
        assertFilled(o, 1, 4);
        assertFilled(f, -2.5, 6);
        assertEquals(6, f.numel());
        assertEquals(3, f.dim());
        assertEquals(2, f.size(-1));
    }

    @Test
    void shortFormsAreFloat32OnTheCpu() {
        for (Tensor t : new Tensor[] {Tensor.zeros(2), Tensor.ones(2), Tensor.full(3, 2), Tensor.scalar(1),
                Tensor.arange(3), Tensor.eye(2), Tensor.of(new float[] {1, 2}), Tensor.rand(new Generator(1), 2),
                Tensor.randn(new Generator(1), 2)}) {
            assertEquals(DType.FLOAT32, t.dtype(), t.describe());
            assertEquals(Device.CPU, t.device(), t.describe());
        }
    }

    @Test
    void fullRoundsTheValueToTheDtype() {
        assertEquals((double) (float) 0.1, Tensor.full(0.1, 1).item());
        assertEquals(0.1, Tensor.full(0.1, DType.FLOAT64, Device.CPU, 1).item());
    }

    @Test
    void zeroSizedShapesAreAllowed() {
        Tensor t = Tensor.zeros(3, 0, 2);
        assertEquals(0, t.numel());
        assertArrayEquals(new long[] {3, 0, 2}, t.shape());
        assertEquals(0, t.toDoubleArray().length);
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void scalarIsZeroDimensionalWithOneElement(Device device, DType dtype) {
        Tensor s = Tensor.scalar(3.25, dtype, device);
        assertEquals(0, s.dim());
        assertArrayEquals(new long[0], s.shape());
        assertEquals(1, s.numel());
        assertEquals(3.25, s.item());
    }

    @Test
    void arangeCountsUpLikeTorch() {
        assertExact("arange(5)", new double[] {0, 1, 2, 3, 4}, Tensor.arange(5).toDoubleArray());
        // torch.arange(0, 1, 0.3) -> tensor([0.0000, 0.3000, 0.6000, 0.9000]): ceil((end - start) / step) elements
        Tensor t = Tensor.arange(0, 1, 0.3, DType.FLOAT64, Device.CPU);
        assertArrayEquals(new long[] {4}, t.shape());
        assertExact("arange(0, 1, 0.3)", new double[] {0, 0.3, 2 * 0.3, 3 * 0.3}, t.toDoubleArray());
        // sizes checked against torch 1.13: arange(0, 0.3, 0.1) has 3, arange(0, 1, 0.1) 10, arange(1, 2.5, 0.5) 3
        assertEquals(3, Tensor.arange(0, 0.3, 0.1, DType.FLOAT64, Device.CPU).numel());
        assertEquals(10, Tensor.arange(0, 1, 0.1, DType.FLOAT64, Device.CPU).numel());
        assertExact("arange(1, 2.5, 0.5)", new double[] {1, 1.5, 2},
                Tensor.arange(1, 2.5, 0.5, DType.FLOAT32, Device.JAVA).toDoubleArray());
    }

    @Test
    void arangeWithNegativeStepCountsDown() {
        // torch.arange(5, 0, -1.5) -> tensor([5.0000, 3.5000, 2.0000, 0.5000])
        Tensor t = Tensor.arange(5, 0, -1.5, DType.FLOAT32, Device.CPU);
        assertExact("arange(5, 0, -1.5)", new double[] {5, 3.5, 2, 0.5}, t.toDoubleArray());
    }

    @Test
    void arangeOfAnEmptyRangeIsEmpty() {
        assertEquals(0, Tensor.arange(2, 2, 1, DType.FLOAT32, Device.CPU).numel());
        assertEquals(0, Tensor.arange(0).numel());
    }

    @Test
    void arangeRejectsZeroStepAndStepsAwayFromTheEnd() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 1, 0, DType.FLOAT32, Device.CPU));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 5, -1, DType.FLOAT32, Device.CPU));
        assertThrows(IllegalArgumentException.class, () -> Tensor.arange(5, 0, 1, DType.FLOAT32, Device.CPU));
        assertThrows(IllegalArgumentException.class,
                () -> Tensor.arange(0, Double.POSITIVE_INFINITY, 1, DType.FLOAT32, Device.CPU));
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void eyeIsTheIdentity(Device device, DType dtype) {
        for (int n : new int[] {0, 1, 4}) {
            Tensor e = Tensor.eye(n, dtype, device);
            assertArrayEquals(new long[] {n, n}, e.shape());
            double[] expected = new double[n * n];
            for (int i = 0; i < n; i++) {
                expected[i * n + i] = 1;
            }
            assertExact("eye(" + n + ")", expected, e.toDoubleArray());
        }
    }

    @Test
    void ofFloatArrayCopiesTheDataIntoAFloat32Tensor() {
        float[] data = {1.5f, -2f, 3.25f, 0f, 7f, -0.125f};
        Tensor v = Tensor.of(data);
        Tensor m = Tensor.of(data, 2, 3);
        data[0] = 100; // the tensors hold copies
        assertArrayEquals(new long[] {6}, v.shape());
        assertArrayEquals(new long[] {2, 3}, m.shape());
        assertEquals(DType.FLOAT32, m.dtype());
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 0f, 7f, -0.125f}, v.toFloatArray());
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f, 0f, 7f, -0.125f}, m.toFloatArray());
    }

    @Test
    void ofDoubleArrayKeepsFullPrecisionInFloat64() {
        double[] data = {0.1, Math.PI, -1e-300, 1e300};
        Tensor t = Tensor.of(data);
        assertEquals(DType.FLOAT64, t.dtype());
        assertArrayEquals(data, t.toDoubleArray());
        Tensor m = Tensor.of(data, 2, 2);
        assertArrayEquals(new long[] {2, 2}, m.shape());
        assertArrayEquals(data, m.toDoubleArray());
    }

    @Test
    void ofWithDtypeAndDeviceConvertsTheData() {
        double[] data = {0.1, Math.PI, 1e-50};
        Tensor t = Tensor.of(data, DType.FLOAT32, Device.JAVA, 3);
        assertEquals(DType.FLOAT32, t.dtype());
        assertEquals(Device.JAVA, t.device());
        assertArrayEquals(new double[] {(float) 0.1, (float) Math.PI, (float) 1e-50}, t.toDoubleArray());
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void randIsUniformOnTheUnitIntervalAndRepeatable(Device device, DType dtype) {
        Tensor a = Tensor.uniform(new Generator(7), 0, 1, dtype, device, 50, 20);
        Tensor b = Tensor.uniform(new Generator(7), 0, 1, dtype, device, 50, 20);
        Tensor c = Tensor.uniform(new Generator(8), 0, 1, dtype, device, 50, 20);
        assertArrayEquals(new long[] {50, 20}, a.shape());
        assertEquals(dtype, a.dtype());
        assertEquals(device, a.device());
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), "same seed, same values");
        assertFalse(java.util.Arrays.equals(a.toDoubleArray(), c.toDoubleArray()), "different seeds differ");
        for (double v : a.toDoubleArray()) {
            assertTrue(v >= 0 && v < 1, "rand value " + v + " outside [0, 1)");
        }
    }

    @Test
    void randnIsRepeatableForTheSameSeed() {
        assertArrayEquals(Tensor.randn(new Generator(3), 100).toFloatArray(),
                Tensor.randn(new Generator(3), 100).toFloatArray());
        assertFalse(java.util.Arrays.equals(Tensor.randn(new Generator(3), 100).toFloatArray(),
                Tensor.randn(new Generator(4), 100).toFloatArray()));
        Generator g = new Generator(5);
        Tensor first = Tensor.randn(g, 10);
        Tensor second = Tensor.randn(g, 10);
        assertFalse(java.util.Arrays.equals(first.toFloatArray(), second.toFloatArray()),
                "a generator advances between calls");
        g.manualSeed(5);
        assertArrayEquals(first.toFloatArray(), Tensor.randn(g, 10).toFloatArray(), "manualSeed restarts");
    }

    /**
     * Moments of 100k standard normal samples. Bounds are 5 standard errors of each estimator: the mean has
     * standard error 1/sqrt(n); the second moment E[x^2] = 1 has variance E[x^4] - 1 = 2; the fourth moment
     * E[x^4] = 3 has variance E[x^8] - 9 = 96; the fraction within one sigma (0.682689) is binomial.
     */
    @Test
    void randnHasStandardNormalMoments() {
        int n = 100_000;
        double[] x = Tensor.normal(new Generator(2024), 0, 1, DType.FLOAT64, Device.CPU, n).toDoubleArray();
        double m1 = 0;
        double m2 = 0;
        double m4 = 0;
        int within = 0;
        for (double v : x) {
            m1 += v;
            m2 += v * v;
            m4 += v * v * v * v;
            within += Math.abs(v) < 1 ? 1 : 0;
        }
        m1 /= n;
        m2 /= n;
        m4 /= n;
        assertEquals(0, m1, 5 / Math.sqrt(n), "mean");
        assertEquals(1, m2, 5 * Math.sqrt(2.0 / n), "second moment");
        assertEquals(3, m4, 5 * Math.sqrt(96.0 / n), "fourth moment");
        double p = 0.682689492137;
        assertEquals(p, (double) within / n, 5 * Math.sqrt(p * (1 - p) / n), "fraction within one sigma");
    }

    @Test
    void normalScalesAndShifts() {
        int n = 100_000;
        double[] x = Tensor.normal(new Generator(99), 3, 2, DType.FLOAT32, Device.JAVA, n).toDoubleArray();
        double mean = 0;
        for (double v : x) {
            mean += v;
        }
        mean /= n;
        double var = 0;
        for (double v : x) {
            var += (v - mean) * (v - mean);
        }
        var /= n - 1;
        assertEquals(3, mean, 5 * 2 / Math.sqrt(n), "mean");
        assertEquals(4, var, 5 * 4 * Math.sqrt(2.0 / n), "variance"); // Var(s^2) ~ 2 sigma^4 / n
        assertExact("std 0 gives the mean", new double[] {3, 3}, Tensor.normal(new Generator(1), 3, 0,
                DType.FLOAT64, Device.CPU, 2).toDoubleArray());
    }

    /** 100k uniform samples on [-2, 5): all inside, mean within 5 standard errors of (lo + hi) / 2. */
    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void uniformStaysInItsHalfOpenIntervalWithTheRightMean(Device device, DType dtype) {
        int n = 100_000;
        double lo = -2;
        double hi = 5;
        double[] x = Tensor.uniform(new Generator(11), lo, hi, dtype, device, n).toDoubleArray();
        double mean = 0;
        for (double v : x) {
            assertTrue(v >= lo && v < hi, "uniform value " + v + " outside [" + lo + ", " + hi + ")");
            mean += v;
        }
        mean /= n;
        double sd = (hi - lo) / Math.sqrt(12);
        assertEquals((lo + hi) / 2, mean, 5 * sd / Math.sqrt(n));
    }

    /**
     * A double just below 1 (above 1 - 2^-25) rounds to 1.0f, so a float32 rand built from uniform doubles can
     * return 1 unless it guards against it; torch.rand never does. The test finds a seed whose stream has such a
     * double among its first 64 draws (seed 330764, draw 58, for the xoshiro256** generator; the search starts
     * there and keeps going should the algorithm change: one draw in 2^25 qualifies), then asks rand for those
     * 64 values.
     */
    @Test
    void randInFloat32NeverReturnsOne() {
        long seed = 330_764;
        int draw = -1;
        for (; draw < 0; seed++) {
            Generator g = new Generator(seed);
            for (int i = 0; i < 64 && draw < 0; i++) {
                if ((float) g.nextDouble() == 1.0f) {
                    draw = i;
                }
            }
        }
        seed--;
        float[] v = Tensor.rand(new Generator(seed), 64).toFloatArray();
        for (int i = 0; i < v.length; i++) {
            assertTrue(v[i] < 1.0f, "rand(seed " + seed + ") element " + i + " is " + v[i] + ", outside [0, 1)");
        }
        double[] u = Tensor.uniform(new Generator(seed), -1, 1, DType.FLOAT32, Device.CPU, 64).toDoubleArray();
        for (double x : u) {
            assertTrue(x < 1, "uniform(-1, 1) gave " + x);
        }
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void toCopiesAcrossDevicesAndConvertsDtypes(Device device, DType dtype) {
        double[] v = {0.1, -2.5, 3e-3, 7, 1e-20, -1e20};
        Tensor x = Tensor.of(v, dtype, device, 2, 3);
        assertSame(x, x.to(device), "same device: no copy");
        assertSame(x, x.to(dtype), "same dtype: no copy");
        Device other = device == Device.CPU ? Device.JAVA : Device.CPU;
        Tensor y = x.t().to(other);
        assertEquals(other, y.device());
        assertEquals(dtype, y.dtype());
        double[] xv = TestSupport.round(dtype, v);
        assertExact("to(" + other + ") of a transpose", TestSupport.permute(xv, new long[] {2, 3}, 1, 0),
                y.toDoubleArray());
        y.fill_(0);
        assertExact("the copy does not share memory", xv, x.toDoubleArray());
        DType otherType = dtype == DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32;
        Tensor z = x.to(otherType);
        assertEquals(otherType, z.dtype());
        assertEquals(device, z.device());
        assertExact("to(" + otherType + ")", TestSupport.round(otherType, xv), z.toDoubleArray());
        Tensor like = Tensor.fullLike(x.t(), 4);
        assertArrayEquals(new long[] {3, 2}, like.shape());
        assertEquals(dtype, like.dtype());
        assertEquals(device, like.device());
        assertFilled(like, 4, 6);
        assertFilled(Tensor.zerosLike(x), 0, 6);
        assertFilled(Tensor.onesLike(x), 1, 6);
    }
}
