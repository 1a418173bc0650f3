package dev.nabla.backend.java.vector;

import dev.nabla.backend.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float64 unary ops on contiguous runs with {@code DoubleVector.SPECIES_PREFERRED}. One small method per op, so each is
 * compiled on its own with the vector intrinsics inlined (a single method holding every loop could exceed C2's
 * inlining budget and fall back to boxed vectors). Transcendentals use the Vector API's SVML-backed lanewise
 * ops (about 1 ulp). Semantics follow {@link dev.nabla.backend.ScalarMath}: NaN propagates, relu(-0.0) is 0.0.
 * Ops without an accurate vector form (POW_SCALAR, ERF, GELU_ERF) are left to the scalar loop.
 */
final class VectorUnaryDouble {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);

    private VectorUnaryDouble() {
    }

    private static DoubleVector ld(MemorySegment s, long base, long i) {
        return DoubleVector.fromMemorySegment(S, s, base + i * Double.BYTES, NO);
    }

    private static void st(DoubleVector v, MemorySegment s, long base, long i) {
        v.intoMemorySegment(s, base + i * Double.BYTES, NO);
    }

    private static DoubleVector k(double c) {
        return DoubleVector.broadcast(S, (double) c);
    }

    /**
     * Runs the vector loop over the leading whole vectors of the run and returns how many elements it did
     * (a multiple of the lane count; 0 for ops left to the scalar loop). The caller finishes the rest.
     */
    static long run(UnaryOp op, MemorySegment x, long xo, MemorySegment o, long oo, long n, double a, double b) {
        long m = S.loopBound(n);
        long xb = xo * Double.BYTES;
        long ob = oo * Double.BYTES;
        switch (op) {
            case NEG -> neg(x, xb, o, ob, m);
            case EXP -> exp(x, xb, o, ob, m);
            case LOG -> log(x, xb, o, ob, m);
            case SQRT -> sqrt(x, xb, o, ob, m);
            case RSQRT -> rsqrt(x, xb, o, ob, m);
            case ABS -> abs(x, xb, o, ob, m);
            case SIGN -> sign(x, xb, o, ob, m);
            case SQUARE -> square(x, xb, o, ob, m);
            case RECIPROCAL -> rdiv(x, xb, o, ob, m, 1.0);
            case ADD_SCALAR -> add(x, xb, o, ob, m, a);
            case MUL_SCALAR -> mul(x, xb, o, ob, m, a);
            case RSUB_SCALAR -> rsub(x, xb, o, ob, m, a);
            case RDIV_SCALAR -> rdiv(x, xb, o, ob, m, a);
            case CLAMP -> clamp(x, xb, o, ob, m, a, b);
            case RELU -> relu(x, xb, o, ob, m);
            case LEAKY_RELU -> leakyRelu(x, xb, o, ob, m, a);
            case ELU -> elu(x, xb, o, ob, m, a);
            case SIGMOID -> sigmoid(x, xb, o, ob, m);
            case TANH -> tanh(x, xb, o, ob, m);
            case GELU_TANH -> geluTanh(x, xb, o, ob, m);
            case SOFTPLUS -> softplus(x, xb, o, ob, m);
            case SILU -> silu(x, xb, o, ob, m);
            case GT_SCALAR -> gt(x, xb, o, ob, m, a);
            case LT_SCALAR -> lt(x, xb, o, ob, m, a);
            case EQ_SCALAR -> eq(x, xb, o, ob, m, a);
            case POW_SCALAR, ERF, GELU_ERF -> m = 0;
        }
        return m;
    }

    private static void neg(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).neg(), o, ob, i);
    }

    private static void exp(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).lanewise(VectorOperators.EXP), o, ob, i);
    }

    private static void log(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).lanewise(VectorOperators.LOG), o, ob, i);
    }

    private static void sqrt(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).sqrt(), o, ob, i);
    }

    private static void rsqrt(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        DoubleVector one = k(1);
        for (long i = 0; i < m; i += L) st(one.div(ld(x, xb, i).sqrt()), o, ob, i);
    }

    private static void abs(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).abs(), o, ob, i);
    }

    private static void sign(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        DoubleVector zero = k(0);
        DoubleVector one = k(1);
        DoubleVector minusOne = k(-1);
        for (long i = 0; i < m; i += L) {
            DoubleVector v = ld(x, xb, i);
            DoubleVector r = zero.blend(one, v.compare(VectorOperators.GT, zero)).blend(minusOne, v.compare(VectorOperators.LT, zero));
            st(r.blend(v, v.test(VectorOperators.IS_NAN)), o, ob, i);
        }
    }

    private static void square(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) {
            DoubleVector v = ld(x, xb, i);
            st(v.mul(v), o, ob, i);
        }
    }

    private static void add(MemorySegment x, long xb, MemorySegment o, long ob, long m, double a) {
        DoubleVector c = k(a);
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).add(c), o, ob, i);
    }

    private static void mul(MemorySegment x, long xb, MemorySegment o, long ob, long m, double a) {
        DoubleVector c = k(a);
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).mul(c), o, ob, i);
    }

    private static void rsub(MemorySegment x, long xb, MemorySegment o, long ob, long m, double a) {
        DoubleVector c = k(a);
        for (long i = 0; i < m; i += L) st(c.sub(ld(x, xb, i)), o, ob, i);
    }

    private static void rdiv(MemorySegment x, long xb, MemorySegment o, long ob, long m, double a) {
        DoubleVector c = k(a);
        for (long i = 0; i < m; i += L) st(c.div(ld(x, xb, i)), o, ob, i);
    }

    /** {@code min(max(x, a), b)}: lanewise MAX/MIN follow Math.max/min, so NaN stays NaN. */
    private static void clamp(MemorySegment x, long xb, MemorySegment o, long ob, long m, double a, double b) {
        DoubleVector lo = k(a);
        DoubleVector hi = k(b);
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).max(lo).min(hi), o, ob, i);
    }

    /** {@code max(x, 0)}: Math.max semantics give NaN for NaN and 0.0 for -0.0, as the reference. */
    private static void relu(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        DoubleVector zero = k(0);
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).max(zero), o, ob, i);
    }

    private static void leakyRelu(MemorySegment x, long xb, MemorySegment o, long ob, long m, double a) {
        DoubleVector c = k(a);
        DoubleVector zero = k(0);
        for (long i = 0; i < m; i += L) {
            DoubleVector v = ld(x, xb, i);
            st(v.blend(v.mul(c), v.compare(VectorOperators.LT, zero)), o, ob, i);
        }
    }

    private static void elu(MemorySegment x, long xb, MemorySegment o, long ob, long m, double a) {
        DoubleVector c = k(a);
        DoubleVector zero = k(0);
        for (long i = 0; i < m; i += L) {
            DoubleVector v = ld(x, xb, i);
            st(v.lanewise(VectorOperators.EXPM1).mul(c).blend(v, v.compare(VectorOperators.GT, zero)), o, ob, i);
        }
    }

    /** The reference's stable form: {@code 1/(1+e)} for x >= 0 and {@code e/(1+e)} below, with {@code e = exp(-|x|)}. */
    private static DoubleVector sigmoid(DoubleVector v, DoubleVector one, DoubleVector zero) {
        DoubleVector e = v.abs().neg().lanewise(VectorOperators.EXP);
        DoubleVector d = one.add(e);
        return e.div(d).blend(one.div(d), v.compare(VectorOperators.GE, zero));
    }

    private static void sigmoid(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        DoubleVector one = k(1);
        DoubleVector zero = k(0);
        for (long i = 0; i < m; i += L) st(sigmoid(ld(x, xb, i), one, zero), o, ob, i);
    }

    private static void silu(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        DoubleVector one = k(1);
        DoubleVector zero = k(0);
        for (long i = 0; i < m; i += L) {
            DoubleVector v = ld(x, xb, i);
            st(v.mul(sigmoid(v, one, zero)), o, ob, i);
        }
    }

    private static void tanh(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).lanewise(VectorOperators.TANH), o, ob, i);
    }

    /**
     * {@code 0.5 x (1 + tanh(u)) = x / (1 + exp(-2u))}, {@code u = sqrt(2/pi) (x + 0.044715 x^3)}: the same value
     * without the cancellation in {@code 1 + tanh(u)} for negative x, and the same NaN/infinity results.
     */
    private static void geluTanh(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        DoubleVector one = k(1);
        DoubleVector c = k(0.044715);
        DoubleVector minusTwoS = k(-2.0 * SQRT_2_OVER_PI);
        for (long i = 0; i < m; i += L) {
            DoubleVector v = ld(x, xb, i);
            DoubleVector u = v.mul(v).mul(c).mul(v).add(v).mul(minusTwoS);
            st(v.div(one.add(u.lanewise(VectorOperators.EXP))), o, ob, i);
        }
    }

    /** {@code max(x, 0) + log1p(exp(-|x|))}, the reference's overflow-free form. */
    private static void softplus(MemorySegment x, long xb, MemorySegment o, long ob, long m) {
        DoubleVector zero = k(0);
        for (long i = 0; i < m; i += L) {
            DoubleVector v = ld(x, xb, i);
            st(v.max(zero).add(v.abs().neg().lanewise(VectorOperators.EXP).lanewise(VectorOperators.LOG1P)), o, ob, i);
        }
    }

    private static void gt(MemorySegment x, long xb, MemorySegment o, long ob, long m, double threshold) {
        DoubleVector zero = k(0);
        DoubleVector one = k(1);
        DoubleVector t = DoubleVector.broadcast(S, threshold);
        for (long i = 0; i < m; i += L) st(zero.blend(one, ld(x, xb, i).compare(VectorOperators.GT, t)), o, ob, i);
    }

    private static void lt(MemorySegment x, long xb, MemorySegment o, long ob, long m, double threshold) {
        DoubleVector zero = k(0);
        DoubleVector one = k(1);
        DoubleVector t = DoubleVector.broadcast(S, threshold);
        for (long i = 0; i < m; i += L) st(zero.blend(one, ld(x, xb, i).compare(VectorOperators.LT, t)), o, ob, i);
    }

    private static void eq(MemorySegment x, long xb, MemorySegment o, long ob, long m, double threshold) {
        DoubleVector zero = k(0);
        DoubleVector one = k(1);
        DoubleVector t = DoubleVector.broadcast(S, threshold);
        for (long i = 0; i < m; i += L) st(zero.blend(one, ld(x, xb, i).compare(VectorOperators.EQ, t)), o, ob, i);
    }
}
