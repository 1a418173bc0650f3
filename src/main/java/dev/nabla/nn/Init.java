package dev.nabla.nn;

import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.Arrays;

/**
 * Parameter initialisers with the semantics of {@code torch.nn.init}. Every method fills the given tensor in place
 * (without recording autograd, so it works on a module's live parameters) from the given {@link Generator}, and
 * returns it.
 *
 * <pre>{@code
 * var conv = new Conv2d(3, 16, 3);
 * Init.kaimingNormal(conv.namedParameters().get("weight"), 0, Init.FanMode.FAN_OUT, Init.Nonlinearity.RELU, gen);
 * Init.zeros(conv.namedParameters().get("bias"));
 * }</pre>
 *
 * <p>Fans follow {@code torch.nn.init._calculate_fan_in_and_fan_out}: for a weight {@code [out, in, k...]},
 * {@code fan_in = in * prod(k)} and {@code fan_out = out * prod(k)}.
 */
public final class Init {
    private Init() {
    }

    /** Which fan the kaiming initialisers preserve: the forward pass's variance or the backward pass's. */
    public enum FanMode {
        /** Preserve the variance of the activations in the forward pass (PyTorch's default). */
        FAN_IN,
        /** Preserve the variance of the gradients in the backward pass. */
        FAN_OUT
    }

    /** The non-linearities {@link #gain} knows, as in {@code torch.nn.init.calculate_gain}. */
    public enum Nonlinearity {
        /** Gain 1. */
        LINEAR,
        /** Any convolution: gain 1. */
        CONV,
        /** Gain 1. */
        SIGMOID,
        /** Gain 5/3. */
        TANH,
        /** Gain sqrt(2). */
        RELU,
        /** Gain sqrt(2 / (1 + negative_slope^2)). */
        LEAKY_RELU,
        /** Gain 3/4. */
        SELU
    }

    /**
     * The fans of a weight.
     *
     * @param fanIn  inputs feeding each output unit ({@code size(1) * receptive field})
     * @param fanOut outputs each input unit feeds ({@code size(0) * receptive field})
     */
    public record Fans(long fanIn, long fanOut) {
    }

    /** The fans of {@code t}, which must have at least 2 dimensions. */
    public static Fans fans(Tensor t) {
        return fans(t.shape());
    }

    /** The fans of a weight of this shape (at least 2 dimensions). */
    public static Fans fans(long[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException("Init: fan in and fan out can not be computed for a tensor with fewer "
                    + "than 2 dimensions, got shape " + Arrays.toString(shape));
        }
        long receptive = 1;
        for (int d = 2; d < shape.length; d++) {
            receptive *= shape[d];
        }
        return new Fans(shape[1] * receptive, shape[0] * receptive);
    }

    /** The recommended gain for {@code nonlinearity}; LEAKY_RELU uses PyTorch's default slope 0.01. */
    public static double gain(Nonlinearity nonlinearity) {
        return gain(nonlinearity, 0.01);
    }

    /** The recommended gain for {@code nonlinearity}; {@code negativeSlope} is used by LEAKY_RELU only. */
    public static double gain(Nonlinearity nonlinearity, double negativeSlope) {
        return switch (nonlinearity) {
            case LINEAR, CONV, SIGMOID -> 1.0;
            case TANH -> 5.0 / 3;
            case RELU -> Math.sqrt(2.0);
            case LEAKY_RELU -> Math.sqrt(2.0 / (1 + negativeSlope * negativeSlope));
            case SELU -> 3.0 / 4;
        };
    }

    // ------------------------------------------------------------------ basic fills

    /** Fills {@code t} with {@code value}. */
    public static Tensor constant(Tensor t, double value) {
        try (Grad off = Grad.disabled()) {
            return t.fill_(value);
        }
    }

    /** Fills {@code t} with zeros. */
    public static Tensor zeros(Tensor t) {
        return constant(t, 0.0);
    }

    /** Fills {@code t} with ones. */
    public static Tensor ones(Tensor t) {
        return constant(t, 1.0);
    }

    /** Fills {@code t} with values uniform in {@code [lo, hi)}. */
    public static Tensor uniform(Tensor t, double lo, double hi, Generator generator) {
        return fill(t, () -> Tensor.uniform(generator, lo, hi, t.dtype(), t.device(), t.shape()));
    }

    /** Fills {@code t} with normal values of mean {@code mean} and standard deviation {@code std}. */
    public static Tensor normal(Tensor t, double mean, double std, Generator generator) {
        return fill(t, () -> Tensor.normal(generator, mean, std, t.dtype(), t.device(), t.shape()));
    }

    private static Tensor fill(Tensor t, java.util.function.Supplier<Tensor> values) {
        Checks.alive("Init", t);
        if (t.numel() == 0) {
            return t;
        }
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            t.copy_(values.get());
        }
        return t;
    }

    // ------------------------------------------------------------------ kaiming (He et al., 2015)

    private static double kaimingStd(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
        Fans f = fans(t);
        long fan = mode == FanMode.FAN_IN ? f.fanIn() : f.fanOut();
        return gain(nonlinearity, a) / Math.sqrt(fan);
    }

    /**
     * Kaiming (He) uniform: {@code U(-b, b)} with {@code b = gain * sqrt(3 / fan)}, where the gain comes from
     * {@code nonlinearity} and {@code a} (the negative slope, used by LEAKY_RELU).
     * {@code kaimingUniform(w, Math.sqrt(5), FAN_IN, LEAKY_RELU, g)} is PyTorch's default for Linear and Conv
     * weights: {@code U(±1/sqrt(fan_in))}.
     */
    public static Tensor kaimingUniform(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity,
                                        Generator generator) {
        if (t.numel() == 0) {
            return t;
        }
        double bound = Math.sqrt(3.0) * kaimingStd(t, a, mode, nonlinearity);
        return uniform(t, -bound, bound, generator);
    }

    /** Kaiming uniform with PyTorch's defaults: {@code a = 0}, FAN_IN, LEAKY_RELU (so gain sqrt(2)). */
    public static Tensor kaimingUniform(Tensor t, Generator generator) {
        return kaimingUniform(t, 0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, generator);
    }

    /** Kaiming (He) normal: {@code N(0, std²)} with {@code std = gain / sqrt(fan)}. */
    public static Tensor kaimingNormal(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity,
                                       Generator generator) {
        if (t.numel() == 0) {
            return t;
        }
        return normal(t, 0, kaimingStd(t, a, mode, nonlinearity), generator);
    }

    /** Kaiming normal with PyTorch's defaults: {@code a = 0}, FAN_IN, LEAKY_RELU (so gain sqrt(2)). */
    public static Tensor kaimingNormal(Tensor t, Generator generator) {
        return kaimingNormal(t, 0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU, generator);
    }

    // ------------------------------------------------------------------ xavier (Glorot & Bengio, 2010)

    private static double xavierStd(Tensor t, double gain) {
        Fans f = fans(t);
        return gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut()));
    }

    /** Xavier (Glorot) uniform: {@code U(-b, b)} with {@code b = gain * sqrt(6 / (fan_in + fan_out))}. */
    public static Tensor xavierUniform(Tensor t, double gain, Generator generator) {
        double bound = Math.sqrt(3.0) * xavierStd(t, gain);
        return uniform(t, -bound, bound, generator);
    }

    /** Xavier uniform with gain 1. */
    public static Tensor xavierUniform(Tensor t, Generator generator) {
        return xavierUniform(t, 1.0, generator);
    }

    /** Xavier (Glorot) normal: {@code N(0, std²)} with {@code std = gain * sqrt(2 / (fan_in + fan_out))}. */
    public static Tensor xavierNormal(Tensor t, double gain, Generator generator) {
        return normal(t, 0, xavierStd(t, gain), generator);
    }

    /** Xavier normal with gain 1. */
    public static Tensor xavierNormal(Tensor t, Generator generator) {
        return xavierNormal(t, 1.0, generator);
    }

    // ------------------------------------------------------------------ orthogonal (Saxe et al., 2013)

    /**
     * A (semi-)orthogonal matrix scaled by {@code gain}, as {@code torch.nn.init.orthogonal_}: {@code t} is viewed as
     * {@code [size(0), numel/size(0)]}, a normal matrix is drawn and replaced by the Q of its QR decomposition
     * (signs fixed so R has a positive diagonal), so the rows (or, for a tall matrix, the columns) are orthonormal.
     * The decomposition runs on the host in float64 (modified Gram-Schmidt, applied twice for accuracy).
     */
    public static Tensor orthogonal(Tensor t, double gain, Generator generator) {
        Checks.alive("orthogonal", t);
        if (t.dim() < 2) {
            throw new IllegalArgumentException("orthogonal: only tensors with 2 or more dimensions are supported, got "
                    + t.describe());
        }
        if (t.numel() == 0) {
            return t;
        }
        int rows = Math.toIntExact(t.size(0));
        int cols = Math.toIntExact(t.numel() / rows);
        double[][] a = new double[rows][cols]; // a[i][j], drawn row-major like torch's flattened normal
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                a[i][j] = generator.nextGaussian();
            }
        }
        boolean wide = rows < cols;
        // Orthonormalise the columns of the tall matrix m (m x n, m >= n): columns of a, or of a^T when wide.
        int m = wide ? cols : rows;
        int n = wide ? rows : cols;
        double[][] q = new double[n][m]; // q[k] = column k
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < m; i++) {
                q[k][i] = wide ? a[k][i] : a[i][k];
            }
        }
        for (int k = 0; k < n; k++) {
            for (int pass = 0; pass < 2; pass++) {
                for (int j = 0; j < k; j++) {
                    double dot = 0;
                    for (int i = 0; i < m; i++) {
                        dot += q[j][i] * q[k][i];
                    }
                    for (int i = 0; i < m; i++) {
                        q[k][i] -= dot * q[j][i];
                    }
                }
            }
            double norm = 0;
            for (int i = 0; i < m; i++) {
                norm += q[k][i] * q[k][i];
            }
            norm = Math.sqrt(norm);
            if (norm == 0) {
                throw new ArithmeticException("orthogonal: the random matrix is rank-deficient; draw again");
            }
            for (int i = 0; i < m; i++) {
                q[k][i] /= norm;
            }
        }
        double[] out = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = gain * (wide ? q[i][j] : q[j][i]);
            }
        }
        return fill(t, () -> Tensor.of(out, t.dtype(), t.device(), t.shape()));
    }

    /** {@link #orthogonal(Tensor, double, Generator)} with gain 1. */
    public static Tensor orthogonal(Tensor t, Generator generator) {
        return orthogonal(t, 1.0, generator);
    }
}
