package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;

/**
 * A dynamically quantized linear layer, like {@code torch.ao.nn.quantized.dynamic.Linear}: the weight is stored as
 * int8 (symmetric, per output channel or per tensor), and each call quantizes its input batch to uint8 from the
 * batch's own min and max ({@link QParams#forDynamicInput} with {@code reduceRange}, as PyTorch's module does), runs
 * the exact int8 GEMM ({@link F#quantizedLinear}) and adds the float32 bias.
 *
 * <p>Buffers (so {@link #stateDict()} and safetensors round trips need nothing special): {@code weight} int8
 * {@code [out, in]}, {@code weight_scale} float64 and {@code weight_zero_point} int64 ({@code [out]} per channel,
 * {@code [1]} per tensor; zero points are 0) and, when the layer has one, {@code bias} float32 {@code [out]}.
 *
 * <p>Inference only: a forward with gradients enabled on an input that requires grad throws, since the result could
 * carry no gradient. Runs on the {@code cpu} device (oneDNN int8 GEMM) and the {@code java} device (pure-Java kernels).
 */
public final class DynamicQuantizedLinear extends Module {
    private static final String NAME = "DynamicQuantizedLinear";
    /** PyTorch's dynamic Linear quantizes activations to 7 bits ({@code reduce_range=True}). */
    private static final boolean REDUCE_RANGE = true;

    private final long in;
    private final long out;
    private final boolean perChannel;
    private final boolean hasBias;
    /** A cache of {@code weight_scale}'s inverses; see {@link #inverseWeightScales()}. */
    private volatile InverseScales inverseScales;

    /**
     * A layer from an already quantized weight (a loaded checkpoint's, PyTorch's {@code int_repr()}) and a bias.
     *
     * @param weight int8 {@code [out, in]}, per tensor or per channel along axis 0, zero points 0 (symmetric)
     * @param bias   float {@code [out]}, or null; copied (as float32)
     * @throws IllegalArgumentException when the weight is not such a tensor or the bias does not fit it
     */
    public DynamicQuantizedLinear(QuantizedTensor weight, Tensor bias) {
        if (weight.dtype() != DType.INT8 || weight.shape().length != 2 || weight.shape()[1] < 1) {
            throw new IllegalArgumentException(NAME + ": the weight must be int8 [out, in], got " + weight);
        }
        if (weight.isPerChannel() && weight.axis() != 0) {
            throw new IllegalArgumentException(NAME + ": a per-channel weight must be quantized along its output axis "
                    + "0, got axis " + weight.axis());
        }
        for (long zp : weight.zeroPoints()) {
            if (zp != 0) {
                throw new IllegalArgumentException(NAME + ": the weight must be symmetric (zero points 0), got zero "
                        + "point " + zp);
            }
        }
        this.out = weight.shape()[0];
        this.in = weight.shape()[1];
        this.perChannel = weight.isPerChannel();
        this.hasBias = bias != null;
        if (bias != null && (bias.dim() != 1 || bias.size(0) != out || !bias.dtype().isFloatingPoint()
                || bias.device() != weight.device())) {
            throw new IllegalArgumentException(NAME + ": the bias must be a floating-point vector of " + out
                    + " values on " + weight.device() + ", got " + bias.describe());
        }
        Device device = weight.device();
        try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
            registerBuffer("weight", weight.intRepr());
            long channels = weight.scales().length;
            registerBuffer("weight_scale", Tensor.of(weight.scales(), DType.FLOAT64, device, channels));
            registerBuffer("weight_zero_point", Tensor.of(weight.zeroPoints(), DType.INT64, device, channels));
            if (bias != null) {
                registerBuffer("bias", bias.detach().to(DType.FLOAT32));
            }
        }
        eval();
    }

    /**
     * Quantizes a float {@link Linear}'s weight per output channel (symmetric int8, like PyTorch's
     * {@code per_channel_dynamic_qconfig}); the bias stays float32. The float layer is left as it is.
     */
    public static DynamicQuantizedLinear from(Linear linear) {
        return from(linear, true);
    }

    /**
     * Quantizes a float {@link Linear}'s weight to symmetric int8, per output channel or (with {@code perChannel}
     * false, PyTorch's {@code default_dynamic_qconfig}) with one scale; the scales are chosen as PyTorch's
     * {@code MinMaxObserver}/{@code PerChannelMinMaxObserver} choose them. The float layer is left as it is; a pruned
     * one ({@link dev.nabla.nn.Prune}) is quantized with its mask applied, as its forward computes.
     *
     * @throws IllegalArgumentException when the layer was closed
     */
    public static DynamicQuantizedLinear from(Linear linear, boolean perChannel) {
        try (Scope s = Scope.open()) {
            if (linear.stateDict().values().stream().anyMatch(Tensor::isClosed)) {
                throw new IllegalArgumentException(NAME + ".from: the Linear layer was closed");
            }
            try (QuantizedTensor q = WeightQuantizer.symmetricInt8(FloatParameters.of(linear, "weight"), perChannel)) {
                return new DynamicQuantizedLinear(q, FloatParameters.of(linear, "bias"));
            }
        }
    }

    /**
     * {@code x · Wᵀ + b} through int8: {@code x} quantized to uint8 with its own range, the products exact, each
     * output channel scaled by {@code 1 / ((1 / xScale) * (1 / wScale[j]))} in float32 (the arithmetic of PyTorch's
     * onednn engine, ideep's inverse-scale convention).
     *
     * @param x float32 {@code [..., in]}
     * @return float32 {@code [..., out]}
     * @throws IllegalStateException    after {@link #close()}
     * @throws IllegalArgumentException for a wrong dtype, width or device, or an input requiring grad while gradients
     *                                  are enabled
     */
    @Override
    public Tensor forward(Tensor x) {
        Tensor w = buffer("weight");
        if (w.isClosed()) {
            throw new IllegalStateException(NAME + ": this layer was closed");
        }
        checkInput(x, w);
        QParams q = inputParams(x);
        Tensor xq = F.quantizeToInt(x, q.scale(), q.zeroPoint(), DType.UINT8);
        return F.quantizedLinear(xq, q.zeroPoint(), w, outputScales(q.scale(), w.device()),
                hasBias ? buffer("bias") : null);
    }

    private void checkInput(Tensor x, Tensor w) {
        if (x.isClosed()) {
            throw new IllegalStateException(NAME + ": the input " + x.describe() + " has been released");
        }
        if (x.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(NAME + ": the input must be float32, got " + x.describe());
        }
        if (x.dim() == 0 || x.size(-1) != in) {
            throw new IllegalArgumentException(NAME + ": expected input [..., " + in + "] (in_features=" + in
                    + "), got " + x.describe());
        }
        if (x.device() != w.device()) {
            throw new IllegalArgumentException(NAME + ": the input is on " + x.device() + " but the layer on "
                    + w.device());
        }
        if (x.requiresGrad() && Grad.isEnabled()) {
            throw new IllegalArgumentException(NAME + " is inference only and records no gradient, but the input "
                    + "requires grad: run it under Grad.disabled() or pass x.detach()");
        }
    }

    private static QParams inputParams(Tensor x) {
        if (x.numel() == 0) {
            return QParams.forDynamicInput(0, 0, REDUCE_RANGE);
        }
        double[] range = F.minMax(x);
        if (Double.isNaN(range[0])) {
            throw new IllegalArgumentException(NAME + ": the input " + x.describe() + " contains NaN");
        }
        return QParams.forDynamicInput(range[0], range[1], REDUCE_RANGE);
    }

    /** {@code 1f / ((float) (1 / xScale) * (1f / (float) wScale[j]))}, one per weight scale. */
    private Tensor outputScales(double xScale, Device device) {
        float[] inverseW = inverseWeightScales();
        float inverseX = (float) (1.0 / xScale);
        float[] scales = new float[inverseW.length];
        for (int j = 0; j < scales.length; j++) {
            scales[j] = 1f / (inverseX * inverseW[j]);
        }
        Tensor t = Tensor.of(scales);
        return device == Device.CPU ? t : t.to(device);
    }

    /**
     * {@code 1f / (float) wScale[j]}, read from the {@code weight_scale} buffer once per change of it (its version
     * counts in-place writes such as {@link #loadStateDict}'s), so a forward does not copy it to the host.
     */
    private float[] inverseWeightScales() {
        Tensor buffer = buffer("weight_scale");
        InverseScales cached = inverseScales;
        if (cached == null || cached.version() != buffer.version()) {
            double[] w = buffer.toDoubleArray();
            float[] inverse = new float[w.length];
            for (int j = 0; j < w.length; j++) {
                inverse[j] = 1f / (float) w[j];
            }
            cached = new InverseScales(buffer.version(), inverse);
            inverseScales = cached;
        }
        return cached.values();
    }

    /** The inverse weight scales and the buffer version they were read at (immutable: safe to share by threads). */
    private record InverseScales(long version, float[] values) {
    }

    /**
     * A copy of the quantized weight (PyTorch's {@code weight()}); the caller closes it.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public QuantizedTensor weight() {
        Tensor w = buffer("weight");
        if (w.isClosed()) {
            throw new IllegalStateException(NAME + ": this layer was closed");
        }
        return QuantizedTensor.fromInts(w, buffer("weight_scale").toDoubleArray(),
                buffer("weight_zero_point").toLongArray(), perChannel ? 0 : -1);
    }

    /** Input features. */
    public long inFeatures() {
        return in;
    }

    /** Output features. */
    public long outFeatures() {
        return out;
    }

    /** True when each output channel has its own weight scale. */
    public boolean isPerChannel() {
        return perChannel;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", dtype=torch.qint8, qscheme=torch."
                + (perChannel ? "per_channel_affine" : "per_tensor_affine");
    }
}
