package dev.nabla.benchmarks;

import dev.nabla.Autograd;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Activations that are compositions in nature, forward + backward through the public API: {@code fused} (the
 * Tensor method, one element-wise kernel forward, its gradient rule backward) against {@code composed} (the same
 * function written with primitive Tensor ops, whose backward autograd chains from the primitives' rules). It decides
 * which activations keep a kernel of their own: the numbers go into comments on {@code UnaryOp}. Exact GELU and mish
 * lost theirs here (composed/fused 0.54 and 0.80 on 2026-12-06): their Tensor methods are now the compositions.
 *
 * <p>Input: float32 {@code [256, 1024]}, {@code U[-4, 4)}, requiring grad, like a hidden layer of the MLP; each
 * invocation computes {@code y = f(x)} and {@code dL/dx} for a fixed {@code dL/dy} inside a {@link dev.nabla.Scope},
 * so intermediates come from the memory pool and go back to it, as in a training step. The trial setup checks that
 * both implementations give the same values and gradients within float32 rounding, so the comparison is honest.
 *
 * <p>Settings: one fork, 3 warm-up and 5 measured iterations of 1 s; fused and composed of one op must be compared
 * within one run (the machine's speed drifts between runs).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class ActivationBenchmark {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double LEAKY_SLOPE = 0.01;
    private static final double ELU_ALPHA = 1.0;
    private static final double CLAMP_MIN = -1.0;
    private static final double CLAMP_MAX = 1.0;

    /** Each activation as its Tensor method and as a composition of primitive Tensor ops. */
    enum Activation {
        GELU_TANH(Tensor::geluTanh,
                x -> x.mul(x.square().mul(0.044715).add(1.0)).mul(SQRT_2_OVER_PI).tanh().add(1.0).mul(x).mul(0.5)),
        SILU(Tensor::silu, x -> x.mul(x.sigmoid())),
        // relu(x) + log(1 + e^-|x|): no overflow for large |x|
        SOFTPLUS(Tensor::softplus, x -> x.relu().add(x.abs().neg().exp().add(1.0).log())),
        // relu(x) + alpha (e^min(x, 0) - 1): the exponential never overflows
        ELU(x -> x.elu(ELU_ALPHA),
                x -> x.relu().add(x.clamp(Double.NEGATIVE_INFINITY, 0.0).exp().sub(1.0).mul(ELU_ALPHA))),
        // x * (x > 0 ? 1 : slope), the factor exactly 1 or slope; it is a constant to autograd
        LEAKY_RELU(x -> x.leakyRelu(LEAKY_SLOPE), x -> {
            Tensor positive = x.gt(0.0).to(x.dtype()); // comparisons give bool: the mask in x's dtype
            return x.mul(positive.rsub(1.0).mul(LEAKY_SLOPE).add(positive));
        }),
        CLAMP(x -> x.clamp(CLAMP_MIN, CLAMP_MAX), x -> x.maximum(scalarLike(CLAMP_MIN, x)).minimum(
                scalarLike(CLAMP_MAX, x))),
        HARDSWISH(Tensor::hardswish, x -> x.mul(x.add(3.0).clamp(0.0, 6.0).div(6.0)));

        final UnaryOperator<Tensor> fused;
        final UnaryOperator<Tensor> composed;

        Activation(UnaryOperator<Tensor> fused, UnaryOperator<Tensor> composed) {
            this.fused = fused;
            this.composed = composed;
        }

        /** {@code fused} or {@code composed}. */
        UnaryOperator<Tensor> impl(String impl) {
            return switch (impl) {
                case "fused" -> fused;
                case "composed" -> composed;
                default -> throw new IllegalArgumentException("impl must be fused or composed, got " + impl);
            };
        }
    }

    /** A 0-d tensor of {@code value} with {@code like}'s dtype and device. */
    static Tensor scalarLike(double value, Tensor like) {
        return Tensor.scalar(value, like.dtype(), like.device());
    }

    /** The input, the output's gradient and the function under test. */
    @State(Scope.Benchmark)
    public static class Inputs {
        /** The activation ({@link Activation}, lower case). */
        @Param({"gelu_tanh", "silu", "softplus", "elu", "leaky_relu", "clamp", "hardswish"})
        public String op;

        /** {@code fused} (the Tensor method) or {@code composed} (primitive Tensor ops). */
        @Param({"fused", "composed"})
        public String impl;

        /** {@code cpu} ({@code -p device=java} runs the pure-Java device). */
        @Param({"cpu"})
        public String device;

        Tensor x;
        Tensor gradOutput;
        UnaryOperator<Tensor> function;

        @Setup(Level.Trial)
        public void setUp() {
            Device d = Device.parse(device);
            var generator = new Generator(17);
            // No scope is open: these live until tearDown.
            x = Tensor.uniform(generator, -4, 4, DType.FLOAT32, d, 256, 1024).requiresGrad_(true);
            gradOutput = Tensor.uniform(generator, -1, 1, DType.FLOAT32, d, 256, 1024);
            Activation activation = Activation.valueOf(op.toUpperCase(java.util.Locale.ROOT));
            function = activation.impl(impl);
            checkSameValues(activation);
        }

        /** Fails the trial unless fused and composed agree in value and gradient within float32 rounding. */
        private void checkSameValues(Activation activation) {
            try (dev.nabla.Scope check = dev.nabla.Scope.open()) {
                Tensor yFused = activation.fused.apply(x);
                Tensor gFused = gradient(yFused, x, gradOutput);
                Tensor yComposed = activation.composed.apply(x);
                Tensor gComposed = gradient(yComposed, x, gradOutput);
                assertClose(activation + " forward", yFused.toFloatArray(), yComposed.toFloatArray());
                assertClose(activation + " backward", gFused.toFloatArray(), gComposed.toFloatArray());
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            x.close();
            gradOutput.close();
        }
    }

    /** {@code dL/dx} for {@code dL/dy = gradOutput}, freeing the graph. */
    static Tensor gradient(Tensor y, Tensor x, Tensor gradOutput) {
        return Autograd.grad(y, new Tensor[] {x}, gradOutput, false, false)[0];
    }

    /** Float32 rounding of a few chained ops: relative 1e-5, absolute 1e-6 near zero. */
    static void assertClose(String what, float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            double tolerance = 1e-6 + 1e-5 * Math.abs(expected[i]);
            if (!(Math.abs(expected[i] - actual[i]) <= tolerance)) {
                throw new IllegalStateException(what + ": fused and composed differ at " + i + ": " + expected[i]
                        + " vs " + actual[i]);
            }
        }
    }

    /** {@code y = f(x)} and {@code dL/dx}. */
    @Benchmark
    public long forwardBackward(Inputs s) {
        try (dev.nabla.Scope step = dev.nabla.Scope.open()) {
            return gradient(s.function.apply(s.x), s.x, s.gradOutput).numel();
        }
    }
}
