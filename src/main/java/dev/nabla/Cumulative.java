package dev.nabla;

import java.util.Arrays;

/**
 * cumsum, cumprod and prod along a dimension, computed on the host from a copy of the input like the other
 * index-era ops (none is on a training step's hot path). Floating inputs accumulate in double (PyTorch's CPU
 * accumulator for float32 too) and are differentiable; integer and bool inputs accumulate exactly in long, wrapping
 * like PyTorch, and give int64 unless a dtype is asked for.
 */
final class Cumulative {
    private Cumulative() {
    }

    /** The input cast to {@code dtype} when given, else integers and bools widened to int64 (PyTorch's rule). */
    private static Tensor prepared(String op, Tensor x, DType dtype) {
        x.checkAlive(op);
        if (dtype != null) {
            return x.to(dtype);
        }
        return x.dtype().isFloatingPoint() ? x : x.to(DType.INT64);
    }

    static Tensor cumsum(Tensor x, int dim, DType dtype) {
        Tensor p = prepared("cumsum", x, dtype);
        int d = Shapes.dim("cumsum", dim, Math.max(1, p.dim())); // a 0-dim tensor takes dim 0 or -1, as in PyTorch
        return p.dim() == 0 ? p.clone() : CumSum.apply(p, d, false);
    }

    static Tensor cumprod(Tensor x, int dim, DType dtype) {
        Tensor p = prepared("cumprod", x, dtype);
        int d = Shapes.dim("cumprod", dim, Math.max(1, p.dim()));
        return p.dim() == 0 ? p.clone() : CumProd.apply(p, d);
    }

    /**
     * The product along {@code dim}: the last element of the cumulative product, so its gradient is cumprod's (right
     * with zeros in the input); an empty dimension gives 1.
     */
    static Tensor prod(Tensor x, int dim, boolean keepdim) {
        Tensor p = prepared("prod", x, null);
        int d = Shapes.dim("prod", dim, Math.max(1, p.dim()));
        if (p.dim() == 0) {
            return p.clone();
        }
        long n = p.size(d);
        Tensor r = n == 0 ? p.sum(d, false).add(1L) : CumProd.apply(p, d).select(d, n - 1);
        return keepdim ? r.unsqueeze(d) : r;
    }

    /** The running sum or product of every line along {@code d}, optionally from the end; records nothing. */
    private static Tensor scan(Tensor x, int d, boolean product, boolean reverse) {
        try (Grad off = Grad.disabled()) {
            int last = x.dim() - 1;
            Tensor moved = x.transpose(d, last);
            int len = (int) moved.size(last);
            Tensor out;
            if (x.dtype().isFloatingPoint()) {
                double[] v = moved.toDoubleArray();
                for (int base = 0; base < v.length; base += len) {
                    double acc = product ? 1 : 0;
                    for (int i = 0; i < len; i++) {
                        int at = base + (reverse ? len - 1 - i : i);
                        acc = product ? acc * v[at] : acc + v[at];
                        v[at] = acc;
                    }
                }
                out = Tensor.of(v, x.dtype(), x.device(), moved.shape());
            } else {
                long[] v = moved.toLongArray();
                for (int base = 0; base < v.length; base += len) {
                    long acc = product ? 1 : 0;
                    for (int i = 0; i < len; i++) {
                        int at = base + (reverse ? len - 1 - i : i);
                        acc = product ? acc * v[at] : acc + v[at]; // wraps like PyTorch's int64
                        v[at] = acc;
                    }
                }
                out = Tensor.of(v, x.dtype(), x.device(), moved.shape());
            }
            return out.transpose(d, last).contiguous();
        }
    }

    /**
     * Bool masks over {@code x} for cumprod's gradient: [0] the positions before the first zero of their line along
     * {@code d}, [1] the first zero itself; null when no line has a zero.
     */
    private static Tensor[] zeroMasks(Tensor x, int d) {
        try (Grad off = Grad.disabled()) {
            int last = x.dim() - 1;
            Tensor moved = x.transpose(d, last);
            int len = (int) moved.size(last);
            double[] v = moved.toDoubleArray();
            long[] before = new long[v.length];
            long[] first = new long[v.length];
            boolean anyZero = false;
            for (int base = 0; base < v.length; base += len) {
                int i = 0;
                for (; i < len && v[base + i] != 0; i++) {
                    before[base + i] = 1;
                }
                if (i < len) {
                    first[base + i] = 1;
                    anyZero = true;
                }
            }
            if (!anyZero) {
                return null;
            }
            Tensor b = Tensor.of(before, DType.BOOL, x.device(), moved.shape()).transpose(d, last).contiguous();
            Tensor f = Tensor.of(first, DType.BOOL, x.device(), moved.shape()).transpose(d, last).contiguous();
            return new Tensor[] {b, f};
        }
    }

    /** Running sum along dim (from the end when {@code reverse}); its gradient is the running sum the other way. */
    static final class CumSum extends Node {
        private final int dim;
        private final boolean reverse;

        private CumSum(Tensor x, int dim, boolean reverse) {
            super(x);
            this.dim = dim;
            this.reverse = reverse;
        }

        static Tensor apply(Tensor x, int dim, boolean reverse) {
            Tensor out = scan(x, dim, false, reverse);
            return Node.needed(x) ? new CumSum(x, dim, reverse).record(out) : out;
        }

        @Override
        public String name() {
            return "CumsumBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {apply(g, dim, !reverse)};
        }
    }

    /**
     * Running product along dim. Its gradient follows PyTorch's cumprod_backward: before a line's first zero it is
     * {@code revcumsum(g * out) / x}; at the first zero, {@code revcumsum(g * cumprod(x with that zero set to 1))};
     * after it, zero. That O(n) rule is not right to differentiate again (its constant zero after the first zero
     * does depend on the first zero's value), so with zeros and a graph to record (create_graph) the O(n^2) sum of
     * products is used instead.
     */
    static final class CumProd extends Node {
        private final SavedTensor x;
        private final SavedTensor out;
        private final int dim;

        private CumProd(Tensor x, Tensor out, int dim) {
            super(x);
            this.x = save(x);
            this.out = save(out);
            this.dim = dim;
        }

        static Tensor apply(Tensor x, int dim) {
            Tensor out = scan(x, dim, true, false);
            return Node.needed(x) ? new CumProd(x, out, dim).record(out) : out;
        }

        @Override
        public String name() {
            return "CumprodBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor xv = x.get();
            Tensor tail = CumSum.apply(g.mul(out.get()), dim, true);
            Tensor[] masks = zeroMasks(xv, dim);
            if (masks == null) {
                return new Tensor[] {tail.div(xv)};
            }
            if (Grad.isEnabled()) {
                return new Tensor[] {sumOfProducts(g, xv)};
            }
            Tensor one = Tensor.scalar(1.0, xv.dtype(), xv.device());
            Tensor zero = Tensor.scalar(0.0, xv.dtype(), xv.device());
            Tensor beforeZero = Tensor.where(masks[0], tail.div(Tensor.where(masks[0], xv, one)), zero);
            Tensor skipped = CumProd.apply(Tensor.where(masks[1], one, xv), dim);
            Tensor atZero = CumSum.apply(g.mul(skipped), dim, true);
            return new Tensor[] {beforeZero.add(Tensor.where(masks[1], atZero, zero))};
        }

        /**
         * {@code grad[k] = sum over j >= k of g[j] * prod over i <= j, i != k of x[i]}, for every k at once: a new
         * leading dimension holds one copy of x per k with {@code x[k]} set to 1. Polynomial in x, so differentiable
         * to any order.
         */
        private Tensor sumOfProducts(Tensor g, Tensor xv) {
            int n = (int) xv.size(dim);
            long[] self = new long[n * n];
            long[] fromK = new long[n * n];
            for (int k = 0; k < n; k++) {
                self[k * n + k] = 1;
                for (int j = k; j < n; j++) {
                    fromK[k * n + j] = 1;
                }
            }
            long[] view = new long[xv.dim() + 1];
            Arrays.fill(view, 1);
            view[0] = n;
            view[dim + 1] = n;
            Tensor isK = Tensor.of(self, DType.BOOL, xv.device(), view);
            Tensor atOrAfterK = Tensor.of(fromK, DType.BOOL, xv.device(), view);
            Tensor one = Tensor.scalar(1.0, xv.dtype(), xv.device());
            Tensor zero = Tensor.scalar(0.0, xv.dtype(), xv.device());
            Tensor products = CumProd.apply(Tensor.where(isK, one, xv.unsqueeze(0)), dim + 1);
            Tensor terms = Tensor.where(atOrAfterK, products.mul(g.unsqueeze(0)), zero);
            return terms.sum(dim + 1, true).transpose(0, dim + 1).squeeze(0);
        }
    }
}
