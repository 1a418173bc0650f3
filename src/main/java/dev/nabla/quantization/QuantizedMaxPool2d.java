package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Tensor;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;

/**
 * Max pooling of uint8 activations, exact: the maximum of integers is the integer of the maximum (quantization is
 * monotonic), so the parameters pass through, as PyTorch's quantized {@code max_pool2d} (floor mode). Computed on the
 * integers as the element-wise maximum of one strided view per window offset; padding reads 0, the smallest uint8,
 * which never wins because every window holds at least one input value (padding is at most half the window).
 */
public final class QuantizedMaxPool2d extends Module {
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;

    /** Pools like {@code pool}. */
    public QuantizedMaxPool2d(MaxPool2d pool) {
        this.kernel = pool.kernelSize();
        this.stride = pool.stride();
        this.padding = pool.padding();
        this.dilation = pool.dilation();
    }

    @Override
    public Tensor forward(Tensor q) {
        QuantizedModule.requireUint8("QuantizedMaxPool2d", q);
        if (q.dim() != 4) {
            throw new IllegalArgumentException("QuantizedMaxPool2d: expected [N, C, H, W], got " + q.describe());
        }
        long oh = (q.size(2) + 2L * padding[0] - (long) dilation[0] * (kernel[0] - 1) - 1) / stride[0] + 1;
        long ow = (q.size(3) + 2L * padding[1] - (long) dilation[1] * (kernel[1] - 1) - 1) / stride[1] + 1;
        if (oh < 1 || ow < 1) {
            throw new IllegalArgumentException("QuantizedMaxPool2d: the window does not fit " + q.describe());
        }
        try (Grad off = Grad.disabled()) {
            // pool over [N, H, W, C]: a channels-last input (a quantized convolution's output) is contiguous that
            // way, so every window view reads runs of C bytes; the result is a channels-last view again
            Tensor x = q.permute(0, 2, 3, 1);
            if (padding[0] > 0 || padding[1] > 0) {
                x = Tensor.zeros(DType.UINT8, q.device(), q.size(0), q.size(2) + 2L * padding[0],
                        q.size(3) + 2L * padding[1], q.size(1));
                x.narrow(1, padding[0], q.size(2)).narrow(2, padding[1], q.size(3)).copy_(q.permute(0, 2, 3, 1));
            }
            Tensor max = null;
            for (int ki = 0; ki < kernel[0]; ki++) {
                long top = (long) ki * dilation[0];
                for (int kj = 0; kj < kernel[1]; kj++) {
                    long left = (long) kj * dilation[1];
                    Tensor window = x.slice(1, top, top + (oh - 1) * stride[0] + 1, stride[0])
                            .slice(2, left, left + (ow - 1) * stride[1] + 1, stride[1]);
                    max = max == null ? window : max.maximum(window);
                }
            }
            return max.contiguous().permute(0, 3, 1, 2);
        }
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=(" + kernel[0] + ", " + kernel[1] + "), stride=(" + stride[0] + ", " + stride[1]
                + "), padding=(" + padding[0] + ", " + padding[1] + ")";
    }
}
