package dev.nabla;

import java.util.function.UnaryOperator;

/**
 * Backward rules of the view ops. The forward of each is a zero-copy view made in {@link Tensor}; these nodes
 * carry the gradient back through it.
 */
final class ShapeOps {
    private ShapeOps() {
    }

    /** reshape / view / flatten / squeeze / unsqueeze: the gradient is reshaped back. */
    static final class Reshape extends Node {
        private final long[] inShape;

        Reshape(Tensor x) {
            super(x);
            inShape = x.rawShape();
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.reshape(inShape)};
        }
    }

    /** transpose / permute: the gradient is permuted back. */
    static final class Permute extends Node {
        private final int[] inverse;

        Permute(Tensor x, int[] dims) {
            super(x);
            inverse = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                inverse[dims[i]] = i;
            }
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.permute(inverse)};
        }
    }

    /** expand: the gradient is summed over the broadcast dimensions. */
    static final class Expand extends Node {
        private final long[] inShape;

        Expand(Tensor x) {
            super(x);
            inShape = x.rawShape();
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

        Subview(Tensor x, UnaryOperator<Tensor> reView) {
            super(x);
            this.inShape = x.rawShape();
            this.reView = reView;
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

    /** clone / contiguous copy: the gradient passes unchanged. */
    static final class Identity extends Node {
        Identity(Tensor x) {
            super(x);
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g};
        }
    }

    /** to(dtype): the gradient is converted back. */
    static final class Cast extends Node {
        private final DType from;

        Cast(Tensor x) {
            super(x);
            from = x.dtype();
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.to(from)};
        }
    }

    /** to(device): the gradient is copied back. */
    static final class Move extends Node {
        private final Device from;

        Move(Tensor x) {
            super(x);
            from = x.device();
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {g.to(from)};
        }
    }
}
