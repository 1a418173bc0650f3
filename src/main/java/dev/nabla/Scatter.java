package dev.nabla;

import dev.nabla.base.Strided;
import java.util.Arrays;

/**
 * scatter (from a source tensor or a value), index_add, index_fill and masked_select, composed from where, gather,
 * scatter-add and masked_fill. The host works out which element lands where from a copy of the (small, int64)
 * index, so every value is moved by an existing kernel and stays bit-exact in every dtype.
 */
final class Scatter {
    private Scatter() {
    }

    /** Where a scatter writes: [0] bool, true at every written position of self; [1] int64, the source's flat index. */
    private static Tensor[] targets(String op, Tensor self, int d, Tensor index, long[] srcShape) {
        long[] ss = self.rawShape();
        long[] is = index.rawShape();
        if (is.length != ss.length || is.length != srcShape.length) {
            throw new IllegalArgumentException(op + ": index " + index.describe() + " must have the rank of self "
                    + self.describe() + " and of the source");
        }
        for (int k = 0; k < ss.length; k++) {
            if (is[k] > srcShape[k] || k != d && is[k] > ss[k]) {
                throw new IllegalArgumentException(op + ": index shape " + Shapes.str(is) + " exceeds the source "
                        + "shape " + Shapes.str(srcShape) + " or, outside dimension " + d + ", self's shape "
                        + Shapes.str(ss) + " in dimension " + k);
            }
        }
        long[] idx = index.toLongArray();
        long[] selfStrides = Strided.contiguousStrides(ss);
        long[] srcStrides = Strided.contiguousStrides(srcShape);
        int n = Shapes.arrayLength(op, self.numel(), self.describe());
        long[] written = new long[n];
        long[] pick = new long[n];
        long[] at = new long[is.length];
        for (long p = 0; p < idx.length; p++) {
            long rest = p;
            for (int k = is.length - 1; k >= 0; k--) {
                at[k] = rest % is[k];
                rest /= is[k];
            }
            long v = idx[(int) p];
            if (v < 0 || v >= ss[d]) {
                throw new IndexOutOfBoundsException(op + ": index " + v + " is out of range for a dimension of size "
                        + ss[d]);
            }
            long target = 0;
            long source = 0;
            for (int k = 0; k < is.length; k++) {
                target += (k == d ? v : at[k]) * selfStrides[k];
                source += at[k] * srcStrides[k];
            }
            written[(int) target] = 1; // a repeated target keeps the last write, as PyTorch's CPU kernel does
            pick[(int) target] = source;
        }
        return new Tensor[] {Tensor.of(written, DType.BOOL, self.device(), n).view(ss),
                Tensor.of(pick, DType.INT64, self.device(), n)};
    }

    /** {@code self} with {@code src[p]} written at every index position {@code p} (torch.scatter). */
    static Tensor scatter(Tensor self, int dim, Tensor index, Tensor src) {
        Indexing.checkIndex("scatter", self, index);
        Kernels.checkCompatible("scatter", self, src);
        int d = Shapes.dim("scatter", dim, self.dim());
        Tensor out;
        try (Grad off = Grad.disabled()) {
            Tensor[] t = targets("scatter", self, d, index, src.rawShape());
            if (index.numel() == 0) { // nothing written, and no source element to gather the unwritten picks from
                return self.clone();
            }
            Tensor moved = src.flatten().gather(0, t[1]).view(self.rawShape());
            out = Tensor.where(t[0], moved, self);
        }
        return Node.needed(self, src) ? new FromSource(self, d, index, src).record(out) : out;
    }

    /** {@code self} with {@code value} at every position the index names (torch.scatter with a scalar). */
    static Tensor scatter(Tensor self, int dim, Tensor index, double value) {
        Indexing.checkIndex("scatter", self, index);
        int d = Shapes.dim("scatter", dim, self.dim());
        return self.maskedFill(targets("scatter", self, d, index, index.rawShape())[0], value);
    }

    /** {@link #scatter(Tensor, int, Tensor, double)} exact for integer dtypes. */
    static Tensor scatter(Tensor self, int dim, Tensor index, long value) {
        Indexing.checkIndex("scatter", self, index);
        int d = Shapes.dim("scatter", dim, self.dim());
        return self.maskedFill(targets("scatter", self, d, index, index.rawShape())[0], value);
    }

    /**
     * scatter's gradients, as in PyTorch: to self, the output gradient with the written positions zeroed; to the
     * source, the output gradient gathered at the index (zero where the source is larger than the index).
     */
    static final class FromSource extends Node {
        private final SavedTensor index;
        private final int dim;
        private final long[] srcShape;

        private FromSource(Tensor self, int dim, Tensor index, Tensor src) {
            super(self, src);
            this.index = save(index);
            this.dim = dim;
            this.srcShape = src.rawShape();
        }

        @Override
        public String name() {
            return "ScatterBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor idx = index.get();
            return new Tensor[] {needsInputGrad(0) ? scatter(g, dim, idx, 0.0) : null,
                    needsInputGrad(1) ? padTo(g.gather(dim, idx), srcShape) : null};
        }

        /** {@code t} extended with zeros at the end of every dimension to {@code shape}. */
        private static Tensor padTo(Tensor t, long[] shape) {
            for (int k = 0; k < shape.length; k++) {
                long missing = shape[k] - t.size(k);
                if (missing > 0) {
                    long[] s = t.shape();
                    s[k] = missing;
                    t = Tensor.cat(k, t, Tensor.zeros(t.dtype(), t.device(), s));
                }
            }
            return t;
        }
    }

    /**
     * The 1-D (or 0-D) {@code index}, each entry checked against {@code size}, broadcast along {@code d} to
     * {@code shape} as index_select does.
     */
    private static Tensor spread(String op, Tensor index, int d, long[] shape, long size) {
        if (index.dim() > 1) {
            throw new IllegalArgumentException(op + ": index must be 1-D, got " + index.describe());
        }
        for (long v : index.toLongArray()) {
            if (v < 0 || v >= size) {
                throw new IndexOutOfBoundsException(op + ": index " + v + " is out of range for a dimension of size "
                        + size);
            }
        }
        long[] view = new long[shape.length];
        Arrays.fill(view, 1);
        view[d] = index.numel();
        long[] s = shape.clone();
        s[d] = index.numel();
        return index.reshape(view).expand(s);
    }

    /** {@code self} with {@code source}'s slices added at {@code index} along dim (torch.index_add); floating only. */
    static Tensor indexAdd(Tensor self, int dim, Tensor index, Tensor source) {
        Indexing.checkIndex("indexAdd", self, index);
        Kernels.checkCompatible("indexAdd", self, source);
        if (!self.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("indexAdd: not implemented for dtype " + self.dtype()
                    + " (floating-point dtypes only)");
        }
        int d = Shapes.dim("indexAdd", dim, self.dim());
        long[] expected = self.shape();
        expected[d] = index.numel();
        if (!Arrays.equals(expected, source.rawShape())) {
            throw new IllegalArgumentException("indexAdd: source " + source.describe() + " must have shape "
                    + Shapes.str(expected) + " (self's, with dimension " + d + " the index length)");
        }
        return self.scatterAdd(d, spread("indexAdd", index, d, expected, self.size(d)), source);
    }

    /** {@code self} with the slices at {@code index} along dim set to {@code value} (torch.index_fill). */
    static Tensor indexFill(Tensor self, int dim, Tensor index, double value) {
        return self.maskedFill(slicesAt(self, dim, index), value);
    }

    /** {@link #indexFill(Tensor, int, Tensor, double)}, exact for integer dtypes. */
    static Tensor indexFill(Tensor self, int dim, Tensor index, long value) {
        return self.maskedFill(slicesAt(self, dim, index), value);
    }

    /** A bool mask, broadcastable to self, true on the slices along dim that the 1-D {@code index} names. */
    private static Tensor slicesAt(Tensor self, int dim, Tensor index) {
        Indexing.checkIndex("indexFill", self, index);
        int d = Shapes.dim("indexFill", dim, Math.max(1, self.dim())); // a 0-dim self takes dim 0 or -1
        long size = self.dim() == 0 ? 1 : self.size(d);
        if (index.dim() > 1) {
            throw new IllegalArgumentException("indexFill: index must be 1-D, got " + index.describe());
        }
        long[] hit = new long[Math.toIntExact(size)];
        for (long v : index.toLongArray()) {
            if (v < -size || v >= size) { // PyTorch's index_fill wraps negative indices
                throw new IndexOutOfBoundsException("indexFill: index " + v + " is out of range for a dimension of "
                        + "size " + size);
            }
            hit[(int) (v < 0 ? v + size : v)] = 1;
        }
        long[] view = new long[self.dim()];
        Arrays.fill(view, 1);
        if (self.dim() > 0) {
            view[d] = size;
        }
        return Tensor.of(hit, DType.BOOL, self.device(), hit.length).reshape(view);
    }

    /** The elements of {@code self} where {@code mask} (broadcast with it) is true, 1-D (torch.masked_select). */
    static Tensor maskedSelect(Tensor self, Tensor mask) {
        self.checkAlive("maskedSelect");
        mask.checkAlive("maskedSelect");
        if (mask.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("maskedSelect: the mask must be bool, got " + mask.describe());
        }
        long[] s = Shapes.broadcast("maskedSelect", self.rawShape(), mask.rawShape());
        boolean[] m = mask.expand(s).toBooleanArray();
        long count = 0;
        for (boolean b : m) {
            count += b ? 1 : 0;
        }
        long[] positions = new long[Math.toIntExact(count)];
        for (int i = 0, j = 0; i < m.length; i++) {
            if (m[i]) {
                positions[j++] = i;
            }
        }
        return self.expand(s).flatten().gather(0, Tensor.of(positions, DType.INT64, self.device(),
                positions.length));
    }
}
