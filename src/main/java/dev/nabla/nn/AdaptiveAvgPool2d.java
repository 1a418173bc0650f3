package dev.nabla.nn;

import dev.nabla.F;
import dev.nabla.Tensor;

/**
 * Average pooling of {@code [N, C, H, W]} to a fixed {@code [N, C, outH, outW]} whatever the input size, like
 * {@code torch.nn.AdaptiveAvgPool2d}; {@code new AdaptiveAvgPool2d(1)} is global average pooling.
 */
public final class AdaptiveAvgPool2d extends Module {
    private final int[] size;

    /** A square {@code size x size} output. */
    public AdaptiveAvgPool2d(int size) {
        this(size, size);
    }

    /** An {@code outH x outW} output. */
    public AdaptiveAvgPool2d(int outH, int outW) {
        this.size = Conv2d.pair("output size", new int[] {outH, outW}, 1);
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.adaptiveAvgPool2d(x, size[0], size[1]);
    }

    @Override
    protected String extraRepr() {
        return "output_size=" + Repr.intOrPair(size);
    }
}
