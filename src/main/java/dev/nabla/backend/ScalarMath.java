package dev.nabla.backend;

/**
 * The element functions behind {@link UnaryOp} and {@link BinaryOp}, in double precision: each op's formula (in its
 * enum) and the helpers those formulas share. The pure-Java reference kernels apply them element by element; faster
 * kernels must agree with them.
 */
public final class ScalarMath {
    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double TWO_OVER_SQRT_PI = 2.0 / Math.sqrt(Math.PI);

    private ScalarMath() {
    }

    /** {@code op(x)} with the op's scalar parameters {@code a}, {@code b}: the formula in {@link UnaryOp}'s table. */
    public static double unary(UnaryOp op, double x, double a, double b) {
        return op.apply(x, a, b);
    }

    /** {@code op(x, y)}: the formula in {@link BinaryOp}'s table. */
    public static double binary(BinaryOp op, double x, double y) {
        return op.apply(x, y);
    }

    /** -1, 0 or 1; NaN stays NaN and -0.0 gives 0.0. */
    public static double sign(double x) {
        return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x;
    }

    /** {@code max(x, 0)} with NaN kept and -0.0 giving 0.0. */
    public static double relu(double x) {
        return x > 0 ? x : (Double.isNaN(x) ? x : 0.0);
    }

    /** The logistic function, stable for large |x|. */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /** GELU's tanh approximation, {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    public static double geluTanh(double x) {
        return 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
    }

    /**
     * The derivative of {@link #geluTanh}: with {@code s = sigmoid(2u)} ({@code = (1 + tanh u) / 2}),
     * {@code u = sqrt(2/pi) (x + 0.044715 x^3)}, it is {@code ((1 - s) x 2u' + 1) s}; beyond {@code |x| = 1e10} it
     * is its limit (1, or -0 as the formula gives there), also for infinities.
     */
    public static double geluTanhDerivative(double x) {
        if (x > 1e10 || x < -1e10) { // the limits 1 and (-)0, where x^2 would overflow float32 (0 * inf = NaN)
            return x > 0 ? 1.0 : -0.0;
        }
        double x2 = x * x;
        double s = sigmoid(x * (x2 * (2 * SQRT_2_OVER_PI * 0.044715) + 2 * SQRT_2_OVER_PI));
        double twoDu = x2 * (6 * SQRT_2_OVER_PI * 0.044715) + 2 * SQRT_2_OVER_PI;
        return ((1.0 - s) * x * twoDu + 1.0) * s;
    }

    /** {@code log(1 + e^x)} without overflow. */
    public static double softplus(double x) {
        return Math.max(x, 0.0) + Math.log1p(Math.exp(-Math.abs(x)));
    }

    /**
     * The error function to about 1e-15 relative accuracy (finite-difference gradient checks of GELU need more
     * than the usual 1e-7 approximations). For |x| < 3 the everywhere-positive series
     * {@code erf(x) = 2/sqrt(pi) e^{-x^2} sum 2^n x^{2n+1} / (1*3*...*(2n+1))} (no cancellation); beyond it
     * the continued fraction of erfc, evaluated with the modified Lentz method.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        if (ax > 6.0) {
            // erfc(6) < 3e-17: below half an ulp of 1, so erf is exactly +-1 in double (and at infinity)
            return Math.copySign(1.0, x);
        }
        double r;
        if (ax < 3.0) {
            double x2 = ax * ax;
            double term = ax;
            double sum = ax;
            for (int n = 1; n < 200 && term > 1e-17 * sum; n++) {
                term *= 2.0 * x2 / (2 * n + 1);
                sum += term;
            }
            r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
        } else {
            r = 1.0 - erfcContinuedFraction(ax);
        }
        return x < 0 ? -r : r;
    }

    /** erfc(x) for x >= 3: {@code e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))}. */
    private static double erfcContinuedFraction(double x) {
        double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0.0;
        for (int n = 1; n < 500; n++) {
            double an = n * 0.5;
            d = x + an * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = x + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1.0) < 1e-16) {
                break;
            }
        }
        return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
    }

    /** {@code q} rounded toward zero. */
    public static double trunc(double q) {
        return q < 0 ? Math.ceil(q) : Math.floor(q);
    }

    /**
     * PyTorch's floating-point {@code floor_divide} ({@code div_floor_floating}): {@code (x - fmod(x, y)) / y} corrected
     * to the floor and rounded to the nearest integer, so the quotient agrees with {@link #remainder}; a division by
     * zero gives {@code x / y}.
     */
    public static double floorDivide(double x, double y) {
        if (y == 0) {
            return x / y;
        }
        double mod = x % y; // Java's % on doubles is C's fmod
        double div = (x - mod) / y;
        if (mod != 0 && (y < 0) != (mod < 0)) {
            div -= 1;
        }
        if (div == 0) {
            return Math.copySign(0.0, x / y);
        }
        double floor = Math.floor(div);
        return div - floor > 0.5 ? floor + 1.0 : floor;
    }

    /** PyTorch's floating-point {@code remainder}: {@code fmod(x, y)}, moved by {@code y} to take {@code y}'s sign. */
    public static double remainder(double x, double y) {
        double mod = x % y;
        return mod != 0 && (y < 0) != (mod < 0) ? mod + y : mod;
    }
}
