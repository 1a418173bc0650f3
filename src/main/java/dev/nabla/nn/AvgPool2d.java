package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Tensor;

/**
 * 2-D average pooling over {@code [N, C, H, W]}, like {@code torch.nn.AvgPool2d} (floor mode; padded zeros count
 * in the average, PyTorch's {@code count_include_pad=True}).
 */
public final class AvgPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;

    /** A square window with stride equal to the window (PyTorch's default). */
    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    /** A square window with the given stride and padding. */
    public AvgPool2d(int kernel, int stride, int padding) {
        this(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding});
    }

    /** Every option, as {@code {height, width}} pairs; padding is at most half the kernel. */
    public AvgPool2d(int[] kernel, int[] stride, int[] padding) {
        this.kernel = Conv2d.pair("kernel", kernel, 1);
        this.stride = Conv2d.pair("stride", stride, 1);
        this.padding = Conv2d.pair("padding", padding, 0);
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.avgPool2d(x, kernel, stride, padding);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + Repr.intOrPair(kernel) + ", stride=" + Repr.intOrPair(stride) + ", padding="
                + Repr.intOrPair(padding);
    }
}
