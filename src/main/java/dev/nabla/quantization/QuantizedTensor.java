package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.Arrays;

/**
 * An affinely quantized tensor, like PyTorch's quantized tensors: the integers ({@link #intRepr()}, uint8 or int8) and
 * either one {@code (scale, zeroPoint)} for the whole tensor or one per index along {@link #axis()} (per-channel,
 * what weights use). {@code real = scale * (q - zeroPoint)}.
 *
 * <p>The object owns its integer tensor (made outside any open {@link Scope}); {@link #close()} releases it, and any
 * use after that throws.
 */
public final class QuantizedTensor implements AutoCloseable {
    private final Tensor values;
    private final double[] scales;
    private final long[] zeroPoints;
    private final int axis;

    private QuantizedTensor(Tensor values, double[] scales, long[] zeroPoints, int axis) {
        this.values = values;
        this.scales = scales;
        this.zeroPoints = zeroPoints;
        this.axis = axis;
    }

    /**
     * Quantizes {@code x} with one scale and zero point, like {@code torch.quantize_per_tensor}: {@code q =
     * clamp(rint(x / scale) + zeroPoint)} (the division as a float32 multiply by the inverse, fbgemm's rule).
     *
     * @param x     float32 values (other floating dtypes are converted first)
     * @param dtype {@link DType#UINT8} or {@link DType#INT8}
     * @throws IllegalArgumentException when the dtype is not uint8/int8, the scale not positive and finite or the zero
     *                                  point outside the dtype's range
     */
    public static QuantizedTensor quantizePerTensor(Tensor x, double scale, long zeroPoint, DType dtype) {
        QuantRange.of(dtype, false);
        return Scope.detached(() -> {
            try (Grad off = Grad.disabled()) {
                Tensor q = F.quantizeToInt(asFloat32(x), scale, zeroPoint, dtype);
                return new QuantizedTensor(q, new double[] {(float) scale}, new long[] {zeroPoint}, -1);
            }
        });
    }

    /** Quantizes {@code x} with the given parameters; see {@link #quantizePerTensor(Tensor, double, long, DType)}. */
    public static QuantizedTensor quantizePerTensor(Tensor x, QParams params, DType dtype) {
        return quantizePerTensor(x, params.scale(), params.zeroPoint(), dtype);
    }

    /**
     * Quantizes each slice {@code x.select(axis, c)} with its own {@code scales[c]} and {@code zeroPoints[c]}, like
     * {@code torch.quantize_per_channel}.
     *
     * @throws IllegalArgumentException when the axis is out of range, the arrays' lengths differ from
     *                                  {@code x.size(axis)}, or a scale or zero point is invalid
     */
    public static QuantizedTensor quantizePerChannel(Tensor x, double[] scales, long[] zeroPoints, int axis,
                                                     DType dtype) {
        QuantRange.of(dtype, false);
        if (axis < 0 || axis >= x.dim()) {
            throw new IllegalArgumentException("quantizePerChannel: axis " + axis + " is out of range for "
                    + x.describe());
        }
        long channels = x.size(axis);
        if (scales.length != channels || zeroPoints.length != channels) {
            throw new IllegalArgumentException("quantizePerChannel: " + channels + " channels along axis " + axis
                    + " of " + x.describe() + ", but " + scales.length + " scales and " + zeroPoints.length
                    + " zero points");
        }
        return Scope.detached(() -> {
            try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
                Tensor xf = asFloat32(x);
                Tensor q = Tensor.empty(dtype, x.device(), x.shape());
                for (int c = 0; c < channels; c++) {
                    q.select(axis, c).copy_(F.quantizeToInt(xf.select(axis, c), scales[c], zeroPoints[c], dtype));
                }
                return new QuantizedTensor(s.keep(q), scales.clone(), zeroPoints.clone(), axis);
            }
        });
    }

    /**
     * Wraps integers that are already quantized (a loaded state dict's, PyTorch's {@code int_repr()}); the tensor is
     * copied.
     *
     * @param axis -1 for one scale and zero point, else the channel axis ({@code scales.length == values.size(axis)})
     * @throws IllegalArgumentException when the values are not uint8/int8 or the parameters do not fit them
     */
    public static QuantizedTensor fromInts(Tensor values, double[] scales, long[] zeroPoints, int axis) {
        QuantRange range = QuantRange.of(values.dtype(), false);
        long expected = axis < 0 ? 1 : values.size(axis);
        if (axis >= values.dim() || scales.length != expected || zeroPoints.length != expected) {
            throw new IllegalArgumentException("fromInts: " + values.describe() + " with axis " + axis + " needs "
                    + expected + " scales and zero points, got " + scales.length + " and " + zeroPoints.length);
        }
        for (int c = 0; c < scales.length; c++) {
            new QParams(scales[c], zeroPoints[c]);
            if (zeroPoints[c] < range.min() || zeroPoints[c] > range.max()) {
                throw new IllegalArgumentException("fromInts: zero point " + zeroPoints[c] + " is outside "
                        + values.dtype() + "'s range");
            }
        }
        Tensor copy = Scope.detached(() -> {
            try (Grad off = Grad.disabled()) {
                return values.detach().clone();
            }
        });
        return new QuantizedTensor(copy, scales.clone(), zeroPoints.clone(), axis);
    }

    private static Tensor asFloat32(Tensor x) {
        if (!x.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("quantize: the input must be floating point, got " + x.describe());
        }
        return x.dtype() == DType.FLOAT32 ? x.detach() : x.detach().to(DType.FLOAT32);
    }

    /**
     * The real values, float32: {@code (q - zeroPoint) * scale} (the difference exact, one float32 rounding; per
     * tensor the float32 scale, per channel the float64 one, as PyTorch), in the caller's scope.
     */
    public Tensor dequantize() {
        try (Grad off = Grad.disabled()) {
            if (axis < 0) {
                Tensor q = intRepr().to(DType.FLOAT32);
                return q.sub((double) zeroPoints[0]).mul((double) (float) scales[0]);
            }
            // per channel, PyTorch multiplies by the float64 scale and rounds once to float32
            long[] shape = new long[values.dim()];
            Arrays.fill(shape, 1);
            shape[axis] = scales.length;
            double[] z = new double[scales.length];
            for (int c = 0; c < z.length; c++) {
                z[c] = zeroPoints[c];
            }
            Device d = values.device();
            Tensor wide = intRepr().to(DType.FLOAT64);
            return wide.sub(Tensor.of(z, DType.FLOAT64, d, shape)).mul(Tensor.of(scales, DType.FLOAT64, d, shape))
                    .to(DType.FLOAT32);
        }
    }

    /** The integers (owned by this object: do not close; clone to keep them beyond it). */
    public Tensor intRepr() {
        if (values.isClosed()) {
            throw new IllegalStateException("intRepr: this QuantizedTensor was closed");
        }
        return values;
    }

    /** True when each index along {@link #axis()} has its own parameters. */
    public boolean isPerChannel() {
        return axis >= 0;
    }

    /** The channel axis, or -1 when one scale and zero point serve the whole tensor. */
    public int axis() {
        return axis;
    }

    /** The scales: one (a float32 value), or one per channel (as given). */
    public double[] scales() {
        return scales.clone();
    }

    /** The zero points: one, or one per channel. */
    public long[] zeroPoints() {
        return zeroPoints.clone();
    }

    /** The per-tensor scale. @throws IllegalStateException when per-channel */
    public double scale() {
        requirePerTensor("scale");
        return scales[0];
    }

    /** The per-tensor zero point. @throws IllegalStateException when per-channel */
    public long zeroPoint() {
        requirePerTensor("zeroPoint");
        return zeroPoints[0];
    }

    private void requirePerTensor(String what) {
        if (axis >= 0) {
            throw new IllegalStateException(what + "(): this tensor is quantized per channel along axis " + axis
                    + "; use scales()/zeroPoints()");
        }
    }

    /** The integer dtype: uint8 or int8. */
    public DType dtype() {
        return values.dtype();
    }

    /** The shape. */
    public long[] shape() {
        return values.shape();
    }

    /** The device of the integers. */
    public Device device() {
        return values.device();
    }

    /** Releases the integers. Idempotent. */
    @Override
    public void close() {
        values.close();
    }

    @Override
    public String toString() {
        return "QuantizedTensor(" + values.describe() + (axis < 0
                ? ", scale=" + scales[0] + ", zero_point=" + zeroPoints[0]
                : ", per-channel axis=" + axis) + ")";
    }
}
