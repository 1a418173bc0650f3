package dev.nabla.backend.java;

import dev.nabla.backend.ScalarMath;

/** Element functions shared by the scalar loops, written exactly as {@link ScalarMath} computes them. */
final class ScalarFns {
    private ScalarFns() {
    }

    /** -1, 0 or 1; NaN stays NaN and -0.0 gives 0.0, as in {@link ScalarMath}. */
    static double sign(double v) {
        return v > 0 ? 1.0 : v < 0 ? -1.0 : v == 0 ? 0.0 : v;
    }

    /** {@code max(v, 0)} with NaN kept and -0.0 giving 0.0. */
    static double relu(double v) {
        return v > 0 ? v : (Double.isNaN(v) ? v : 0.0);
    }
}
