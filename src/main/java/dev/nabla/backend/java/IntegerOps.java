package dev.nabla.backend.java;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.base.ScalarType;

/**
 * The integer and bool element formulas, over {@code long} blocks ({@link IntegerRuns}): exact for int64 (never through
 * double), and for the narrower types exact before the store's truncation, which wraps like C. One loop per op, the op
 * switch outside it. Integer division by zero throws, as PyTorch raises ZeroDivisionError.
 */
final class IntegerOps {
    private IntegerOps() {
    }

    /** {@code o[i] = op(x[i], y[i])} for {@code i < n}; {@code bits} is the dtype's width (for shifts). */
    static void binary(BinaryOp op, int bits, long[] x, long[] y, long[] o, int n) {
        switch (op) {
            case ADD -> { for (int i = 0; i < n; i++) o[i] = x[i] + y[i]; }
            case SUB -> { for (int i = 0; i < n; i++) o[i] = x[i] - y[i]; }
            case MUL -> { for (int i = 0; i < n; i++) o[i] = x[i] * y[i]; }
            case MAXIMUM -> { for (int i = 0; i < n; i++) o[i] = Math.max(x[i], y[i]); }
            case MINIMUM -> { for (int i = 0; i < n; i++) o[i] = Math.min(x[i], y[i]); }
            case EQ -> { for (int i = 0; i < n; i++) o[i] = x[i] == y[i] ? 1 : 0; }
            case GT -> { for (int i = 0; i < n; i++) o[i] = x[i] > y[i] ? 1 : 0; }
            case GE -> { for (int i = 0; i < n; i++) o[i] = x[i] >= y[i] ? 1 : 0; }
            case LT -> { for (int i = 0; i < n; i++) o[i] = x[i] < y[i] ? 1 : 0; }
            case LE -> { for (int i = 0; i < n; i++) o[i] = x[i] <= y[i] ? 1 : 0; }
            // Math.floorDiv(MIN, -1) is MIN: the wrap-around of C's two's complement
            case FLOOR_DIVIDE -> { for (int i = 0; i < n; i++) o[i] = Math.floorDiv(x[i], divisor(op, y[i])); }
            case TRUNC_DIVIDE -> { for (int i = 0; i < n; i++) o[i] = x[i] / divisor(op, y[i]); }
            case REMAINDER -> { for (int i = 0; i < n; i++) o[i] = Math.floorMod(x[i], divisor(op, y[i])); }
            case BITWISE_AND -> { for (int i = 0; i < n; i++) o[i] = x[i] & y[i]; }
            case BITWISE_OR -> { for (int i = 0; i < n; i++) o[i] = x[i] | y[i]; }
            case BITWISE_XOR -> { for (int i = 0; i < n; i++) o[i] = x[i] ^ y[i]; }
            // PyTorch: a shift by a negative amount or by the bit width or more gives 0 (left) or the sign (right)
            case LEFT_SHIFT -> { for (int i = 0; i < n; i++) o[i] = y[i] < 0 || y[i] >= bits ? 0 : x[i] << y[i]; }
            case RIGHT_SHIFT -> { for (int i = 0; i < n; i++) o[i] = x[i] >> (y[i] < 0 || y[i] >= bits ? 63 : y[i]); }
            default -> throw new IllegalArgumentException("binary " + op + ": not defined for integer dtypes");
        }
    }

    /** {@code o[i] = op(x[i])} for {@code i < n} in dtype {@code t}. */
    static void unary(UnaryOp op, ScalarType t, long[] x, long[] o, int n) {
        switch (op) {
            case NEG -> { for (int i = 0; i < n; i++) o[i] = -x[i]; }
            case ABS -> { for (int i = 0; i < n; i++) o[i] = Math.abs(x[i]); }
            case SIGN -> { for (int i = 0; i < n; i++) o[i] = Long.signum(x[i]); }
            case SQUARE -> { for (int i = 0; i < n; i++) o[i] = x[i] * x[i]; }
            case RELU -> { for (int i = 0; i < n; i++) o[i] = Math.max(x[i], 0); }
            case BITWISE_NOT -> {
                long flip = t == ScalarType.BOOL ? 1 : -1; // bool's ~ is logical not
                for (int i = 0; i < n; i++) o[i] = x[i] ^ flip;
            }
            default -> throw new IllegalArgumentException("unary " + op + ": not defined for integer dtypes");
        }
    }

    private static long divisor(BinaryOp op, long y) {
        if (y == 0) {
            throw new ArithmeticException(name(op) + ": integer division by zero (ZeroDivisionError in PyTorch)");
        }
        return y;
    }

    private static String name(BinaryOp op) {
        return switch (op) {
            case FLOOR_DIVIDE -> "floorDivide";
            case TRUNC_DIVIDE -> "div(rounding mode trunc)";
            default -> "remainder";
        };
    }
}
