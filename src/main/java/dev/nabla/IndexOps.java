package dev.nabla;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Ops that produce int64 indices, computed on the host from a copy of the input (their outputs are data-dependent
 * or small; none is on a training step's hot path): integer arange, randint, randperm, sort/argsort/topk (the
 * values are a differentiable gather at the indices), one_hot, nonzero, bincount and unique, with PyTorch's
 * semantics.
 */
final class IndexOps {
    private IndexOps() {
    }

    static Tensor arange(long start, long end, long step, DType dtype, Device device) {
        if (step == 0 || (end - start) != 0 && Long.signum(end - start) != Long.signum(step)) {
            throw new IllegalArgumentException("arange: step " + step + " cannot go from " + start + " to " + end);
        }
        long count = Math.ceilDiv(end - start, step);
        if (count > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("arange: " + start + " to " + end + " by " + step + " gives " + count
                    + " elements, more than a Java array can hold");
        }
        long[] v = new long[(int) count];
        for (int i = 0; i < v.length; i++) {
            v[i] = start + i * step;
        }
        return Tensor.of(v, dtype, device, v.length);
    }

    static Tensor randint(Generator g, long low, long high, long[] shape) {
        if (high <= low || high - low > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("randint: need low < high with a range below 2^31, got [" + low
                    + ", " + high + ")");
        }
        long[] v = new long[Shapes.arrayLength("randint", Shapes.numel(shape), Shapes.str(shape))];
        for (int i = 0; i < v.length; i++) {
            v[i] = low + g.nextInt((int) (high - low));
        }
        return Tensor.of(v, DType.INT64, Device.CPU, shape);
    }

    static Tensor randperm(Generator g, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("randperm: n must be >= 0, got " + n);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        for (int i = n - 1; i > 0; i--) { // Fisher-Yates
            int j = g.nextInt(i + 1);
            long t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return Tensor.of(v, DType.INT64, Device.CPU, n);
    }

    /**
     * The permutation that sorts each line along {@code dim} (stable; NaN sorts as largest, as in PyTorch), as an
     * int64 tensor of {@code x}'s shape; only the first {@code k} positions of each line when {@code k >= 0}.
     */
    static Tensor argsort(String op, Tensor x, int dim, boolean descending, int k) {
        x.checkAlive(op);
        if (!x.dtype().isFloatingPoint() && !x.dtype().isIntegral(true)) {
            throw new IllegalArgumentException(op + ": unsupported dtype " + x.dtype());
        }
        if (x.dim() == 0) {
            return Tensor.zeros(DType.INT64, x.device());
        }
        int d = Shapes.dim(op, dim, x.dim());
        Tensor moved = x.transpose(d, x.dim() - 1);
        long[] shape = moved.shape();
        int len = (int) shape[shape.length - 1];
        int keep = k < 0 ? len : k;
        if (keep > len) {
            throw new IllegalArgumentException(op + ": k (" + k + ") is larger than dimension " + d + " of "
                    + x.describe() + " (" + len + ")");
        }
        double[] values = moved.toDoubleArray();
        int lines = len == 0 ? 0 : values.length / len;
        long[] out = new long[lines * keep];
        Integer[] idx = new Integer[len];
        for (int line = 0; line < lines; line++) {
            int base = line * len;
            Comparator<Integer> byValue = (a, b) -> Double.compare(values[base + a], values[base + b]);
            for (int i = 0; i < len; i++) {
                idx[i] = i;
            }
            Arrays.sort(idx, descending ? byValue.reversed() : byValue); // a stable merge sort; Double.compare puts NaN last
            for (int i = 0; i < keep; i++) {
                out[line * keep + i] = idx[i];
            }
        }
        long[] outShape = shape.clone();
        outShape[shape.length - 1] = keep;
        return Tensor.of(out, DType.INT64, x.device(), outShape).transpose(d, x.dim() - 1);
    }

    static Tensor oneHot(Tensor labels, long numClasses) {
        labels.checkAlive("oneHot");
        Indexing.requireIndexType("oneHot", "labels", labels);
        long[] v = labels.toLongArray();
        long classes = numClasses;
        if (classes < 0) {
            classes = Arrays.stream(v).max().orElse(-1) + 1;
        }
        long[] out = new long[Math.toIntExact(v.length * classes)];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0 || v[i] >= classes) {
                throw new IndexOutOfBoundsException("oneHot: class " + v[i] + " is out of range for " + classes
                        + " classes");
            }
            out[(int) (i * classes + v[i])] = 1;
        }
        long[] shape = Arrays.copyOf(labels.shape(), labels.dim() + 1);
        shape[labels.dim()] = classes;
        return Tensor.of(out, DType.INT64, labels.device(), shape);
    }

    static Tensor nonzero(Tensor x) {
        x.checkAlive("nonzero");
        double[] v = x.toDoubleArray();
        long[] shape = x.shape();
        long[] strides = dev.nabla.base.Strided.contiguousStrides(shape);
        int count = 0;
        for (double e : v) {
            count += e != 0 ? 1 : 0; // NaN is nonzero
        }
        long[] out = new long[count * shape.length];
        int row = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] != 0) {
                for (int d = 0; d < shape.length; d++) {
                    out[row * shape.length + d] = (i / strides[d]) % shape[d];
                }
                row++;
            }
        }
        return Tensor.of(out, DType.INT64, x.device(), count, shape.length);
    }

    static Tensor bincount(Tensor x, Tensor weights, long minlength) {
        x.checkAlive("bincount");
        Indexing.requireIndexType("bincount", "input", x);
        if (x.dim() != 1 || minlength < 0) {
            throw new IllegalArgumentException("bincount: input must be 1-D and minlength >= 0, got "
                    + x.describe() + " and " + minlength);
        }
        long[] v = x.toLongArray();
        double[] w = weights == null ? null : weights.toDoubleArray();
        if (w != null && w.length != v.length) {
            throw new IllegalArgumentException("bincount: weights " + weights.describe() + " must match input "
                    + x.describe());
        }
        long bins = Math.max(minlength, Arrays.stream(v).max().orElse(-1) + 1);
        double[] counts = new double[Math.toIntExact(bins)];
        for (int i = 0; i < v.length; i++) {
            if (v[i] < 0) {
                throw new IllegalArgumentException("bincount: input must be non-negative, got " + v[i]);
            }
            counts[(int) v[i]] += w == null ? 1 : w[i];
        }
        DType t = w == null ? DType.INT64 : weights.dtype() == DType.FLOAT32 ? DType.FLOAT32 : DType.FLOAT64;
        return Tensor.of(counts, t, x.device(), counts.length);
    }

    /**
     * The distinct elements of {@code x} in ascending order (torch.unique without dim). Equal values are grouped with
     * {@code ==}, so NaN is never equal to anything: every NaN is its own value, sorted after all numbers (as in
     * PyTorch 2's sort-based CPU unique; the 1.13 build here returns inconsistent inverse and counts for NaN).
     * {@code sorted = false} also returns ascending values, one of the orders PyTorch allows for it.
     */
    static UniqueValues unique(Tensor x, boolean returnInverse, boolean returnCounts) {
        x.checkAlive("unique");
        boolean floating = x.dtype().isFloatingPoint();
        double[] dv = floating ? x.toDoubleArray() : null;
        long[] lv = floating ? null : x.toLongArray();
        int n = floating ? dv.length : lv.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // Double.compare puts NaN last; -0.0 and 0.0 end up adjacent and == groups them
        Arrays.sort(order, floating ? (a, b) -> Double.compare(dv[a], dv[b]) : (a, b) -> Long.compare(lv[a], lv[b]));
        long[] inverse = new long[n];
        long[] counts = new long[n];
        int[] firstOf = new int[n];
        int groups = 0;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            boolean same = k > 0 && (floating ? dv[i] == dv[order[k - 1]] : lv[i] == lv[order[k - 1]]);
            if (!same) {
                firstOf[groups++] = i;
            }
            inverse[i] = groups - 1;
            counts[groups - 1]++;
        }
        Tensor values;
        if (floating) {
            double[] u = new double[groups];
            for (int g = 0; g < groups; g++) {
                u[g] = dv[firstOf[g]];
            }
            values = Tensor.of(u, x.dtype(), x.device(), groups);
        } else {
            long[] u = new long[groups];
            for (int g = 0; g < groups; g++) {
                u[g] = lv[firstOf[g]];
            }
            values = Tensor.of(u, x.dtype(), x.device(), groups);
        }
        return new UniqueValues(values,
                returnInverse ? Tensor.of(inverse, DType.INT64, x.device(), n).reshape(x.shape()) : null,
                returnCounts ? Tensor.of(Arrays.copyOf(counts, groups), DType.INT64, x.device(), groups) : null);
    }
}
