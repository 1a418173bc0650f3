package dev.nabla.backend.cuda;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import java.util.Arrays;

/**
 * One 2-D convolution's operands as cuDNN sees them: input {@code x} {@code [N, C, H, W]}, weight {@code w}
 * {@code [O, C/groups, kh, kw]}, output {@code y} {@code [N, O, outH, outW]} and the convolution itself. Being a
 * record of records, it is also the key under which each direction's algorithm is cached.
 *
 * @param x    the input
 * @param w    the weight
 * @param y    the output
 * @param conv padding, stride, dilation, groups and math
 */
record ConvProblem(TensorKey x, FilterKey w, TensorKey y, ConvKey conv) {

    /**
     * Checks that the shapes form one convolution and builds its keys.
     *
     * @throws IllegalArgumentException naming the mismatch when they do not
     */
    static ConvProblem of(ScalarType dtype, long[] xShape, long[] wShape, ConvGeometry g, int groups, long[] yShape,
                          boolean tensorMath) {
        if (xShape.length != 4 || wShape.length != 4 || yShape.length != 4) {
            throw new IllegalArgumentException("conv2d: expects input [N, C, H, W], weight [O, C/groups, kh, kw] and "
                    + "output [N, O, outH, outW], got " + shapes(xShape, wShape, yShape));
        }
        long n = xShape[0];
        long c = xShape[1];
        long o = wShape[0];
        if (groups < 1 || c % groups != 0 || o % groups != 0 || wShape[1] * groups != c) {
            throw new IllegalArgumentException("conv2d: input channels " + c + ", weight " + Arrays.toString(wShape)
                    + " and groups=" + groups + " do not fit (C and O divisible by groups, weight [O, C/groups, kh, "
                    + "kw])");
        }
        if (wShape[2] != g.kernelH() || wShape[3] != g.kernelW()) {
            throw new IllegalArgumentException("conv2d: weight " + Arrays.toString(wShape) + " does not match the "
                    + "kernel " + g.kernelH() + "x" + g.kernelW() + " of the geometry");
        }
        long[] expected = {n, o, g.outH(xShape[2]), g.outW(xShape[3])};
        if (!Arrays.equals(expected, yShape)) {
            throw new IllegalArgumentException("conv2d: output " + Arrays.toString(yShape) + " should be "
                    + Arrays.toString(expected) + " for " + shapes(xShape, wShape, yShape) + " and " + g);
        }
        return new ConvProblem(TensorKey.of(dtype, xShape),
                new FilterKey(dtype, (int) o, (int) wShape[1], g.kernelH(), g.kernelW()), TensorKey.of(dtype, yShape),
                new ConvKey(dtype, g, groups, tensorMath));
    }

    /** The bias as a broadcastable {@code [1, O, 1, 1]} tensor. */
    TensorKey bias() {
        return new TensorKey(x.dtype(), 1, w.k(), 1, 1);
    }

    /** The operands' shapes, for messages. */
    String describe() {
        return "x [" + x.n() + ", " + x.c() + ", " + x.h() + ", " + x.w() + "], w [" + w.k() + ", " + w.c() + ", "
                + w.h() + ", " + w.w() + "], y [" + y.n() + ", " + y.c() + ", " + y.h() + ", " + y.w() + "], "
                + conv.geometry() + ", groups=" + conv.groups() + ", " + x.dtype();
    }

    private static String shapes(long[] x, long[] w, long[] y) {
        return "x " + Arrays.toString(x) + ", w " + Arrays.toString(w) + ", y " + Arrays.toString(y);
    }
}
