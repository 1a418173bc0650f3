package dev.nabla.autograd;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.SplittableRandom;

/**
 * Random float64 CPU inputs for gradient checks, drawn from java.util's generator (not the library's), with the
 * domain restrictions finite differences need: away from kinks, ties and poles.
 */
final class Inputs {
    private final SplittableRandom random;

    Inputs(long seed) {
        random = new SplittableRandom(seed);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    /** A float64 CPU tensor of {@code values} ({@code shape} may be empty: a 0-dimensional tensor). */
    static Tensor tensor(double[] values, long... shape) {
        if (shape.length == 0) {
            return Tensor.scalar(values[0], DType.FLOAT64, Device.CPU);
        }
        return Tensor.of(values, DType.FLOAT64, Device.CPU, shape);
    }

    static Tensor leaf(Tensor t) {
        return t.requiresGrad_(true);
    }

    double[] uniformValues(double lo, double hi, long... shape) {
        double[] v = new double[Math.toIntExact(numel(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * random.nextDouble();
        }
        return v;
    }

    /** Uniform in [lo, hi), requiring grad. */
    Tensor uniform(double lo, double hi, long... shape) {
        return leaf(constant(lo, hi, shape));
    }

    /** Uniform in [lo, hi), not requiring grad (targets, running statistics, class weights). */
    Tensor constant(double lo, double hi, long... shape) {
        return tensor(uniformValues(lo, hi, shape), shape);
    }

    /** Standard normal values, requiring grad. */
    Tensor normal(long... shape) {
        double[] v = new double[Math.toIntExact(numel(shape))];
        for (int i = 0; i < v.length; i++) {
            // Box-Muller, so the values do not depend on the library's generator
            double u = 1 - random.nextDouble();
            v[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
        }
        return leaf(tensor(v, shape));
    }

    /** Magnitudes uniform in [lo, hi) with random signs: keeps clear of a kink or pole at 0. */
    Tensor away(double lo, double hi, long... shape) {
        double[] v = uniformValues(lo, hi, shape);
        for (int i = 0; i < v.length; i++) {
            if (random.nextBoolean()) {
                v[i] = -v[i];
            }
        }
        return leaf(tensor(v, shape));
    }

    /** Uniform in [lo, hi) but at least {@code margin} from every one of {@code points}. */
    Tensor avoiding(double lo, double hi, double margin, double[] points, long... shape) {
        double[] v = new double[Math.toIntExact(numel(shape))];
        for (int i = 0; i < v.length; i++) {
            double x;
            boolean near;
            do {
                x = lo + (hi - lo) * random.nextDouble();
                near = false;
                for (double p : points) {
                    near |= Math.abs(x - p) < margin;
                }
            } while (near);
            v[i] = x;
        }
        return leaf(tensor(v, shape));
    }

    /**
     * Pairwise distinct values (gaps of at least 0.2) in random order, so maxima, minima and orderings have no
     * ties a finite-difference step could flip.
     */
    double[] distinctValues(int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i - n / 2.0) * 0.25 + 0.05 * random.nextDouble();
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    /** Distinct values (see {@link #distinctValues}), requiring grad. */
    Tensor distinct(long... shape) {
        return leaf(tensor(distinctValues(Math.toIntExact(numel(shape))), shape));
    }

    /** Two tensors whose elements are all distinct from each other, both requiring grad. */
    Tensor[] distinctPair(long[] a, long[] b) {
        int na = Math.toIntExact(numel(a));
        int nb = Math.toIntExact(numel(b));
        double[] all = distinctValues(na + nb);
        return new Tensor[] {leaf(tensor(java.util.Arrays.copyOfRange(all, 0, na), a)),
                leaf(tensor(java.util.Arrays.copyOfRange(all, na, na + nb), b))};
    }

    /** Integers in [0, bound) as int64 (index tensors and class targets). */
    Tensor indices(int bound, long... shape) {
        long[] v = new long[Math.toIntExact(numel(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextInt(bound);
        }
        return Tensor.of(v, DType.INT64, Device.CPU, shape);
    }

    /** The given int64 indices as a 1-D tensor. */
    static Tensor ids(long... values) {
        return Tensor.of(values, DType.INT64, Device.CPU, values.length);
    }
}
