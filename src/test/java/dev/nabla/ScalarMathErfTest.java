package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.ScalarMath;
import org.junit.jupiter.api.Test;

/** {@link ScalarMath#erf} against CPython's {@code math.erf} (which wraps the C library's correctly tested erf). */
class ScalarMathErfTest {
    /**
     * {x, erf(x)} pairs printed by {@code python3 -c 'import math; print(repr(x), repr(math.erf(x)))'} (CPython
     * 3, glibc libm). They cover both branches of the library's erf (series below 3, continued fraction above).
     */
    static final double[][] PYTHON_ERF = {
        {1e-10, 1.1283791670955126e-10},
        {0.001, 0.0011283787909692365},
        {0.1, 0.1124629160182849},
        {0.25, 0.2763263901682369},
        {0.5, 0.5204998778130465},
        {0.75, 0.7111556336535151},
        {1.0, 0.8427007929497149},
        {1.5, 0.9661051464753108},
        {2.0, 0.9953222650189527},
        {2.5, 0.999593047982555},
        {2.9, 0.9999589021219005},
        {2.999, 0.9999777698314002},
        {3.0, 0.9999779095030014},
        {3.001, 0.9999780483390822},
        {3.2, 0.9999939742388483},
        {3.5, 0.9999992569016276},
        {4.0, 0.9999999845827421},
        {4.5, 0.9999999998033839},
        {5.0, 0.9999999999984626},
        {5.5, 0.9999999999999927},
        {5.9, 0.9999999999999999},
    };

    @Test
    void erfMatchesPythonToOneInTenToTheFourteenRelativeOnBothSides() {
        for (double[] p : PYTHON_ERF) {
            for (double sign : new double[] {1, -1}) { // erf is odd; math.erf(-x) == -math.erf(x)
                double x = sign * p[0];
                double expected = sign * p[1];
                double got = ScalarMath.erf(x);
                assertEquals(expected, got, 1e-14 * Math.abs(expected), "erf(" + x + ")");
            }
        }
    }

    @Test
    void testReferenceErfIsAlsoAccurate() {
        // the quadrature erf that ElementwiseTest uses as its reference, held to the same standard
        for (double[] p : PYTHON_ERF) {
            assertEquals(p[1], TestSupport.erf(p[0]), 1e-14 * p[1], "reference erf(" + p[0] + ")");
        }
    }

    @Test
    void erfHasTheRightLimitsAndSpecialValues() {
        assertEquals(0.0, ScalarMath.erf(0.0));
        assertEquals(1.0, ScalarMath.erf(6.5));
        assertEquals(1.0, ScalarMath.erf(30));
        assertEquals(-1.0, ScalarMath.erf(-30));
        assertEquals(1.0, ScalarMath.erf(Double.POSITIVE_INFINITY), "erf(+inf)");
        assertEquals(-1.0, ScalarMath.erf(Double.NEGATIVE_INFINITY), "erf(-inf)");
        assertTrue(Double.isNaN(ScalarMath.erf(Double.NaN)));
    }

    @Test
    void erfIsMonotoneAcrossTheBranchSwitch() {
        double prev = ScalarMath.erf(2.99);
        for (double x = 2.99; x <= 3.01; x += 1e-4) {
            double v = ScalarMath.erf(x);
            assertTrue(v >= prev, "erf decreases at " + x);
            prev = v;
        }
    }
}
