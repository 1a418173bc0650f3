package dev.nabla.backend.java;

import dev.nabla.backend.ScalarMath;
import dev.nabla.backend.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar float64 unary loops over contiguous runs: one loop per op, the op switch outside it. The formulas are the
 * reference's, so the results equal {@link ReferenceKernels}' bit for bit.
 */
final class DoubleUnary {
    private static final ValueLayout.OfDouble F = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);

    private DoubleUnary() {
    }

    private static double get(MemorySegment s, long i) {
        return s.getAtIndex(F, i);
    }

    private static void put(MemorySegment s, long i, double v) {
        s.setAtIndex(F, i, v);
    }

    /** {@code o[oo + i] = op(x[xo + i])} for {@code i < n}; {@code x} and {@code o} may be the same run. */
    static void run(UnaryOp op, MemorySegment x, long xo, MemorySegment o, long oo, long n, double a, double b) {
        switch (op) {
            case NEG -> { for (long i = 0; i < n; i++) put(o, oo + i, -get(x, xo + i)); }
            case EXP -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.exp(get(x, xo + i))); }
            case LOG -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.log(get(x, xo + i))); }
            case SQRT -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.sqrt(get(x, xo + i))); }
            case RSQRT -> { for (long i = 0; i < n; i++) put(o, oo + i, 1.0 / Math.sqrt(get(x, xo + i))); }
            case ABS -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.abs(get(x, xo + i))); }
            case SIGN -> { for (long i = 0; i < n; i++) put(o, oo + i, ScalarFns.sign(get(x, xo + i))); }
            case SQUARE -> { for (long i = 0; i < n; i++) { double v = get(x, xo + i); put(o, oo + i, v * v); } }
            case RECIPROCAL -> { for (long i = 0; i < n; i++) put(o, oo + i, 1.0 / get(x, xo + i)); }
            case POW_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.pow(get(x, xo + i), a)); }
            case ADD_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) + a); }
            case MUL_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) * a); }
            case RSUB_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, a - get(x, xo + i)); }
            case RDIV_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, a / get(x, xo + i)); }
            case CLAMP -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.min(Math.max(get(x, xo + i), a), b)); }
            case RELU -> { for (long i = 0; i < n; i++) put(o, oo + i, ScalarFns.relu(get(x, xo + i))); }
            case LEAKY_RELU -> {
                for (long i = 0; i < n; i++) { double v = get(x, xo + i); put(o, oo + i, v >= 0 ? v : a * v); }
            }
            case ELU -> {
                for (long i = 0; i < n; i++) { double v = get(x, xo + i); put(o, oo + i, v > 0 ? v : a * Math.expm1(v)); }
            }
            case SIGMOID -> { for (long i = 0; i < n; i++) put(o, oo + i, ScalarMath.sigmoid(get(x, xo + i))); }
            case TANH -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.tanh(get(x, xo + i))); }
            case GELU_TANH -> { for (long i = 0; i < n; i++) put(o, oo + i, ScalarFns.geluTanh(get(x, xo + i))); }
            case GELU_ERF -> {
                for (long i = 0; i < n; i++) { double v = get(x, xo + i); put(o, oo + i, 0.5 * v * (1.0 + ScalarMath.erf(v * INV_SQRT_2))); }
            }
            case SOFTPLUS -> { for (long i = 0; i < n; i++) put(o, oo + i, ScalarMath.softplus(get(x, xo + i))); }
            case SILU -> { for (long i = 0; i < n; i++) { double v = get(x, xo + i); put(o, oo + i, v * ScalarMath.sigmoid(v)); } }
            case ERF -> { for (long i = 0; i < n; i++) put(o, oo + i, ScalarMath.erf(get(x, xo + i))); }
            case GT_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) > a ? 1.0 : 0.0); }
            case LT_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) < a ? 1.0 : 0.0); }
            case EQ_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) == a ? 1.0 : 0.0); }
        }
    }
}
