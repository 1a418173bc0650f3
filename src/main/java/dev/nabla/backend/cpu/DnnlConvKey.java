package dev.nabla.backend.cpu;

import dev.nabla.base.ConvGeometry;

/**
 * Everything a oneDNN convolution primitive is specialised for: one primitive per distinct key, cached by
 * {@link DnnlConvolutions}. Operands are float32 and plain row-major: input {@code [n, c, h, w]}, weights
 * {@code [o, c/groups, kh, kw]}, output {@code [n, o, outH, outW]}, bias {@code [o]}.
 *
 * @param pass     which of the three convolution computations
 * @param n        batch size
 * @param c        input channels
 * @param h        input height
 * @param w        input width
 * @param o        output channels
 * @param geometry kernel size, stride, padding and dilation
 * @param groups   channel groups (c and o divisible by it)
 * @param bias     forward: a bias is added; backward weights: the bias gradient is written too
 */
record DnnlConvKey(Pass pass, long n, long c, long h, long w, long o, ConvGeometry geometry, int groups,
                   boolean bias) {

    /** The convolution computations oneDNN has primitives for. */
    enum Pass {
        /** {@code out = conv(x, weight) + bias}. */
        FORWARD,
        /** The input gradient from the output gradient and the weights. */
        BACKWARD_DATA,
        /** The weight (and bias) gradient from the input and the output gradient. */
        BACKWARD_WEIGHTS
    }

    /** Output height. */
    long outH() {
        return geometry.outH(h);
    }

    /** Output width. */
    long outW() {
        return geometry.outW(w);
    }
}
