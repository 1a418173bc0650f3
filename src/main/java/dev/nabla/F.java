package dev.nabla;

import dev.nabla.backend.UnaryOp;
import dev.nabla.base.ConvGeometry;
import java.util.Arrays;

/**
 * Functional neural-network ops, like {@code torch.nn.functional}: layers without state (linear, conv2d,
 * pooling, normalisation, dropout, embedding) and losses. Everything is differentiable and composed of
 * {@link Tensor} ops, so it runs on every device.
 *
 * <pre>{@code
 * Tensor logits = F.linear(F.relu(F.linear(x, w1, b1)), w2, b2);
 * Tensor loss = F.crossEntropy(logits, labels);
 * }</pre>
 */
public final class F {
    private F() {
    }

    // ------------------------------------------------------------------ layers

    /** {@code x · wᵀ + b}: x {@code [..., in]}, w {@code [out, in]}, b {@code [out]} or null. */
    public static Tensor linear(Tensor x, Tensor w, Tensor b) {
        x = Autocast.lower(x);
        w = Autocast.lower(w);
        b = Autocast.lower(b);
        x.checkAlive("linear");
        w.checkAlive("linear");
        if (w.dim() != 2 || x.dim() == 0 || x.size(-1) != w.size(1)) {
            throw new IllegalArgumentException("linear: input " + x.describe() + " and weight " + w.describe()
                    + " do not fit (expected input [..., " + (w.dim() == 2 ? w.size(1) : "in") + "], weight [out, in])");
        }
        if (b != null && (b.dim() != 1 || b.size(0) != w.size(0))) {
            throw new IllegalArgumentException("linear: bias " + b.describe() + " does not match weight "
                    + w.describe());
        }
        Tensor fused = LinearOp.apply(x, w, b);
        if (fused != null) {
            return fused;
        }
        Tensor y = x.matmul(w.t()); // the transpose is a view: GEMM gets a flag, not a copy
        return b == null ? y : y.add(b);
    }

    /**
     * Affine quantization's integer representation, like {@code torch.quantize_per_tensor(x, scale, zero_point,
     * dtype).int_repr()}: {@code clamp(rint(x * (1 / scale)) + zeroPoint)} to {@code dtype}'s range, the inverse and the
     * product in float32 and ties rounded to even (fbgemm's rule). NaN maps to the zero point.
     *
     * @param x     float32 values
     * @param dtype uint8, int8 or int32
     * @throws IllegalArgumentException when {@code x} is not float32, the scale not positive and finite, the zero point
     *                                  outside {@code dtype}'s range or the dtype not one of those three
     */
    public static Tensor quantizeToInt(Tensor x, double scale, long zeroPoint, DType dtype) {
        return QuantizeOp.apply(x, scale, zeroPoint, dtype);
    }

    /**
     * The smallest and largest element of {@code x} in one pass, as host numbers {@code {min, max}} (like
     * {@code torch.aminmax(x)} followed by {@code .item()}); NaN in {@code x} makes both NaN. Dynamic quantization
     * reads each batch's range with it. Records nothing for backward.
     *
     * @param x float32 values, at least one
     * @throws IllegalArgumentException when {@code x} is not float32 or has no elements
     * @throws UnsupportedOperationException on a device without the kernel (CUDA)
     */
    public static double[] minMax(Tensor x) {
        return MinMaxOp.apply(x);
    }

    /**
     * The quantized linear layer's product, like PyTorch's {@code quantized::linear} kernels with a float output:
     * {@code y[..., j] = scales[j] * sum_p (x[..., p] - xZeroPoint) * w[j][p] + bias[j]}, the sums exact in 32-bit
     * integers (int8 GEMM: oneDNN with VNNI on the {@code cpu} device, a pure-Java kernel on {@code java}).
     * Inference only: nothing is recorded for backward.
     *
     * @param x          quantized activations, uint8 or int8, {@code [..., in]}
     * @param xZeroPoint the activations' zero point, in {@code x}'s range
     * @param w          quantized weight, int8 {@code [out, in]} (symmetric: zero point 0)
     * @param scales     float32 {@code [1]} or {@code [out]}: the input scale times the weight's (per-tensor or
     *                   per-output-channel) scale
     * @param bias       float32 {@code [out]}, or null
     * @return float32 {@code [..., out]}
     * @throws IllegalArgumentException naming the operand when a dtype, shape, zero point or device does not fit
     * @throws UnsupportedOperationException on a device without an int8 GEMM (CUDA)
     */
    public static Tensor quantizedLinear(Tensor x, long xZeroPoint, Tensor w, Tensor scales, Tensor bias) {
        return QuantizedLinearOp.apply(x, xZeroPoint, w, scales, bias);
    }

    /** {@code max(x, 0)}. */
    public static Tensor relu(Tensor x) {
        return x.relu();
    }

    /** {@code x * relu6(x + 3) / 6}, like {@code torch.nn.functional.hardswish}. */
    public static Tensor hardswish(Tensor x) {
        return x.hardswish();
    }

    /** {@code x * tanh(softplus(x))}, like {@code torch.nn.functional.mish}. */
    public static Tensor mish(Tensor x) {
        return x.mish();
    }

    /** Softmax along {@code dim}. */
    public static Tensor softmax(Tensor x, int dim) {
        return x.softmax(dim);
    }

    /** Log-softmax along {@code dim}. */
    public static Tensor logSoftmax(Tensor x, int dim) {
        return x.logSoftmax(dim);
    }

    /**
     * 2-D convolution (cross-correlation, as in PyTorch): x {@code [N, C, H, W]}, w {@code [O, C/groups, kh, kw]},
     * b {@code [O]} or null. Runs the backend's fused convolution where it has one (the {@code cpu} device: oneDNN,
     * float32); otherwise computed as unfold (im2col) followed by one batched GEMM per group.
     */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor b, int[] stride, int[] padding, int[] dilation,
                                int groups) {
        x = Autocast.lower(x);
        w = Autocast.lower(w);
        b = Autocast.lower(b);
        x.checkAlive("conv2d");
        w.checkAlive("conv2d");
        if (x.dim() != 4 || w.dim() != 4) {
            throw new IllegalArgumentException("conv2d: expects input [N, C, H, W] and weight [O, C/groups, kh, kw], "
                    + "got " + x.describe() + " and " + w.describe());
        }
        long n = x.size(0);
        long c = x.size(1);
        long o = w.size(0);
        if (groups < 1 || c % groups != 0 || o % groups != 0 || w.size(1) * groups != c) {
            throw new IllegalArgumentException("conv2d: " + c + " input channels, weight " + w.describe()
                    + " and groups=" + groups + " do not fit (weight must be [O, C/groups, kh, kw], C and O "
                    + "divisible by groups)");
        }
        if (b != null && (b.dim() != 1 || b.size(0) != o)) {
            throw new IllegalArgumentException("conv2d: bias " + b.describe() + " does not match " + o + " channels");
        }
        ConvGeometry g = geometry("conv2d", new int[] {(int) w.size(2), (int) w.size(3)}, dilation, padding, stride);
        long oh = g.outH(x.size(2));
        long ow = g.outW(x.size(3));
        if (oh > 0 && ow > 0) { // a misfit window is reported by unfold below
            Tensor fused = Conv2dOp.apply(x, w, b, g, groups, oh, ow);
            if (fused != null) {
                return fused;
            }
        }
        Tensor cols = Unfold.unfold(x, g, 0.0); // [N, C*kh*kw, L]
        long k = (c / groups) * g.kernelH() * g.kernelW();
        Tensor out;
        if (groups == 1) {
            out = w.reshape(o, k).matmul(cols); // [N, O, L]
        } else {
            Tensor cg = cols.reshape(n, groups, k, oh * ow);
            Tensor wg = w.reshape(groups, o / groups, k);
            out = wg.matmul(cg).reshape(n, o, oh * ow);
        }
        out = out.reshape(n, o, oh, ow);
        return b == null ? out : out.add(b.reshape(1, o, 1, 1));
    }

    /** {@link #conv2d(Tensor, Tensor, Tensor, int[], int[], int[], int)} with square stride/padding, no dilation. */
    public static Tensor conv2d(Tensor x, Tensor w, Tensor b, int stride, int padding) {
        return conv2d(x, w, b, new int[] {stride, stride}, new int[] {padding, padding}, new int[] {1, 1}, 1);
    }

    private static void checkWindows(String op, Tensor x, ConvGeometry g) {
        x.checkAlive(op);
        if (x.dim() != 4) {
            throw new IllegalArgumentException(op + ": expects [N, C, H, W], got " + x.describe());
        }
        if (g.padH() * 2 > g.kernelH() || g.padW() * 2 > g.kernelW()) {
            throw new IllegalArgumentException(op + ": padding " + g.padH() + "x" + g.padW()
                    + " must be at most half the kernel " + g.kernelH() + "x" + g.kernelW());
        }
    }

    private static Tensor windows(String op, Tensor x, ConvGeometry g, double pad) {
        checkWindows(op, x, g);
        long[] s = x.shape();
        return Unfold.unfold(x.reshape(s[0] * s[1], 1, s[2], s[3]), g, pad); // [N*C, kh*kw, L]
    }

    /**
     * Sliding windows of {@code x} ({@code [N, C, H, W]}) as columns {@code [N, C*kh*kw, L]}, L the number of window
     * positions ({@code torch.nn.functional.unfold}); padded positions read 0. Each argument is {height, width}.
     *
     * @throws IllegalArgumentException if {@code x} is not 4-D or a size is out of range (kernel, stride, dilation
     *     at least 1, padding at least 0, the window fitting the padded input)
     */
    public static Tensor unfold(Tensor x, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        return Unfold.unfold(x, geometry("unfold", kernelSize, dilation, padding, stride), 0.0);
    }

    /**
     * The adjoint of {@link #unfold}: sums columns {@code [N, C*kh*kw, L]} back into {@code [N, C, outputSize[0],
     * outputSize[1]]}, overlapping windows added ({@code torch.nn.functional.fold}).
     *
     * @throws IllegalArgumentException if {@code cols} is not 3-D, its second size is not a multiple of kh*kw, or its
     *     number of columns does not match the windows of the output size
     */
    public static Tensor fold(Tensor cols, long[] outputSize, int[] kernelSize, int[] dilation, int[] padding,
                              int[] stride) {
        ConvGeometry g = geometry("fold", kernelSize, dilation, padding, stride);
        if (outputSize.length != 2) {
            throw new IllegalArgumentException("fold: outputSize must be {height, width}, got "
                    + Arrays.toString(outputSize));
        }
        cols.checkAlive("fold");
        long window = (long) g.kernelH() * g.kernelW();
        if (cols.dim() != 3 || cols.size(1) % window != 0) {
            throw new IllegalArgumentException("fold: expects columns [N, C*" + g.kernelH() + "*" + g.kernelW()
                    + ", L], got " + cols.describe());
        }
        return Unfold.fold(cols, g, cols.size(1) / window, outputSize[0], outputSize[1]);
    }

    /** The window of an unfold, convolution or pooling from its {height, width} pairs, each checked to be a pair. */
    private static ConvGeometry geometry(String op, int[] kernelSize, int[] dilation, int[] padding, int[] stride) {
        for (int[] a : new int[][] {kernelSize, dilation, padding, stride}) {
            if (a == null || a.length != 2) {
                throw new IllegalArgumentException(op + ": kernelSize, dilation, padding and stride are each "
                        + "{height, width}, got " + (a == null ? "null" : Arrays.toString(a)));
            }
        }
        return new ConvGeometry(kernelSize[0], kernelSize[1], stride[0], stride[1], padding[0], padding[1],
                dilation[0], dilation[1]);
    }

    /** 2-D max pooling (the gradient goes to the first maximum of each window, as in PyTorch). */
    public static Tensor maxPool2d(Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation) {
        ConvGeometry g = geometry("maxPool2d", kernel, dilation, padding, stride);
        checkWindows("maxPool2d", x, g);
        Tensor fused = MaxPool.apply(x, g);
        if (fused != null) {
            return fused;
        }
        Tensor cols = windows("maxPool2d", x, g, Double.NEGATIVE_INFINITY);
        Tensor idx = cols.argmax(1, true);
        Tensor m = cols.gather(1, idx);
        return m.reshape(x.size(0), x.size(1), g.outH(x.size(2)), g.outW(x.size(3)));
    }

    /** 2-D max pooling with a square window; stride defaults to the kernel size in PyTorch. */
    public static Tensor maxPool2d(Tensor x, int kernel, int stride) {
        return maxPool2d(x, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {0, 0},
                new int[] {1, 1});
    }

    /** 2-D average pooling; padded zeros count in the average ({@code count_include_pad=True}, PyTorch's default). */
    public static Tensor avgPool2d(Tensor x, int[] kernel, int[] stride, int[] padding) {
        ConvGeometry g = geometry("avgPool2d", kernel, new int[] {1, 1}, padding, stride);
        Tensor cols = windows("avgPool2d", x, g, 0.0);
        return cols.mean(1, false).reshape(x.size(0), x.size(1), g.outH(x.size(2)), g.outW(x.size(3)));
    }

    /** 2-D average pooling with a square window. */
    public static Tensor avgPool2d(Tensor x, int kernel, int stride) {
        return avgPool2d(x, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {0, 0});
    }

    /**
     * Adaptive average pooling to {@code outH x outW}: window {@code i} spans
     * {@code [floor(i*H/outH), ceil((i+1)*H/outH))}, as in PyTorch.
     */
    public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        x.checkAlive("adaptiveAvgPool2d");
        if (x.dim() != 4 || outH < 1 || outW < 1) {
            throw new IllegalArgumentException("adaptiveAvgPool2d: expects [N, C, H, W] and a positive output size, "
                    + "got " + x.describe() + " and " + outH + "x" + outW);
        }
        long h = x.size(2);
        long w = x.size(3);
        if (h % outH == 0 && w % outW == 0) {
            int kh = (int) (h / outH);
            int kw = (int) (w / outW);
            return avgPool2d(x, new int[] {kh, kw}, new int[] {kh, kw}, new int[] {0, 0});
        }
        Tensor[] rows = new Tensor[outH];
        for (int i = 0; i < outH; i++) {
            long h0 = Math.floorDiv(i * h, outH);
            long h1 = -Math.floorDiv(-(i + 1) * h, outH);
            Tensor[] cols = new Tensor[outW];
            for (int j = 0; j < outW; j++) {
                long w0 = Math.floorDiv(j * w, outW);
                long w1 = -Math.floorDiv(-(j + 1) * w, outW);
                cols[j] = x.narrow(2, h0, h1 - h0).narrow(3, w0, w1 - w0).mean(new int[] {2, 3}, false);
            }
            rows[i] = Tensor.stack(2, cols); // [N, C, outW]
        }
        return Tensor.stack(2, rows); // [N, C, outH, outW]
    }

    /**
     * Batch norm's running statistics, in place and unrecorded: {@code r = (1 - momentum) r + momentum s}, the
     * variance taken unbiased ({@code count / (count - 1)}) as PyTorch does. {@code mean}/{@code var} are the batch's
     * per-channel statistics ({@code [C]}, the variance biased).
     */
    static void updateRunningStats(Tensor runningMean, Tensor runningVar, Tensor mean, Tensor var, double momentum,
                                   long count) {
        try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
            runningMean.mul_(1 - momentum).add_(mean.mul(momentum));
            runningVar.mul_(1 - momentum).add_(var.mul(momentum * count / (count - 1.0)));
        }
    }

    static int[] allBut(int rank, int keep) {
        int[] dims = new int[rank - 1];
        for (int d = 0, j = 0; d < rank; d++) {
            if (d != keep) {
                dims[j++] = d;
            }
        }
        return dims;
    }

    static long[] channelShape(int rank, long c) {
        long[] s = new long[rank];
        Arrays.fill(s, 1);
        s[1] = c;
        return s;
    }

    /**
     * Batch normalisation over dimension 1 ({@code [N, C]} or {@code [N, C, ...]}). In training, normalises with
     * the batch statistics and updates {@code runningMean}/{@code runningVar} in place (no grad) with
     * {@code momentum} (the running variance uses the unbiased batch variance, as PyTorch does); in evaluation,
     * uses the running statistics. {@code weight}, {@code bias} and the running tensors may be null.
     */
    public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight, Tensor bias,
                                   boolean training, double momentum, double eps) {
        x.checkAlive("batchNorm");
        x = Autocast.fp32(x); // statistics in float32 inside an autocast region, as layer norm and the losses
        weight = Autocast.fp32(weight);
        bias = Autocast.fp32(bias);
        if (x.dim() < 2) {
            throw new IllegalArgumentException("batchNorm: expects [N, C, ...], got " + x.describe());
        }
        long c = x.size(1);
        for (Tensor t : new Tensor[] {runningMean, runningVar, weight, bias}) {
            if (t != null && (t.dim() != 1 || t.size(0) != c)) {
                throw new IllegalArgumentException("batchNorm: " + t.describe() + " does not match " + c
                        + " channels of " + x.describe());
            }
        }
        long count = x.numel() / Math.max(c, 1);
        if (training && count <= 1) {
            throw new IllegalArgumentException("batchNorm: expected more than 1 value per channel when training, "
                    + "got input " + x.describe());
        }
        Tensor fused = BatchNormOp.apply(x, runningMean, runningVar, weight, bias, training, momentum, eps);
        if (fused != null) {
            return fused;
        }
        long[] cs = channelShape(x.dim(), c);
        Tensor mean;
        Tensor var;
        if (training || runningMean == null || runningVar == null) {
            int[] dims = allBut(x.dim(), 1);
            mean = x.mean(dims, true);
            var = x.var(dims, 0, true);
            if (training && runningMean != null && runningVar != null) {
                updateRunningStats(runningMean, runningVar, mean.reshape(c), var.reshape(c), momentum, count);
            }
        } else {
            mean = runningMean.reshape(cs);
            var = runningVar.reshape(cs);
        }
        Tensor y = x.sub(mean).mul(var.add(eps).rsqrt());
        if (weight != null) {
            y = y.mul(weight.reshape(cs));
        }
        return bias == null ? y : y.add(bias.reshape(cs));
    }

    /**
     * Layer normalisation over the trailing dimensions {@code normalizedShape}; {@code weight}/{@code bias} (of that
     * shape) may be null.
     */
    public static Tensor layerNorm(Tensor x, long[] normalizedShape, Tensor weight, Tensor bias, double eps) {
        x = Autocast.fp32(x);
        weight = Autocast.fp32(weight);
        bias = Autocast.fp32(bias);
        x.checkAlive("layerNorm");
        int k = normalizedShape.length;
        long[] xs = x.shape();
        if (k == 0 || k > xs.length
                || !Arrays.equals(Arrays.copyOfRange(xs, xs.length - k, xs.length), normalizedShape)) {
            throw new IllegalArgumentException("layerNorm: normalized shape " + Arrays.toString(normalizedShape)
                    + " is not the trailing shape of " + x.describe());
        }
        int[] dims = new int[k];
        for (int i = 0; i < k; i++) {
            dims[i] = xs.length - k + i;
        }
        Tensor fused = LayerNormOp.apply(x, dims, weight, bias, eps);
        if (fused != null) {
            return fused;
        }
        Tensor y = x.sub(x.mean(dims, true)).mul(x.var(dims, 0, true).add(eps).rsqrt());
        if (weight != null) {
            y = y.mul(weight);
        }
        return bias == null ? y : y.add(bias);
    }

    /**
     * Zeroes each element with probability {@code p} and scales the rest by {@code 1/(1-p)} while
     * {@code training}; the identity otherwise.
     */
    public static Tensor dropout(Tensor x, double p, boolean training, Generator generator) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout: probability must be in [0, 1], got " + p);
        }
        x.checkAlive("dropout");
        if (!training || p == 0) {
            return x;
        }
        if (p == 1) {
            return x.mul(0.0);
        }
        Tensor keep = Tensor.uniform(generator, 0, 1, x.dtype(), x.device(), x.shape()).mask(UnaryOp.LT_SCALAR, 1 - p);
        return x.mul(keep.mul(1.0 / (1 - p)));
    }

    /**
     * Scaled dot-product attention, like PyTorch's {@code scaled_dot_product_attention}:
     * {@code dropout(softmax(q kᵀ * scale + mask)) v} with q {@code [..., L, E]}, k {@code [..., S, E]}, v
     * {@code [..., S, Ev]} (the same batch dims) giving {@code [..., L, Ev]}. On the java and cpu devices it runs as
     * one fused, blocked kernel that never stores the L x S weights (forward or backward); elsewhere it is composed
     * of matmul and softmax.
     *
     * @param mask     null, bool (true = attend) or floating (added to the scores), broadcastable to
     *                 {@code [..., L, S]}; a constant (no gradient)
     * @param dropoutP drop probability of each attention weight, in [0, 1) (applied whenever positive, as PyTorch)
     * @param isCausal mask key j &gt; query i out (top-left aligned, as PyTorch's {@code is_causal})
     * @param scale    the score scale; NaN for {@code 1/sqrt(E)}
     * @param generator the dropout masks' source (reproducible from its seed)
     */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP,
                                                   boolean isCausal, double scale, Generator generator) {
        return ScaledDotProductAttention.apply(q, k, v, mask, dropoutP, isCausal, scale, generator);
    }

    /** {@link #scaledDotProductAttention(Tensor, Tensor, Tensor, Tensor, double, boolean, double, Generator)} with
     * the global generator. */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP,
                                                   boolean isCausal, double scale) {
        return scaledDotProductAttention(q, k, v, mask, dropoutP, isCausal, scale, Generator.global());
    }

    /** Scaled dot-product attention with the default scale {@code 1/sqrt(E)}. */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, double dropoutP,
                                                   boolean isCausal) {
        return scaledDotProductAttention(q, k, v, mask, dropoutP, isCausal, Double.NaN);
    }

    /** Scaled dot-product attention with a mask, no dropout, not causal. */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask) {
        return scaledDotProductAttention(q, k, v, mask, 0, false);
    }

    /** Scaled dot-product attention without mask or dropout. */
    public static Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v) {
        return scaledDotProductAttention(q, k, v, null, 0, false);
    }

    /** Rows of {@code weight} ({@code [num, dim]}) picked by {@code ids} (int64 or int32): shape ids + [dim]. */
    public static Tensor embedding(Tensor ids, Tensor weight) {
        ids.checkAlive("embedding");
        weight.checkAlive("embedding");
        if (weight.dim() != 2) {
            throw new IllegalArgumentException("embedding: weight must be [num_embeddings, dim], got "
                    + weight.describe());
        }
        Indexing.requireIndexType("embedding", "ids", ids);
        long[] s = Arrays.copyOf(ids.shape(), ids.dim() + 1);
        s[ids.dim()] = weight.size(1);
        return weight.indexSelect(0, ids.reshape(-1)).reshape(s);
    }

    /**
     * int64 one-hot encoding of int64/int32 {@code labels}: shape {@code labels.shape + [numClasses]}; a negative
     * {@code numClasses} uses the largest label + 1, like torch.nn.functional.one_hot's -1.
     */
    public static Tensor oneHot(Tensor labels, long numClasses) {
        return IndexOps.oneHot(labels, numClasses);
    }

    // ------------------------------------------------------------------ losses

    private static Tensor reduce(Tensor loss, Reduction reduction) {
        return switch (reduction) {
            case MEAN -> loss.mean();
            case SUM -> loss.sum();
            case NONE -> loss;
        };
    }

    private static void sameShape(String op, Tensor input, Tensor target) {
        input.checkAlive(op);
        target.checkAlive(op);
        if (!Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException(op + ": input shape " + Shapes.str(input.shape())
                    + " and target shape " + Shapes.str(target.shape()) + " differ");
        }
    }

    /** Mean squared error. */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        input = Autocast.fp32(input);
        target = Autocast.fp32(target);
        sameShape("mseLoss", input, target);
        return reduce(input.sub(target).square(), reduction);
    }

    /** Mean squared error, averaged. */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return mseLoss(input, target, Reduction.MEAN);
    }

    /** Mean absolute error. */
    public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
        input = Autocast.fp32(input);
        target = Autocast.fp32(target);
        sameShape("l1Loss", input, target);
        return reduce(input.sub(target).abs(), reduction);
    }

    /** Smooth L1: {@code 0.5 d²/beta} where {@code |d| < beta}, else {@code |d| - beta/2}. */
    public static Tensor smoothL1Loss(Tensor input, Tensor target, Reduction reduction, double beta) {
        input = Autocast.fp32(input);
        target = Autocast.fp32(target);
        sameShape("smoothL1Loss", input, target);
        if (!(beta >= 0)) {
            throw new IllegalArgumentException("smoothL1Loss: beta must be >= 0, got " + beta);
        }
        Tensor d = input.sub(target);
        Tensor ad = d.abs();
        if (beta == 0) {
            return reduce(ad, reduction);
        }
        Tensor small = ad.detach().mask(UnaryOp.LT_SCALAR, beta);
        Tensor quad = d.square().mul(0.5 / beta);
        Tensor lin = ad.sub(0.5 * beta);
        return reduce(quad.mul(small).add(lin.mul(small.rsub(1.0))), reduction);
    }

    /** Huber: {@code 0.5 d²} where {@code |d| <= delta}, else {@code delta (|d| - delta/2)}. */
    public static Tensor huberLoss(Tensor input, Tensor target, Reduction reduction, double delta) {
        input = Autocast.fp32(input);
        target = Autocast.fp32(target);
        sameShape("huberLoss", input, target);
        if (!(delta > 0)) {
            throw new IllegalArgumentException("huberLoss: delta must be > 0, got " + delta);
        }
        Tensor d = input.sub(target);
        Tensor ad = d.abs();
        Tensor small = ad.detach().mask(UnaryOp.GT_SCALAR, delta).rsub(1.0);
        Tensor quad = d.square().mul(0.5);
        Tensor lin = ad.sub(0.5 * delta).mul(delta);
        return reduce(quad.mul(small).add(lin.mul(small.rsub(1.0))), reduction);
    }

    /** PyTorch's default {@code ignore_index} for the class losses: a target never equal to a class. */
    public static final long DEFAULT_IGNORE_INDEX = -100;

    /**
     * Negative log-likelihood of class indices, as PyTorch's {@code nll_loss}: input {@code [N, C, ...]} of
     * log-probabilities, target {@code [N, ...]} of class indices (int64 or int32), optional per-class
     * {@code weight} {@code [C]}. Targets equal to {@code ignoreIndex} give no loss and no gradient; the mean is
     * weighted: divided by the sum of the counted targets' weights (their number without weights), so a batch whose
     * targets are all ignored has a NaN mean, as in PyTorch.
     */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, long ignoreIndex, Reduction reduction) {
        return ClassLosses.nllLoss(Autocast.fp32(input), target, weight, ignoreIndex, reduction);
    }

    /** {@link #nllLoss(Tensor, Tensor, Tensor, long, Reduction)} with ignore index {@value #DEFAULT_IGNORE_INDEX}. */
    public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        return nllLoss(input, target, weight, DEFAULT_IGNORE_INDEX, reduction);
    }

    /** Negative log-likelihood, averaged, no class weights. */
    public static Tensor nllLoss(Tensor input, Tensor target) {
        return nllLoss(input, target, null, Reduction.MEAN);
    }

    /**
     * Cross entropy of logits {@code [N, C, ...]}, computed exactly as PyTorch's {@code cross_entropy}, against
     * either class indices {@code [N, ...]} (int64 or int32; those equal to {@code ignoreIndex} give no loss and
     * no gradient) or class probabilities (a floating tensor of the input's shape; {@code ignoreIndex} must then be
     * negative). Optional per-class {@code weight} {@code [C]}; {@code labelSmoothing} in [0, 1] mixes the target
     * with the uniform distribution.
     */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, long ignoreIndex,
                                      Reduction reduction, double labelSmoothing) {
        return ClassLosses.crossEntropy(Autocast.fp32(input), Autocast.fp32(target), weight, ignoreIndex, reduction,
                labelSmoothing);
    }

    /** {@link #crossEntropy(Tensor, Tensor, Tensor, long, Reduction, double)}, ignore index -100. */
    public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction,
                                      double labelSmoothing) {
        return crossEntropy(input, target, weight, DEFAULT_IGNORE_INDEX, reduction, labelSmoothing);
    }

    /** Cross entropy of logits against class indices (or probabilities), averaged. */
    public static Tensor crossEntropy(Tensor input, Tensor target) {
        return crossEntropy(input, target, null, Reduction.MEAN, 0.0);
    }

    /**
     * Binary cross entropy of probabilities {@code input} in [0, 1] against {@code target}; logs are clamped at
     * -100 as in PyTorch, so a 0 or 1 probability gives a finite loss. {@code weight} (broadcastable) may be null.
     */
    public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight, Reduction reduction) {
        input = Autocast.fp32(input);
        target = Autocast.fp32(target);
        sameShape("binaryCrossEntropy", input, target);
        Tensor logP = input.log().clamp(-100, Double.POSITIVE_INFINITY);
        Tensor log1mP = input.rsub(1.0).log().clamp(-100, Double.POSITIVE_INFINITY);
        Tensor loss = target.mul(logP).add(target.rsub(1.0).mul(log1mP)).neg();
        return reduce(weight == null ? loss : loss.mul(weight), reduction);
    }

    /**
     * Binary cross entropy on logits, computed stably as {@code (1-t)·x + (1+(pw-1)·t)·softplus(-x)};
     * {@code weight} and {@code posWeight} (broadcastable) may be null.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight, Tensor posWeight,
                                                      Reduction reduction) {
        input = Autocast.fp32(input);
        target = Autocast.fp32(target);
        sameShape("binaryCrossEntropyWithLogits", input, target);
        Tensor softplusNeg = input.neg().softplus();
        Tensor logWeight = posWeight == null ? null : posWeight.sub(1.0).mul(target).add(1.0);
        Tensor loss = target.rsub(1.0).mul(input).add(logWeight == null ? softplusNeg : logWeight.mul(softplusNeg));
        return reduce(weight == null ? loss : loss.mul(weight), reduction);
    }
}
