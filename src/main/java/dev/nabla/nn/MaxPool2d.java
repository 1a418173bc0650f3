package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Tensor;

/**
 * 2-D max pooling over {@code [N, C, H, W]}, like {@code torch.nn.MaxPool2d} (floor mode): the gradient goes to
 * the first maximum of each window.
 */
public final class MaxPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;

    /** A square window with stride equal to the window (PyTorch's default). */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    /** A square window with the given stride and padding. */
    public MaxPool2d(int kernel, int stride, int padding) {
        this(new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1});
    }

    /** Every option, as {@code {height, width}} pairs; padding is at most half the kernel. */
    public MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation) {
        this.kernel = Conv2d.pair("kernel", kernel, 1);
        this.stride = Conv2d.pair("stride", stride, 1);
        this.padding = Conv2d.pair("padding", padding, 0);
        this.dilation = Conv2d.pair("dilation", dilation, 1);
    }

    /** The window, {@code {height, width}}. */
    public int[] kernelSize() {
        return kernel.clone();
    }

    /** The stride, {@code {height, width}}. */
    public int[] stride() {
        return stride.clone();
    }

    /** The implicit padding on each side (never chosen as a maximum), {@code {height, width}}. */
    public int[] padding() {
        return padding.clone();
    }

    /** The dilation, {@code {height, width}}. */
    public int[] dilation() {
        return dilation.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.maxPool2d(x, kernel, stride, padding, dilation);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + Repr.intOrPair(kernel) + ", stride=" + Repr.intOrPair(stride) + ", padding="
                + Repr.intOrPair(padding) + ", dilation=" + Repr.intOrPair(dilation) + ", ceil_mode=False";
    }
}
