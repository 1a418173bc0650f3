package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;

/**
 * A statically quantized 2-D convolution (optionally with a fused ReLU), like PyTorch's {@code nnq.Conv2d} /
 * {@code nniq.ConvReLU2d}: uint8 {@code [N, C, H, W]} in, uint8 {@code [N, out, oh, ow]} out. Padding reads the
 * input's zero point (the integer of real 0), not integer 0. Computed as a uint8 im2col followed by the int8 GEMM of
 * {@link dev.nabla.F#quantizedLinear}; the output is a channels-last view (memory {@code [N, oh, ow, out]}), which
 * is what the GEMM writes. Groups are not supported (1 only). Buffers as {@link QuantizedLinear}, with a
 * weight {@code [out, C, kh, kw]}.
 */
public final class QuantizedConv2d extends QuantizedWeightLayer {
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    /** The weight as the GEMM reads it; see {@link #columnWeight}. */
    private volatile ColumnWeight columnWeight;

    /**
     * A convolution with the given quantized weight ({@code [out, C, kh, kw]}, int8 per output channel, symmetric),
     * float bias or null, geometry ({@code {height, width}} pairs) and the parameters of its input and output.
     *
     * @throws IllegalArgumentException when the weight is not a 4-D int8 per-channel symmetric tensor or a pair is bad
     */
    public QuantizedConv2d(QuantizedTensor weight, Tensor bias, int[] stride, int[] padding, int[] dilation,
                           QParams input, QParams output, boolean relu) {
        super(weight, bias, input, output, relu);
        if (weight.shape().length != 4) {
            throw new IllegalArgumentException("QuantizedConv2d: the weight must be [out, C, kh, kw], got " + weight);
        }
        this.stride = pair("stride", stride, 1);
        this.padding = pair("padding", padding, 0);
        this.dilation = pair("dilation", dilation, 1);
    }

    private static int[] pair(String what, int[] p, int min) {
        if (p == null || p.length != 2 || p[0] < min || p[1] < min) {
            throw new IllegalArgumentException("QuantizedConv2d: " + what + " must be two integers >= " + min
                    + ", got " + java.util.Arrays.toString(p));
        }
        return p.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        requireUint8("QuantizedConv2d", x);
        Tensor w = buffer("weight");
        long[] ws = w.shape();
        if (x.dim() != 4 || x.size(1) != ws[1]) {
            throw new IllegalArgumentException("QuantizedConv2d: expected input [N, " + ws[1] + ", H, W], got "
                    + x.describe());
        }
        try (Grad off = Grad.disabled()) {
            long n = x.size(0);
            long oh = outSize(x.size(2), (int) ws[2], 0);
            long ow = outSize(x.size(3), (int) ws[3], 1);
            if (oh < 1 || ow < 1) {
                throw new IllegalArgumentException("QuantizedConv2d: the " + ws[2] + "x" + ws[3]
                        + " window does not fit " + x.describe());
            }
            Tensor cols = im2col(x, (int) ws[2], (int) ws[3], oh, ow);
            long k = ws[1] * ws[2] * ws[3];
            Tensor y = product(cols.reshape(n * oh * ow, k), columnWeight(w));
            // [N, out, oh, ow] as a channels-last view of the rows: the next layer's im2col or pooling reads
            // channels-last anyway, and a flatten copies into channels-first order
            return requantize(y, q -> q.reshape(n, oh, ow, ws[0]).permute(0, 3, 1, 2));
        }
    }

    /**
     * The weight in the columns' (kh, kw, C) order, {@code [out, kh * kw * C]}, made once per version of the weight
     * buffer: the product packs a weight once per storage, so a fresh copy per call would also be packed per call.
     */
    private Tensor columnWeight(Tensor w) {
        ColumnWeight cached = columnWeight;
        if (cached == null || cached.source() != w || cached.version() != w.version() || cached.weight().isClosed()) {
            long[] ws = w.shape();
            Tensor permuted = Scope.detached(() -> w.permute(0, 2, 3, 1).contiguous().reshape(ws[0], ws[1] * ws[2] * ws[3]));
            cached = new ColumnWeight(w, w.version(), permuted);
            columnWeight = cached;
        }
        return cached.weight();
    }

    /** A permuted copy of the weight buffer {@code source} at {@code version} (immutable: threads may share it). */
    private record ColumnWeight(Tensor source, long version, Tensor weight) {
    }

    /** Also releases the permuted copy of the weight. */
    @Override
    public void close() {
        ColumnWeight cached = columnWeight;
        if (cached != null) {
            cached.weight().close();
        }
        super.close();
    }

    private long outSize(long in, int kernel, int axis) {
        return (in + 2L * padding[axis] - (long) dilation[axis] * (kernel - 1) - 1) / stride[axis] + 1;
    }

    /**
     * The windows of the zero-point-padded input as rows {@code [N, oh, ow, kh, kw, C]} (the GEMM's {@code [rows, k]}):
     * the input goes channels-last once, so that each of the {@code kh * kw} window copies moves runs of {@code C}
     * contiguous bytes.
     */
    private Tensor im2col(Tensor x, int kh, int kw, long oh, long ow) {
        long n = x.size(0);
        long c = x.size(1);
        Tensor padded = Tensor.full(zeroPoint("input_"), DType.UINT8, x.device(), n, x.size(2) + 2L * padding[0],
                x.size(3) + 2L * padding[1], c);
        padded.narrow(1, padding[0], x.size(2)).narrow(2, padding[1], x.size(3)).copy_(x.permute(0, 2, 3, 1));
        Tensor cols = Tensor.empty(DType.UINT8, x.device(), n, oh, ow, kh, kw, c);
        for (int ki = 0; ki < kh; ki++) {
            long top = (long) ki * dilation[0];
            for (int kj = 0; kj < kw; kj++) {
                long left = (long) kj * dilation[1];
                Tensor window = padded.slice(1, top, top + (oh - 1) * stride[0] + 1, stride[0])
                        .slice(2, left, left + (ow - 1) * stride[1] + 1, stride[1]);
                cols.select(4, kj).select(3, ki).copy_(window);
            }
        }
        return cols;
    }

    @Override
    protected String extraRepr() {
        long[] s = buffer("weight").shape();
        return s[1] + ", " + s[0] + ", kernel_size=(" + s[2] + ", " + s[3] + "), stride=(" + stride[0] + ", "
                + stride[1] + "), padding=(" + padding[0] + ", " + padding[1] + "), scale=" + scale("")
                + ", zero_point=" + zeroPoint("") + (hasRelu() ? ", relu" : "");
    }
}
