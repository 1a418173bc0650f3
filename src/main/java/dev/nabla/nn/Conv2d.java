package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * 2-D convolution over {@code [N, C, H, W]} inputs, like {@code torch.nn.Conv2d}. Weight
 * {@code [out, in/groups, kh, kw]} and bias {@code [out]} start as PyTorch's do: kaiming-uniform with
 * {@code a = sqrt(5)}, i.e. {@code U(±1/sqrt(fan_in))} with {@code fan_in = in/groups * kh * kw}, for both.
 *
 * <pre>{@code
 * var conv = new Conv2d(3, 16, 3, 1, 1);     // 3x3, stride 1, padding 1: keeps H and W
 * Tensor y = conv.forward(images);          // [N, 16, H, W]
 * }</pre>
 */
public final class Conv2d extends Module {
    private final long in;
    private final long out;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;

    /** A square {@code kernel x kernel} float32 CPU convolution with stride 1, no padding, and bias. */
    public Conv2d(long in, long out, int kernel) {
        this(in, out, kernel, 1, 0);
    }

    /** A square float32 CPU convolution with bias. */
    public Conv2d(long in, long out, int kernel, int stride, int padding) {
        this(in, out, new int[] {kernel, kernel}, new int[] {stride, stride}, new int[] {padding, padding},
                new int[] {1, 1}, 1, true, Generator.global(), DType.FLOAT32, Device.CPU);
    }

    /**
     * A square {@code kernel x kernel} convolution with stride 1, no padding and bias, of {@code dtype} on
     * {@code device}, initialised from the global generator, like PyTorch's
     * {@code nn.Conv2d(in, out, kernel, device=..., dtype=...)}.
     */
    public Conv2d(long in, long out, int kernel, DType dtype, Device device) {
        this(in, out, new int[] {kernel, kernel}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1, true,
                Generator.global(), dtype, device);
    }

    /** A convolution with every option but the generator: initialised from the global generator. */
    public Conv2d(long in, long out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups,
                  boolean bias, DType dtype, Device device) {
        this(in, out, kernel, stride, padding, dilation, groups, bias, Generator.global(), dtype, device);
    }

    /**
     * A convolution with every option; {@code kernel}, {@code stride}, {@code padding} and {@code dilation} are
     * {@code {height, width}} pairs.
     */
    public Conv2d(long in, long out, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups,
                  boolean bias, Generator generator, DType dtype, Device device) {
        this.kernel = pair("kernel", kernel, 1);
        this.stride = pair("stride", stride, 1);
        this.padding = pair("padding", padding, 0);
        this.dilation = pair("dilation", dilation, 1);
        if (in < 1 || out < 1 || groups < 1 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException("Conv2d: channels must be positive and divisible by groups, got in=" + in
                    + ", out=" + out + ", groups=" + groups);
        }
        this.in = in;
        this.out = out;
        this.groups = groups;
        Tensor w = registerParameter("weight",
                Tensor.zeros(dtype, device, out, in / groups, this.kernel[0], this.kernel[1]));
        Init.kaimingUniform(w, Math.sqrt(5), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU, generator);
        if (bias) {
            double bound = 1.0 / Math.sqrt(Init.fans(w).fanIn());
            Init.uniform(registerParameter("bias", Tensor.zeros(dtype, device, out)), -bound, bound, generator);
        }
    }

    static int[] pair(String what, int[] p, int min) {
        if (p == null || p.length != 2 || p[0] < min || p[1] < min) {
            throw new IllegalArgumentException(what + " must be two integers >= " + min + ", got "
                    + java.util.Arrays.toString(p));
        }
        return p.clone();
    }

    /** Input channels. */
    public long inChannels() {
        return in;
    }

    /** Output channels. */
    public long outChannels() {
        return out;
    }

    /** The window, {@code {height, width}}. */
    public int[] kernelSize() {
        return kernel.clone();
    }

    /** The stride, {@code {height, width}}. */
    public int[] stride() {
        return stride.clone();
    }

    /** The zero padding on each side, {@code {height, width}}. */
    public int[] padding() {
        return padding.clone();
    }

    /** The dilation, {@code {height, width}}. */
    public int[] dilation() {
        return dilation.clone();
    }

    /** The number of channel groups. */
    public int groups() {
        return groups;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != in) {
            throw new IllegalArgumentException("Conv2d: expected input [N, " + in + ", H, W], got " + x.describe());
        }
        return F.conv2d(x, param("weight"), paramOrNull("bias"), stride, padding, dilation, groups);
    }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(in).append(", ").append(out).append(", kernel_size=")
                .append(Repr.pair(kernel)).append(", stride=").append(Repr.pair(stride));
        if (padding[0] != 0 || padding[1] != 0) {
            s.append(", padding=").append(Repr.pair(padding));
        }
        if (dilation[0] != 1 || dilation[1] != 1) {
            s.append(", dilation=").append(Repr.pair(dilation));
        }
        if (groups != 1) {
            s.append(", groups=").append(groups);
        }
        if (paramOrNull("bias") == null) {
            s.append(", bias=False");
        }
        return s.toString();
    }
}
