package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * Finds the first element that a dtype conversion changed, for {@link LossyConversion}: compares a tensor with its
 * converted copy on the host, a chunk at a time, exactly (as longs for integer and bool dtypes, as doubles for
 * floating ones, which hold every float16, bfloat16 and float32 exactly). A NaN that stays NaN is unchanged, and so
 * is {@code -0.0} becoming integer 0.
 */
final class LossyCheck {
    /** Elements compared per chunk, so no host array grows with the tensor. */
    private static final long CHUNK = 1 << 16;
    private static final double TWO_63 = 0x1p63;

    private LossyCheck() {
    }

    /**
     * A description of the first element {@code converted} (same shape as {@code source}) holds differently, e.g.
     * {@code float64 -> float32 changes element [1, 0]: 0.1 becomes 0.10000000149011612}; null if none changed.
     */
    static String firstChange(Tensor source, Tensor converted) {
        long numel = source.numel();
        Tensor src = source.reshape(numel);
        Tensor dst = converted.reshape(numel);
        boolean srcFloat = source.dtype().isFloatingPoint();
        boolean dstFloat = converted.dtype().isFloatingPoint();
        for (long start = 0; start < numel; start += CHUNK) {
            long n = Math.min(CHUNK, numel - start);
            Tensor s = src.narrow(0, start, n);
            Tensor d = dst.narrow(0, start, n);
            double[] sd = srcFloat ? s.toDoubleArray() : null;
            long[] sl = srcFloat ? null : s.toLongArray();
            double[] dd = dstFloat ? d.toDoubleArray() : null;
            long[] dl = dstFloat ? null : d.toLongArray();
            for (int i = 0; i < n; i++) {
                boolean same = srcFloat
                        ? (dstFloat ? sameFloat(sd[i], dd[i]) : floatIsLong(sd[i], dl[i]))
                        : (dstFloat ? floatIsLong(dd[i], sl[i]) : sl[i] == dl[i]);
                if (!same) {
                    String before = srcFloat ? Double.toString(sd[i]) : Long.toString(sl[i]);
                    String after = dstFloat ? Double.toString(dd[i]) : Long.toString(dl[i]);
                    return source.dtype() + " -> " + converted.dtype() + " changes element "
                            + index(source.shape(), start + i) + ": " + before + " becomes " + after;
                }
            }
        }
        return null;
    }

    private static boolean sameFloat(double a, double b) {
        return a == b || (Double.isNaN(a) && Double.isNaN(b));
    }

    /** True when the double {@code d} is exactly the integer {@code l} (so not NaN, infinite or fractional). */
    private static boolean floatIsLong(double d, long l) {
        return d >= -TWO_63 && d < TWO_63 && (long) d == l && (double) l == d;
    }

    /** The multi-index of row-major element {@code flat} in {@code shape}, e.g. {@code [1, 0]}. */
    private static String index(long[] shape, long flat) {
        long[] idx = new long[shape.length];
        long rest = flat;
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = rest % shape[d];
            rest /= shape[d];
        }
        return java.util.Arrays.toString(idx);
    }
}
