package dev.nabla.backend.java;

import dev.nabla.backend.ScalarMath;
import dev.nabla.backend.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar float32 unary loops over contiguous runs: one loop per op, the op switch outside it. Results equal
 * {@link ReferenceKernels}' bit for bit: ops that are exact in float (negation, abs, square, reciprocal, sqrt,
 * relu, comparisons with zero: a single correctly rounded operation, and double has enough bits that the
 * reference's double rounding is innocuous) run in float; the others widen to double, apply the reference formula
 * and round once.
 */
final class FloatUnary {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);

    private FloatUnary() {
    }

    private static double get(MemorySegment s, long i) {
        return s.getAtIndex(F, i);
    }

    private static void put(MemorySegment s, long i, double v) {
        s.setAtIndex(F, i, (float) v);
    }

    private static float getF(MemorySegment s, long i) {
        return s.getAtIndex(F, i);
    }

    private static void putF(MemorySegment s, long i, float v) {
        s.setAtIndex(F, i, v);
    }

    /** {@code o[oo + i] = op(x[xo + i])} for {@code i < n}; {@code x} and {@code o} may be the same run. */
    static void run(UnaryOp op, MemorySegment x, long xo, MemorySegment o, long oo, long n, double a, double b) {
        switch (op) {
            case NEG -> { for (long i = 0; i < n; i++) putF(o, oo + i, -getF(x, xo + i)); }
            case EXP -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.exp(get(x, xo + i))); }
            case LOG -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.log(get(x, xo + i))); }
            case SQRT -> { for (long i = 0; i < n; i++) putF(o, oo + i, (float) Math.sqrt(getF(x, xo + i))); }
            case RSQRT -> { for (long i = 0; i < n; i++) put(o, oo + i, 1.0 / Math.sqrt(get(x, xo + i))); }
            case ABS -> { for (long i = 0; i < n; i++) putF(o, oo + i, Math.abs(getF(x, xo + i))); }
            case SIGN -> { for (long i = 0; i < n; i++) put(o, oo + i, ScalarFns.sign(get(x, xo + i))); }
            case SQUARE -> { for (long i = 0; i < n; i++) { float v = getF(x, xo + i); putF(o, oo + i, v * v); } }
            case RECIPROCAL -> { for (long i = 0; i < n; i++) putF(o, oo + i, 1.0f / getF(x, xo + i)); }
            case POW_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.pow(get(x, xo + i), a)); }
            case ADD_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) + a); }
            case MUL_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) * a); }
            case RSUB_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, a - get(x, xo + i)); }
            case RDIV_SCALAR -> { for (long i = 0; i < n; i++) put(o, oo + i, a / get(x, xo + i)); }
            case CLAMP -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.min(Math.max(get(x, xo + i), a), b)); }
            case RELU -> { for (long i = 0; i < n; i++) putF(o, oo + i, Math.max(getF(x, xo + i), 0.0f)); }
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
