package dev.nabla;

/**
 * Backward rules of the copying conversions ({@link Tensor#clone()}, {@link Tensor#to(DType)},
 * {@link Tensor#to(Device)}), whose forwards allocate and copy in {@link Tensor}.
 */
final class Conversions {
    private Conversions() {
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
