package dev.nabla;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Independent references for the foundation tests: plain-array indexing, broadcasting and tolerances written
 * from their definitions, sharing no code with the library.
 */
final class TestSupport {
    /** Unit roundoff of float32 (half an ulp at 1). */
    static final double U32 = 0x1p-24;
    /** Unit roundoff of float64. */
    static final double U64 = 0x1p-53;

    private TestSupport() {
    }

    /** Every (device, dtype) pair the host supports. */
    static Stream<Arguments> devicesAndDtypes() {
        List<Arguments> out = new ArrayList<>();
        for (Device d : Device.values()) {
            for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                out.add(Arguments.of(d, t));
            }
        }
        return out.stream();
    }

    /** Unit roundoff of a dtype. */
    static double unitRoundoff(DType t) {
        return t == DType.FLOAT32 ? U32 : U64;
    }

    /** {@code v} rounded to the dtype. */
    static double round(DType t, double v) {
        return t == DType.FLOAT32 ? (double) (float) v : v;
    }

    static double[] round(DType t, double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = round(t, v[i]);
        }
        return out;
    }

    /** {@code n} values uniform in [lo, hi), already rounded to the dtype, from java.util's generator. */
    static double[] random(long seed, int n, double lo, double hi, DType t) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = round(t, lo + (hi - lo) * r.nextDouble());
        }
        return out;
    }

    /** {@code n} small integers in [lo, hi]: sums and products of these are exact in either dtype. */
    static double[] randomInts(long seed, int n, int lo, int hi) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextInt(lo, hi + 1);
        }
        return out;
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    static long[] rowMajorStrides(long[] shape) {
        long[] st = new long[shape.length];
        long step = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = step;
            step *= shape[d];
        }
        return st;
    }

    /** The multi-index of row-major position {@code flat} in {@code shape}. */
    static long[] unravel(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return idx;
    }

    /** Elements of {@code base} (row-major data of shape {@code baseShape}) at a multi-index. */
    static double at(double[] base, long[] baseShape, long... idx) {
        long flat = 0;
        for (int d = 0; d < baseShape.length; d++) {
            flat = flat * baseShape[d] + idx[d];
        }
        return base[Math.toIntExact(flat)];
    }

    /** Row-major data of shape {@code from} broadcast (NumPy rules) to shape {@code to}. */
    static double[] broadcast(double[] data, long[] from, long[] to) {
        int n = Math.toIntExact(numel(to));
        double[] out = new double[n];
        int shift = to.length - from.length;
        for (int i = 0; i < n; i++) {
            long[] idx = unravel(i, to);
            long[] src = new long[from.length];
            for (int d = 0; d < from.length; d++) {
                src[d] = from[d] == 1 ? 0 : idx[d + shift];
            }
            out[i] = from.length == 0 ? data[0] : at(data, from, src);
        }
        return out;
    }

    /** Row-major data of shape {@code shape} permuted: result dimension i is input dimension perm[i]. */
    static double[] permute(double[] data, long[] shape, int... perm) {
        long[] outShape = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            outShape[i] = shape[perm[i]];
        }
        int n = Math.toIntExact(numel(shape));
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            long[] idx = unravel(i, outShape);
            long[] src = new long[shape.length];
            for (int j = 0; j < perm.length; j++) {
                src[perm[j]] = idx[j];
            }
            out[i] = at(data, shape, src);
        }
        return out;
    }

    static long[] shapeOf(long... s) {
        return s;
    }

    /** Closeness with {@code |actual - expected| <= atol + rtol * |expected|}; NaN matches NaN, infinities exactly. */
    static void assertClose(String what, double[] expected, double[] actual, double rtol, double atol) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " values, got " + actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (!close(expected[i], actual[i], rtol, atol)) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (difference "
                        + Math.abs(actual[i] - expected[i]) + ", allowed " + (atol + rtol * Math.abs(expected[i]))
                        + ")");
            }
        }
    }

    static boolean close(double e, double a, double rtol, double atol) {
        if (Double.isNaN(e) || Double.isNaN(a)) {
            return Double.isNaN(e) && Double.isNaN(a);
        }
        if (Double.isInfinite(e) || Double.isInfinite(a)) {
            return e == a;
        }
        return Math.abs(a - e) <= atol + rtol * Math.abs(e);
    }

    /** Exact equality (NaN matches NaN; -0 matches 0). */
    static void assertExact(String what, double[] expected, double[] actual) {
        assertClose(what, expected, actual, 0, 0);
    }

    // ------------------------------------------------------------------ an independent erf

    private static final int GL_POINTS = 20;
    private static final double[] GL_NODES = new double[GL_POINTS];
    private static final double[] GL_WEIGHTS = new double[GL_POINTS];

    static {
        // Gauss-Legendre nodes on [-1, 1]: Newton's method on the Legendre polynomial P_20 from Chebyshev guesses.
        for (int i = 0; i < GL_POINTS; i++) {
            double z = Math.cos(Math.PI * (i + 0.75) / (GL_POINTS + 0.5));
            double dp = 0;
            for (int it = 0; it < 100; it++) {
                double p1 = 1;
                double p2 = 0;
                for (int j = 1; j <= GL_POINTS; j++) {
                    double p3 = p2;
                    p2 = p1;
                    p1 = ((2.0 * j - 1) * z * p2 - (j - 1.0) * p3) / j;
                }
                dp = GL_POINTS * (z * p1 - p2) / (z * z - 1);
                double dz = p1 / dp;
                z -= dz;
                if (Math.abs(dz) < 1e-16) {
                    break;
                }
            }
            GL_NODES[i] = z;
            GL_WEIGHTS[i] = 2 / ((1 - z * z) * dp * dp);
        }
    }

    /**
     * The error function by 20-point Gauss-Legendre quadrature of {@code 2/sqrt(pi) e^(-t^2)} over panels of
     * width at most 1/4 (the integrand is entire, so each panel is exact to rounding). Deliberately a different
     * method from the library's series / continued fraction. Accurate to a few 1e-16 absolute.
     */
    static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (x < 0) {
            return -erf(-x);
        }
        if (x > 7) {
            return 1.0; // erfc(7) = 4e-23
        }
        int panels = Math.max(1, (int) Math.ceil(x / 0.25));
        double h = x / panels;
        double sum = 0;
        for (int p = 0; p < panels; p++) {
            double a = p * h;
            double panel = 0;
            for (int i = 0; i < GL_POINTS; i++) {
                double t = a + 0.5 * h * (1 + GL_NODES[i]);
                panel += GL_WEIGHTS[i] * Math.exp(-t * t);
            }
            sum += panel;
        }
        return 2 / Math.sqrt(Math.PI) * 0.5 * h * sum;
    }
}
