package dev.nabla.backend;

/**
 * Element-wise functions of one operand. Some take scalar parameters {@code a} (and {@code b}), named in
 * each constant's doc; the others ignore them.
 */
public enum UnaryOp {
    /** {@code -x} */ NEG,
    /** {@code e^x} */ EXP,
    /** natural logarithm */ LOG,
    /** square root */ SQRT,
    /** {@code 1/sqrt(x)} */ RSQRT,
    /** {@code |x|} */ ABS,
    /** -1, 0 or 1 (0 for NaN-free zero) */ SIGN,
    /** {@code x*x} */ SQUARE,
    /** {@code 1/x} */ RECIPROCAL,
    /** {@code x^a} */ POW_SCALAR,
    /** {@code x + a} */ ADD_SCALAR,
    /** {@code x * a} */ MUL_SCALAR,
    /** {@code a - x} (reverse subtraction) */ RSUB_SCALAR,
    /** {@code a / x} (reverse division) */ RDIV_SCALAR,
    /** {@code min(max(x, a), b)}; NaN stays NaN */ CLAMP,
    /** {@code max(x, 0)} */ RELU,
    /** {@code x >= 0 ? x : a*x} */ LEAKY_RELU,
    /** {@code x > 0 ? x : a*(e^x - 1)} */ ELU,
    /** {@code 1/(1+e^-x)} */ SIGMOID,
    /** hyperbolic tangent */ TANH,
    /** GELU, tanh approximation (PyTorch's {@code approximate='tanh'}) */ GELU_TANH,
    /** GELU, exact: {@code x * Phi(x)} with the error function */ GELU_ERF,
    /** {@code log(1 + e^x)}, computed without overflow */ SOFTPLUS,
    /** {@code x * sigmoid(x)} */ SILU,
    /** error function */ ERF,
    /** 1 if {@code x > a} else 0 */ GT_SCALAR,
    /** 1 if {@code x < a} else 0 */ LT_SCALAR,
    /** 1 if {@code x == a} else 0 */ EQ_SCALAR
}
