package dev.nabla.nn;

import java.math.BigDecimal;

/** Formatting for {@code extraRepr()} strings, written the way PyTorch prints them ({@code 1e-05}, {@code (3, 3)}). */
final class Repr {
    private Repr() {
    }

    /** A double as Python's {@code repr()} writes it: {@code 0.1}, {@code 1.0}, {@code 1e-05}, {@code 1e+16}. */
    static String num(double v) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        // Double.toString gives the shortest digits that round-trip, as repr() does; only the layout differs.
        BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
        int exponent = d.precision() - d.scale() - 1; // v = m * 10^exponent with 1 <= |m| < 10
        if (exponent < -4 || exponent >= 16) {
            String digits = d.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (v < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + String.format("%02d", Math.abs(exponent));
        }
        String plain = d.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }

    /** A pair as PyTorch prints a 2-tuple: {@code (3, 3)}. */
    static String pair(int[] p) {
        return "(" + p[0] + ", " + p[1] + ")";
    }

    /** A pair as written by the user: a single number when both entries agree ({@code 2}), else {@code (2, 3)}. */
    static String intOrPair(int[] p) {
        return p[0] == p[1] ? Integer.toString(p[0]) : pair(p);
    }

    /** {@code True} / {@code False}. */
    static String bool(boolean b) {
        return b ? "True" : "False";
    }
}
