package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * {@code y = x · Wᵀ + b}, like {@code torch.nn.Linear}. Weight {@code [out, in]} and bias {@code [out]} start
 * uniform in {@code ±1/sqrt(in)} (PyTorch's default: kaiming-uniform with {@code a = sqrt(5)}).
 */
public final class Linear extends Module {
    private final long in;
    private final long out;

    /** A float32 CPU layer with bias, initialised from the global generator. */
    public Linear(long in, long out) {
        this(in, out, true, Generator.global(), DType.FLOAT32, Device.CPU);
    }

    /**
     * A layer with bias of {@code dtype} on {@code device}, initialised from the global generator, like PyTorch's
     * {@code nn.Linear(in, out, device=..., dtype=...)}.
     */
    public Linear(long in, long out, DType dtype, Device device) {
        this(in, out, true, Generator.global(), dtype, device);
    }

    /** A layer of {@code dtype} on {@code device}, initialised from the global generator. */
    public Linear(long in, long out, boolean bias, DType dtype, Device device) {
        this(in, out, bias, Generator.global(), dtype, device);
    }

    /** A layer with explicit options. */
    public Linear(long in, long out, boolean bias, Generator generator, DType dtype, Device device) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        double bound = 1.0 / Math.sqrt(in);
        registerParameter("weight", Tensor.uniform(generator, -bound, bound, dtype, device, out, in));
        if (bias) {
            registerParameter("bias", Tensor.uniform(generator, -bound, bound, dtype, device, out));
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return F.linear(x, param("weight"), paramOrNull("bias"));
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + in + ", out_features=" + out + ", bias=" + (paramOrNull("bias") != null ? "True" : "False");
    }
}
