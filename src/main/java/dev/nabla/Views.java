package dev.nabla;

import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * The view ops, each one unit holding its forward (the new shape, strides and offset, with the checks of its
 * arguments) and its backward rule. {@link Tensor}'s view methods delegate here; the view itself is made by
 * {@link Tensor#view(String, long[], long[], long)}, which checks that it lies inside the storage.
 */
final class Views {
    private Views() {
    }

    /** reshape / view / flatten / squeeze / unsqueeze: the gradient is reshaped back. */
    static final class Reshape extends Node {
        private final long[] inShape;

        private Reshape(Tensor x) {
            super(x);
            inShape = x.rawShape();
        }

        /** {@code out}, a view of {@code x}, with this node recorded if {@code x} needs a gradient. */
        static Tensor recorded(Tensor x, Tensor out) {
            return Node.needed(x) ? new Reshape(x).record(out) : out;
        }

        /** {@link Tensor#view(long...)}. */
        static Tensor view(Tensor x, long[] newShape) {
            x.checkAlive("view");
            long[] shape = x.rawShape();
            long[] strides = x.rawStrides();
            long[] to = Shapes.inferReshape("view", shape, newShape);
            long[] s = Shapes.viewStrides(shape, strides, to);
            if (s == null) {
                throw new IllegalStateException("view: " + x.describe() + " with strides " + Shapes.str(strides)
                        + " cannot be viewed as " + Shapes.str(to) + " without a copy; use reshape()");
            }
            return recorded(x, x.view("view", to, s, x.storageOffset()));
        }

        /** {@link Tensor#reshape}. */
        static Tensor reshape(Tensor x, long[] newShape) {
            x.checkAlive("reshape");
            long[] shape = x.rawShape();
            long[] to = Shapes.inferReshape("reshape", shape, newShape);
            long[] s = Shapes.viewStrides(shape, x.rawStrides(), to);
            return s != null ? recorded(x, x.view("reshape", to, s, x.storageOffset())) : x.contiguous().view(to);
        }

        /** {@link Tensor#flatten(int, int)}. */
        static Tensor flatten(Tensor x, int start, int end) {
            x.checkAlive("flatten");
            long[] shape = x.rawShape();
            if (shape.length == 0) {
                return x.reshape(1);
            }
            int s = Shapes.dim("flatten", start, shape.length);
            int e = Shapes.dim("flatten", end, shape.length);
            if (s > e) {
                throw new IllegalArgumentException("flatten: start dimension " + start + " is after end " + end);
            }
            long[] to = new long[shape.length - (e - s)];
            int j = 0;
            for (int d = 0; d < shape.length; d++) {
                if (d <= s || d > e) {
                    to[j++] = shape[d];
                } else {
                    to[j - 1] *= shape[d];
                }
            }
            return x.reshape(to);
        }

        /** {@link Tensor#squeeze()}. */
        static Tensor squeeze(Tensor x) {
            x.checkAlive("squeeze");
            long[] shape = x.rawShape();
            long[] strides = x.rawStrides();
            int n = 0;
            for (long s : shape) {
                if (s != 1) {
                    n++;
                }
            }
            long[] s = new long[n];
            long[] st = new long[n];
            int j = 0;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] != 1) {
                    s[j] = shape[d];
                    st[j++] = strides[d];
                }
            }
            return recorded(x, x.view("squeeze", s, st, x.storageOffset()));
        }

        /** {@link Tensor#squeeze(int)}. */
        static Tensor squeeze(Tensor x, int dim) {
            x.checkAlive("squeeze");
            long[] shape = x.rawShape();
            long[] strides = x.rawStrides();
            int d = Shapes.dim("squeeze", dim, shape.length);
            if (shape.length == 0 || shape[d] != 1) {
                return recorded(x, x.view("squeeze", shape.clone(), strides.clone(), x.storageOffset()));
            }
            return recorded(x, x.view("squeeze", remove(shape, d), remove(strides, d), x.storageOffset()));
        }

        /** {@link Tensor#unsqueeze}. */
        static Tensor unsqueeze(Tensor x, int dim) {
            x.checkAlive("unsqueeze");
            long[] shape = x.rawShape();
            long[] strides = x.rawStrides();
            int d = Shapes.dim("unsqueeze", dim, shape.length + 1);
            long[] s = new long[shape.length + 1];
            long[] st = new long[shape.length + 1];
            for (int i = 0, j = 0; i < s.length; i++) {
                if (i == d) {
                    s[i] = 1;
                    // like PyTorch: the stride a size-1 dimension would have here (any stride is valid for size 1;
                    // 1 where the product would overflow, which only a tensor without elements can reach)
                    st[i] = d == shape.length || strides[d] < 0 || Shapes.productOverflows(shape[d], strides[d])
                            ? 1 : shape[d] * strides[d];
                } else {
                    s[i] = shape[j];
                    st[i] = strides[j++];
                }
            }
            return recorded(x, x.view("unsqueeze", s, st, x.storageOffset()));
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.reshape(inShape)};
        }
    }

    /** transpose / permute: the gradient is permuted back. */
    static final class Permute extends Node {
        private final int[] inverse;

        private Permute(Tensor x, int[] dims) {
            super(x);
            inverse = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                inverse[dims[i]] = i;
            }
        }

        private static Tensor recorded(Tensor x, Tensor out, int[] dims) {
            return Node.needed(x) ? new Permute(x, dims).record(out) : out;
        }

        /** {@link Tensor#transpose}. */
        static Tensor transpose(Tensor x, int dim0, int dim1) {
            x.checkAlive("transpose");
            long[] shape = x.rawShape();
            long[] strides = x.rawStrides();
            int a = Shapes.dim("transpose", dim0, shape.length);
            int b = Shapes.dim("transpose", dim1, shape.length);
            if (shape.length == 0) {
                // like PyTorch: a 0-d tensor is its transpose
                return Reshape.recorded(x, x.view("transpose", shape, strides, x.storageOffset()));
            }
            long[] s = shape.clone();
            long[] st = strides.clone();
            s[a] = shape[b];
            s[b] = shape[a];
            st[a] = strides[b];
            st[b] = strides[a];
            int[] perm = new int[shape.length];
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
            perm[a] = b;
            perm[b] = a;
            return recorded(x, x.view("transpose", s, st, x.storageOffset()), perm);
        }

        /** {@link Tensor#t}. */
        static Tensor t(Tensor x) {
            x.checkAlive("t");
            long[] shape = x.rawShape();
            if (shape.length > 2) {
                throw new IllegalArgumentException("t: expects a tensor of at most 2 dimensions, got " + x.describe()
                        + "; use transpose(dim0, dim1)");
            }
            return shape.length < 2
                    ? Reshape.recorded(x, x.view("t", shape.clone(), x.rawStrides().clone(), x.storageOffset()))
                    : transpose(x, 0, 1);
        }

        /** {@link Tensor#permute}. */
        static Tensor permute(Tensor x, int[] dims) {
            x.checkAlive("permute");
            long[] shape = x.rawShape();
            long[] strides = x.rawStrides();
            if (dims.length != shape.length) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(dims) + " has " + dims.length
                        + " dimensions, " + x.describe() + " has " + shape.length);
            }
            long[] s = new long[dims.length];
            long[] st = new long[dims.length];
            int[] perm = new int[dims.length];
            boolean[] seen = new boolean[dims.length];
            for (int i = 0; i < dims.length; i++) {
                int d = Shapes.dim("permute", dims[i], shape.length);
                if (seen[d]) {
                    throw new IllegalArgumentException("permute: dimension " + d + " repeats in "
                            + Arrays.toString(dims));
                }
                seen[d] = true;
                perm[i] = d;
                s[i] = shape[d];
                st[i] = strides[d];
            }
            return recorded(x, x.view("permute", s, st, x.storageOffset()), perm);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.permute(inverse)};
        }
    }

    /** expand: the gradient is summed over the broadcast dimensions. */
    static final class Expand extends Node {
        private final long[] inShape;

        private Expand(Tensor x) {
            super(x);
            inShape = x.rawShape();
        }

        /** {@link Tensor#expand}. */
        static Tensor expand(Tensor x, long[] newShape) {
            x.checkAlive("expand");
            long[] shape = x.rawShape();
            long[] strides = x.rawStrides();
            if (newShape.length < shape.length) {
                throw new IllegalArgumentException("expand: target " + Shapes.str(newShape)
                        + " has fewer dimensions than " + x.describe());
            }
            int shift = newShape.length - shape.length;
            long[] s = new long[newShape.length];
            long[] st = new long[newShape.length];
            for (int d = 0; d < newShape.length; d++) {
                long want = newShape[d];
                if (d < shift) {
                    if (want < 0) {
                        throw new IllegalArgumentException("expand: size -1 not allowed in new leading dimension "
                                + d);
                    }
                    s[d] = want;
                    st[d] = 0;
                    continue;
                }
                long have = shape[d - shift];
                if (want == -1 || want == have) {
                    s[d] = have;
                    st[d] = strides[d - shift];
                } else if (have == 1 && want >= 0) {
                    s[d] = want;
                    st[d] = 0;
                } else {
                    throw new IllegalArgumentException("expand: cannot expand " + Shapes.str(shape) + " to "
                            + Shapes.str(newShape) + " (dimension " + d + ": " + have + " vs " + want + ")");
                }
            }
            Shapes.checkSizes("expand", s, x.describe());
            Tensor out = x.view("expand", s, st, x.storageOffset());
            return Node.needed(x) ? new Expand(x).record(out) : out;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {Pointwise.sumTo(g, inShape)};
        }
    }

    /**
     * narrow / slice / select: the gradient is written into zeros of the input's shape through the same view.
     * {@code reView} recreates the view on any tensor of the input's shape.
     */
    static final class Subview extends Node {
        private final long[] inShape;
        private final UnaryOperator<Tensor> reView;

        private Subview(Tensor x, UnaryOperator<Tensor> reView) {
            super(x);
            this.inShape = x.rawShape();
            this.reView = reView;
        }

        private static Tensor recorded(Tensor x, Tensor out, UnaryOperator<Tensor> reView) {
            return Node.needed(x) ? new Subview(x, reView).record(out) : out;
        }

        /** {@link Tensor#narrow}. */
        static Tensor narrow(Tensor x, int dim, long start, long length) {
            x.checkAlive("narrow");
            long[] shape = x.rawShape();
            int d = Shapes.dim("narrow", dim, shape.length);
            if (shape.length == 0) {
                throw new IllegalArgumentException("narrow: cannot narrow a 0-dimensional tensor");
            }
            long n = shape[d];
            if (start < -n || start > n) {
                throw new IndexOutOfBoundsException("narrow: start " + start + " is out of range for dimension " + d
                        + " of size " + n + " (expected " + -n + ".." + n + ") of " + x.describe());
            }
            if (length < 0) {
                throw new IllegalArgumentException("narrow: length " + length + " must be non-negative (dimension "
                        + d + " of " + x.describe() + ")");
            }
            long st = start < 0 ? start + n : start;
            if (length > n - st) { // never st + length: that sum can overflow
                throw new IndexOutOfBoundsException("narrow: start " + start + " + length " + length
                        + " exceeds dimension " + d + " of size " + n + " of " + x.describe());
            }
            long[] s = shape.clone();
            s[d] = length;
            long from = st;
            long at = length == 0 ? x.storageOffset() : offsetAt(x, "narrow", d, st);
            return recorded(x, x.view("narrow", s, x.rawStrides().clone(), at), t -> t.narrow(d, from, length));
        }

        /** {@link Tensor#slice}. */
        static Tensor slice(Tensor x, int dim, long start, long end, long step) {
            x.checkAlive("slice");
            long[] shape = x.rawShape();
            long[] strides = x.rawStrides();
            if (shape.length == 0) {
                throw new IllegalArgumentException("slice: cannot slice a 0-dimensional tensor");
            }
            int d = Shapes.dim("slice", dim, shape.length);
            if (step <= 0) {
                throw new IllegalArgumentException("slice: step must be positive, got " + step);
            }
            long n = shape[d];
            // start + n and end + n are only formed for negative start/end and n >= 0, so they cannot overflow
            long s0 = Math.min(Math.max(start < 0 ? start + n : start, 0), n);
            long e0 = Math.min(Math.max(end < 0 ? end + n : end, s0), n);
            long[] s = shape.clone();
            long[] st = strides.clone();
            long len = e0 == s0 ? 0 : (e0 - s0 - 1) / step + 1; // not (e0 - s0 + step - 1) / step: that can overflow
            s[d] = len;
            boolean fits = strides[d] >= 0 && !Shapes.productOverflows(strides[d], step);
            if (!fits && len > 1) {
                throw new IllegalArgumentException("slice: stride " + strides[d] + " * step " + step
                        + " of dimension " + d + " overflows a long for " + x.describe());
            }
            st[d] = fits ? strides[d] * step : strides[d]; // a dimension of size 0 or 1 never uses its stride
            long at = len == 0 ? x.storageOffset() : offsetAt(x, "slice", d, s0);
            return recorded(x, x.view("slice", s, st, at), t -> t.slice(d, s0, e0, step));
        }

        /** {@link Tensor#select}. */
        static Tensor select(Tensor x, int dim, long index) {
            x.checkAlive("select");
            long[] shape = x.rawShape();
            if (shape.length == 0) {
                throw new IllegalArgumentException("select: cannot index a 0-dimensional tensor");
            }
            int d = Shapes.dim("select", dim, shape.length);
            long i = index < 0 ? index + shape[d] : index; // cannot overflow: shape[d] >= 0
            if (i < 0 || i >= shape[d]) {
                throw new IndexOutOfBoundsException("select: index " + index + " is out of range for dimension " + d
                        + " of size " + shape[d] + " in " + x.describe());
            }
            Tensor out = x.view("select", remove(shape, d), remove(x.rawStrides(), d), offsetAt(x, "select", d, i));
            return recorded(x, out, t -> t.select(d, i));
        }

        /** The storage offset of index {@code i} of dimension {@code d} of {@code x}, overflow-checked. */
        private static long offsetAt(Tensor x, String op, int d, long i) {
            long offset = x.storageOffset();
            long stride = x.rawStrides()[d];
            long at = offset + i * stride;
            if (i < 0 || stride < 0 || Shapes.productOverflows(i, stride) || at < 0) {
                // the message is built only here: this runs on every narrow/slice/select
                throw new IllegalArgumentException(op + ": storage offset " + offset + " + index " + i
                        + " * stride " + stride + " of dimension " + d + " overflows a long for " + x.describe());
            }
            return at;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {IntoView.apply(g, inShape, reView)};
        }
    }

    /** Zeros of {@code shape} with {@code g} written into the view {@code reView} selects (differentiable in g). */
    static final class IntoView extends Node {
        private final UnaryOperator<Tensor> reView;

        private IntoView(Tensor g, UnaryOperator<Tensor> reView) {
            super(g);
            this.reView = reView;
        }

        static Tensor apply(Tensor g, long[] shape, UnaryOperator<Tensor> reView) {
            Tensor out = Tensor.zeros(g.dtype(), g.device(), shape);
            try (Grad off = Grad.disabled()) {
                Tensor window = reView.apply(out);
                window.copy_(g);
                window.close();
            }
            return Node.needed(g) ? new IntoView(g, reView).record(out) : out;
        }

        @Override
        protected Tensor[] backward(Tensor gg) {
            return new Tensor[] {reView.apply(gg)};
        }
    }

    /** {@code a} without element {@code i}. */
    private static long[] remove(long[] a, int i) {
        long[] out = new long[a.length - 1];
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }
}
