package dev.nabla.base;

/**
 * The window geometry of a 2-D convolution or pooling: kernel size, stride, zero padding and dilation in each of
 * the height and width dimensions.
 */
public record ConvGeometry(int kernelH, int kernelW, int strideH, int strideW, int padH, int padW, int dilationH,
                           int dilationW) {

    /** Validates the parameters. */
    public ConvGeometry {
        if (kernelH < 1 || kernelW < 1 || strideH < 1 || strideW < 1 || padH < 0 || padW < 0 || dilationH < 1
                || dilationW < 1) {
            throw new IllegalArgumentException("invalid window: kernel " + kernelH + "x" + kernelW + ", stride "
                    + strideH + "x" + strideW + ", padding " + padH + "x" + padW + ", dilation " + dilationH + "x"
                    + dilationW + " (kernel, stride and dilation must be >= 1, padding >= 0)");
        }
    }

    /** Output height for an input of height {@code h}. */
    public long outH(long h) {
        return (h + 2L * padH - (long) dilationH * (kernelH - 1) - 1) / strideH + 1;
    }

    /** Output width for an input of width {@code w}. */
    public long outW(long w) {
        return (w + 2L * padW - (long) dilationW * (kernelW - 1) - 1) / strideW + 1;
    }
}
