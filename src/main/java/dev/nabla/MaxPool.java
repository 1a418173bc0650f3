package dev.nabla;

import dev.nabla.base.ConvGeometry;

/**
 * Max pooling through the backend's fused kernel ({@link dev.nabla.backend.Backend#maxPool2d}): one pass that
 * writes each window's maximum and its position, and a backward that scatters the gradient to those positions.
 * {@link #apply} returns null when the backend has no such kernel, and {@link F#maxPool2d} then composes the op
 * from unfold, argmax and gather.
 */
final class MaxPool {
    private MaxPool() {
    }

    /** Max pooling of {@code x} {@code [N, C, H, W]}, or null when the backend cannot run it fused. */
    static Tensor apply(Tensor x, ConvGeometry g) {
        long[] s = x.rawShape();
        long oh = g.outH(s[2]);
        long ow = g.outW(s[3]);
        if (oh <= 0 || ow <= 0) {
            return null; // the composite path reports the misfit window
        }
        Tensor in = x.contiguous();
        Tensor out = Tensor.empty(x.dtype(), x.device(), s[0], s[1], oh, ow);
        Tensor indices = Tensor.empty(x.dtype(), x.device(), s[0], s[1], oh, ow);
        boolean done;
        try (InFlight pins = InFlight.pin("maxPool2d", in)) {
            done = x.backend().maxPool2d(x.dtype().scalar(), in.strided(), g, out.strided(), indices.strided());
        }
        if (!done) {
            out.close();
            indices.close();
            return null;
        }
        return Node.needed(x) ? new Forward(x, indices).record(out) : out;
    }

    /** Gradient of the pooling: {@code gOut} scattered to the saved maximum positions. */
    static Tensor scatter(Tensor gOut, Tensor indices, long[] inShape) {
        Tensor go = gOut.contiguous();
        Tensor gradIn = Tensor.empty(gOut.dtype(), gOut.device(), inShape);
        boolean done;
        try (InFlight pins = InFlight.pin("maxPool2dBackward", go, indices)) {
            done = gOut.backend().maxPool2dBackward(gOut.dtype().scalar(), go.strided(), indices.strided(),
                    gradIn.strided());
        }
        if (!done) {
            throw new IllegalStateException("maxPool2d: backend " + gOut.backend()
                    + " runs the fused forward but not its backward");
        }
        return Node.needed(gOut) ? new Backward(gOut, indices).record(gradIn) : gradIn;
    }

    /** Backward of the pooling. */
    static final class Forward extends Node {
        private final Tensor indices;
        private final long[] inShape;

        private Forward(Tensor x, Tensor indices) {
            super(x);
            this.indices = indices;
            this.inShape = x.rawShape();
        }

        @Override
        public String name() {
            return "MaxPool2DBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {scatter(g, indices, inShape)};
        }
    }

    /** Backward of the scatter (for double backward): gathers the incoming gradient at the maximum positions. */
    static final class Backward extends Node {
        private final Tensor indices;

        private Backward(Tensor gOut, Tensor indices) {
            super(gOut);
            this.indices = indices;
        }

        @Override
        public String name() {
            return "MaxPool2DBackwardBackward";
        }

        @Override
        protected Tensor[] backward(Tensor gg) {
            long[] is = indices.rawShape();
            long planes = is[0] * is[1];
            long[] gs = gg.rawShape();
            Tensor flat = gg.reshape(planes, gs[2] * gs[3]);
            // the kernels keep positions in the input's dtype; gather takes int64
            Tensor picked = flat.gather(1, indices.reshape(planes, is[2] * is[3]).to(DType.INT64));
            return new Tensor[] {picked.reshape(is)};
        }
    }
}
