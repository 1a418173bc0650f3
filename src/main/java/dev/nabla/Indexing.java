package dev.nabla;

import java.util.Arrays;

/**
 * Differentiable gather / scatter-add along a dimension, the primitives behind index_select, embedding and the
 * class-index losses. Index tensors are int64 or int32, as in PyTorch.
 */
final class Indexing {
    private Indexing() {
    }

    /** Both tensors alive and on one device, and {@code index} int64 or int32; errors name {@code op}. */
    static void checkIndex(String op, Tensor x, Tensor index) {
        x.checkAlive(op);
        index.checkAlive(op);
        if (x.device() != index.device()) {
            throw new IllegalArgumentException(op + ": tensors are on different devices: " + x.describe() + " and "
                    + index.describe());
        }
        requireIndexType(op, "index", index);
    }

    /**
     * Rejects anything but an int64 or int32 tensor as the index argument {@code arg} of {@code op}, like PyTorch
     * (a float tensor of integers is not an index).
     */
    static void requireIndexType(String op, String arg, Tensor index) {
        DType t = index.dtype();
        if (t != DType.INT64 && t != DType.INT32) {
            throw new IllegalArgumentException(op + ": " + arg + " must be an integer tensor (int64 or int32), got "
                    + t);
        }
    }

    /** {@code out[..i..] = x[..index[..i..]..]} along dim; index has the output's shape. */
    static final class Gather extends Node {
        private final SavedTensor index;
        private final int dim;
        private final long[] inShape;

        private Gather(Tensor x, int dim, Tensor index) {
            super(x);
            this.index = save(index);
            this.dim = dim;
            this.inShape = x.rawShape();
        }

        static Tensor apply(Tensor x, int dim, Tensor index) {
            checkIndex("gather", x, index);
            int d = Shapes.dim("gather", dim, x.dim());
            long[] xs = x.rawShape();
            long[] is = index.rawShape();
            if (is.length != xs.length) {
                throw new IllegalArgumentException("gather: index " + index.describe() + " must have the rank of "
                        + x.describe());
            }
            for (int k = 0; k < xs.length; k++) {
                if (k != d && is[k] > xs[k]) {
                    throw new IllegalArgumentException("gather: index shape " + Shapes.str(is) + " exceeds input "
                            + "shape " + Shapes.str(xs) + " in dimension " + k);
                }
            }
            Tensor out = Tensor.empty(x.dtype(), x.device(), is);
            try (InFlight pins = InFlight.pin("gather", x, index)) {
                x.backend().gather(x.dtype().scalar(), x.strided(), d, index.dtype().scalar(), index.strided(),
                        out.strided());
            }
            return Node.needed(x) ? new Gather(x, d, index).record(out) : out;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {ScatterAdd.apply(Tensor.zeros(g.dtype(), g.device(), inShape), dim, index.get(), g)};
        }
    }

    /** {@code base} with {@code src} added at {@code index} along dim (a new tensor; base is not modified). */
    static final class ScatterAdd extends Node {
        private final SavedTensor index;
        private final int dim;

        private ScatterAdd(Tensor base, int dim, Tensor index, Tensor src) {
            super(base, src);
            this.index = save(index);
            this.dim = dim;
        }

        static Tensor apply(Tensor base, int dim, Tensor index, Tensor src) {
            checkIndex("scatterAdd", base, index);
            Kernels.checkCompatible("scatterAdd", base, src);
            int d = Shapes.dim("scatterAdd", dim, base.dim());
            if (!Arrays.equals(index.rawShape(), src.rawShape())) {
                throw new IllegalArgumentException("scatterAdd: index shape " + Shapes.str(index.rawShape())
                        + " differs from source shape " + Shapes.str(src.rawShape()));
            }
            Tensor out;
            try (Grad off = Grad.disabled()) {
                out = base.clone();
            }
            try (InFlight pins = InFlight.pin("scatterAdd", index, src)) {
                base.backend().scatterAdd(base.dtype().scalar(), out.strided(), d, index.dtype().scalar(),
                        index.strided(),
                        src.strided());
            }
            return Node.needed(base, src) ? new ScatterAdd(base, d, index, src).record(out) : out;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {needsInputGrad(0) ? g : null,
                    needsInputGrad(1) ? Gather.apply(g, dim, index.get()) : null};
        }
    }

    /** {@code x.index_select(dim, index)} for a 1-D index: a gather with the index broadcast over other dims. */
    static Tensor indexSelect(Tensor x, int dim, Tensor index) {
        checkIndex("indexSelect", x, index);
        if (index.dim() != 1) {
            throw new IllegalArgumentException("indexSelect: index must be 1-D, got " + index.describe());
        }
        int d = Shapes.dim("indexSelect", dim, x.dim());
        long[] outShape = x.shape();
        outShape[d] = index.numel();
        long[] viewShape = new long[x.dim()];
        Arrays.fill(viewShape, 1);
        viewShape[d] = index.numel();
        // No inner scope here: Gather saves the expanded index for backward, so it must live as long as the result.
        Tensor expanded = index.reshape(viewShape).expand(outShape);
        return Gather.apply(x, d, expanded);
    }
}
