package dev.nabla.backend;

/**
 * Element-wise functions of one operand: the table that defines each op's element formula (in double precision,
 * the reference every kernel must agree with) and the rough cost class the CPU kernels use to decide threading.
 * Some ops take scalar parameters {@code a} (and {@code b}), named in each constant's doc; the others ignore them.
 *
 * <h2>Adding an op</h2>
 * An op that is a composition of others in nature (as GELU, mish) is written as that composition in {@code Tensor},
 * with no constant here; it gets a kernel only where {@code ActivationBenchmark} (benchmarks) shows one pays, with
 * the number in a comment on its constant.
 * <ol>
 *   <li>One constant here: its cost class and its formula, {@code (x, a, b) -> ...}. The pure-Java reference, and
 *       every Java kernel that has no loop of its own for the op, compute exactly this.</li>
 *   <li>Its backward in {@code dev.nabla.UnaryGradients}: what backward saves (input, output or nothing) and the
 *       gradient as a Tensor expression. The switch there is exhaustive, so the compiler asks for it.</li>
 *   <li>Optionally, one vector formula in {@code VectorUnary$Type$.java.template} (one method and one {@code case}),
 *       if a vector kernel pays; otherwise the scalar loop runs the formula above.</li>
 *   <li>One CUDA formula: a {@code case NABLA_UNARY_<NAME>} in {@code native/cuda/nabla_kernels.cu}'s
 *       {@code unary_op} (then {@code make ptx}).</li>
 *   <li>The user-facing method ({@code Tensor}, {@code F}, an {@code nn} module) and its tests: GradCheck in
 *       float64 and a PyTorch fixture ({@code scripts/make_fixtures.py}).</li>
 * </ol>
 */
public enum UnaryOp {
    /** {@code -x} */ NEG(ElementCost.ARITHMETIC, (x, a, b) -> -x),
    /** {@code e^x} */ EXP(ElementCost.EXP_LIKE, (x, a, b) -> Math.exp(x)),
    /** natural logarithm */ LOG(ElementCost.EXP_LIKE, (x, a, b) -> Math.log(x)),
    /** square root */ SQRT(ElementCost.DIVISION, (x, a, b) -> Math.sqrt(x)),
    /** {@code 1/sqrt(x)} */ RSQRT(ElementCost.DIVISION, (x, a, b) -> 1.0 / Math.sqrt(x)),
    /** {@code |x|} */ ABS(ElementCost.ARITHMETIC, (x, a, b) -> Math.abs(x)),
    /** -1, 0 or 1 (0 for NaN-free zero) */ SIGN(ElementCost.ARITHMETIC, (x, a, b) -> ScalarMath.sign(x)),
    /** {@code x*x} */ SQUARE(ElementCost.ARITHMETIC, (x, a, b) -> x * x),
    /** {@code 1/x} */ RECIPROCAL(ElementCost.DIVISION, (x, a, b) -> 1.0 / x),
    /** {@code x^a} */ POW_SCALAR(ElementCost.POW, (x, a, b) -> Math.pow(x, a)),
    /** {@code x + a} */ ADD_SCALAR(ElementCost.ARITHMETIC, (x, a, b) -> x + a),
    /** {@code x * a} */ MUL_SCALAR(ElementCost.ARITHMETIC, (x, a, b) -> x * a),
    /** {@code a - x} (reverse subtraction) */ RSUB_SCALAR(ElementCost.ARITHMETIC, (x, a, b) -> a - x),
    /** {@code a / x} (reverse division) */ RDIV_SCALAR(ElementCost.DIVISION, (x, a, b) -> a / x),
    // fused: 1.85x faster than maximum(x, min).minimum(max) (fwd+bwd f32 [256,1024],
    // ActivationBenchmark 2026-12-06)
    /** {@code min(max(x, a), b)}; NaN stays NaN */
    CLAMP(ElementCost.ARITHMETIC, (x, a, b) -> Double.isNaN(x) ? x : Math.min(Math.max(x, a), b)),
    /** {@code max(x, 0)} */ RELU(ElementCost.ARITHMETIC, (x, a, b) -> ScalarMath.relu(x)),
    // fused: 2.1x faster than x * (x > 0 ? 1 : a) with the factor exactly 1 or a (gt, rsub, mul, add, mul); the
    // cheaper x * ((x > 0) * (1 - a) + a) is 0.81x but its 1 - a + a is not exactly 1 in float32
    // (fwd+bwd f32 [256,1024], ActivationBenchmark 2026-12-06)
    /** {@code x >= 0 ? x : a*x} */ LEAKY_RELU(ElementCost.ARITHMETIC, (x, a, b) -> x >= 0 ? x : a * x),
    // fused: 2.3x faster than relu(x) + a (e^min(x, 0) - 1) (fwd+bwd f32 [256,1024],
    // ActivationBenchmark 2026-12-06)
    /** {@code x > 0 ? x : a*(e^x - 1)} */ ELU(ElementCost.EXP_LIKE, (x, a, b) -> x > 0 ? x : a * Math.expm1(x)),
    /** {@code 1/(1+e^-x)} */ SIGMOID(ElementCost.EXP_LIKE, (x, a, b) -> ScalarMath.sigmoid(x)),
    /** hyperbolic tangent */ TANH(ElementCost.EXP_LIKE, (x, a, b) -> Math.tanh(x)),
    // fused: 2.8x faster than 0.5 x (1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2))
    // (fwd+bwd f32 [256,1024], ActivationBenchmark 2026-12-06)
    /** GELU, tanh approximation (PyTorch's {@code approximate='tanh'}) */
    GELU_TANH(ElementCost.EXP_COMPOSITE, (x, a, b) -> ScalarMath.geluTanh(x)),
    // fused: over 5x faster than relu(x) + log(1 + e^-|x|) (fwd+bwd f32 [256,1024],
    // ActivationBenchmark 2026-12-06)
    /** {@code log(1 + e^x)}, computed without overflow */ SOFTPLUS(ElementCost.EXP_COMPOSITE, (x, a, b) -> ScalarMath.softplus(x)),
    // fused: 2.0x faster than x * sigmoid(x) (fwd+bwd f32 [256,1024],
    // ActivationBenchmark 2026-12-06)
    /** {@code x * sigmoid(x)} */ SILU(ElementCost.EXP_LIKE, (x, a, b) -> x * ScalarMath.sigmoid(x)),
    /** error function */ ERF(ElementCost.ERF_SERIES, (x, a, b) -> ScalarMath.erf(x)),
    /** 1 if {@code x > a} else 0 */ GT_SCALAR(ElementCost.ARITHMETIC, (x, a, b) -> x > a ? 1.0 : 0.0),
    /** 1 if {@code x < a} else 0 */ LT_SCALAR(ElementCost.ARITHMETIC, (x, a, b) -> x < a ? 1.0 : 0.0),
    /** 1 if {@code x == a} else 0 */ EQ_SCALAR(ElementCost.ARITHMETIC, (x, a, b) -> x == a ? 1.0 : 0.0),
    // fused: 1.23x faster than x * (clamp(x + 3, 0, 6) / 6) (fwd+bwd f32 [256,1024],
    // ActivationBenchmark 2026-12-06)
    /** {@code x * (min(max(x + 3, 0), 6) / 6)} (PyTorch's {@code hardswish}; dividing first cannot overflow) */
    HARDSWISH(ElementCost.ARITHMETIC, (x, a, b) -> x * (Math.min(Math.max(x + 3.0, 0.0), 6.0) / 6.0)),
    /** {@code ~x} (integers; logical not for bool): the integer kernels only, there is no floating-point form */
    BITWISE_NOT(ElementCost.ARITHMETIC, (x, a, b) -> ~(long) x),
    // fused: the backward of GELU_TANH as g * this (2 kernels) instead of 13 element-wise kernels
    /** The derivative of {@link #GELU_TANH}: {@code s (1 + x (1 - s) 2u')}, {@code s = sigmoid(2u)}, {@code u = c (x + k x^3)} */
    GELU_TANH_DERIVATIVE(ElementCost.EXP_COMPOSITE, (x, a, b) -> ScalarMath.geluTanhDerivative(x));

    /** An element formula in double precision, with the op's scalar parameters. */
    @FunctionalInterface
    public interface Formula {
        /** {@code op(x)} with parameters {@code a}, {@code b}. */
        double apply(double x, double a, double b);
    }

    private final ElementCost cost;
    private final Formula formula;

    UnaryOp(ElementCost cost, Formula formula) {
        this.cost = cost;
        this.formula = formula;
    }

    /** The cost class of one element. */
    public ElementCost cost() {
        return cost;
    }

    /** {@code op(x)} with the op's scalar parameters {@code a}, {@code b}, in double precision. */
    public double apply(double x, double a, double b) {
        return formula.apply(x, a, b);
    }

    /** True for the bitwise ops, which are defined on integers and bool only. */
    public boolean integersOnly() {
        return this == BITWISE_NOT;
    }

    /**
     * True for the ops whose result on integers and bool stays in their dtype, as in PyTorch (neg, abs, sign, square,
     * relu, bitwise not): the ones with integer kernels. The others convert integer inputs to float32 first.
     */
    public boolean keepsIntegers() {
        return switch (this) {
            case NEG, ABS, SIGN, SQUARE, RELU, BITWISE_NOT -> true;
            default -> false;
        };
    }
}
