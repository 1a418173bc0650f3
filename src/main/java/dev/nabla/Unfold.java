package dev.nabla;

import dev.nabla.base.ConvGeometry;

/**
 * Differentiable im2col / col2im ({@code torch.nn.functional.unfold} / {@code fold}): the primitive under
 * convolution (unfold, then one GEMM) and pooling (unfold, then a reduction over each window).
 */
final class Unfold {
    private Unfold() {
    }

    /**
     * Sliding windows of {@code x} ({@code [N, C, H, W]}) as columns {@code [N, C*kh*kw, outH*outW]}; padded
     * positions read {@code padValue} (0 for convolution, -inf for max pooling).
     */
    static Tensor unfold(Tensor x, ConvGeometry geometry, double padValue) {
        return UnfoldOp.apply(x, geometry, padValue);
    }

    /** The adjoint of {@link #unfold}: sums columns {@code [N, C*kh*kw, L]} back into {@code [N, C, h, w]}. */
    static Tensor fold(Tensor cols, ConvGeometry geometry, long channels, long h, long w) {
        return FoldOp.apply(cols, geometry, channels, h, w);
    }

    private static void check4d(String op, Tensor x) {
        x.checkAlive(op);
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + ": expects a 4-D [N, C, H, W] input, got " + x.describe());
        }
    }

    static final class UnfoldOp extends Node {
        private final ConvGeometry geometry;
        private final long[] inShape;

        private UnfoldOp(Tensor x, ConvGeometry geometry) {
            super(x);
            this.geometry = geometry;
            this.inShape = x.rawShape();
        }

        static Tensor apply(Tensor x, ConvGeometry g, double padValue) {
            check4d("unfold", x);
            long[] s = x.rawShape();
            long oh = g.outH(s[2]);
            long ow = g.outW(s[3]);
            if (oh <= 0 || ow <= 0) {
                throw new IllegalArgumentException("unfold: a " + g.kernelH() + "x" + g.kernelW() + " window (dilation "
                        + g.dilationH() + "x" + g.dilationW() + ", padding " + g.padH() + "x" + g.padW()
                        + ") does not fit the " + s[2] + "x" + s[3] + " input of " + x.describe());
            }
            long rows = Shapes.mul("unfold", Shapes.mul("unfold", s[1], g.kernelH(), "channels * kernel height"),
                    g.kernelW(), "channels * kernel area");
            Tensor cols = Tensor.empty(x.dtype(), x.device(), s[0], rows, Shapes.mul("unfold", oh, ow, "output area"));
            try (InFlight pins = InFlight.pin("unfold", x)) {
                x.backend().im2col(x.dtype().scalar(), x.strided(), g, padValue, cols.strided());
            }
            return Node.needed(x) ? new UnfoldOp(x, g).record(cols) : cols;
        }

        @Override
        public String name() {
            return "UnfoldBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {FoldOp.apply(g, geometry, inShape[1], inShape[2], inShape[3])};
        }
    }

    static final class FoldOp extends Node {
        private final ConvGeometry geometry;

        private FoldOp(Tensor cols, ConvGeometry geometry) {
            super(cols);
            this.geometry = geometry;
        }

        static Tensor apply(Tensor cols, ConvGeometry g, long channels, long h, long w) {
            cols.checkAlive("fold");
            long[] s = cols.rawShape();
            if (channels < 0 || h < 0 || w < 0) {
                throw new IllegalArgumentException("fold: negative size: " + channels + " channels of " + h + "x" + w
                        + " for " + cols.describe());
            }
            long rows = Shapes.mul("fold", Shapes.mul("fold", channels, g.kernelH(), "channels * kernel height"),
                    g.kernelW(), "channels * kernel area");
            long oh = g.outH(h);
            long ow = g.outW(w);
            long l = oh <= 0 || ow <= 0 ? -1 : Shapes.mul("fold", oh, ow, "output area");
            if (s.length != 3 || s[1] != rows || s[2] != l) {
                throw new IllegalArgumentException("fold: columns " + cols.describe() + " do not match [N, " + rows
                        + ", " + l + "] for " + channels + " channels of " + h + "x" + w);
            }
            Tensor x = Tensor.zeros(cols.dtype(), cols.device(), s[0], channels, h, w);
            try (InFlight pins = InFlight.pin("fold", cols)) {
                cols.backend().col2im(cols.dtype().scalar(), cols.strided(), g, x.strided());
            }
            return Node.needed(cols) ? new FoldOp(cols, g).record(x) : x;
        }

        @Override
        public String name() {
            return "FoldBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {UnfoldOp.apply(g, geometry, 0.0)};
        }
    }
}
