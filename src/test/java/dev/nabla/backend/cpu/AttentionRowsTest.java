package dev.nabla.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.backend.java.VectorSupport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The row loops of the cpu attention kernel: the Vector API versions against the scalar loops (the path without
 * {@code jdk.incubator.vector}), on row lengths around the vector width and at unaligned offsets, float32 and
 * float64.
 */
class AttentionRowsTest {
    @ParameterizedTest(name = "float32 {0}")
    @ValueSource(booleans = {true, false})
    void vectorLoopsMatchTheScalarLoops(boolean float32) {
        Assumptions.assumeTrue(VectorSupport.available(), "needs --add-modules jdk.incubator.vector");
        AttentionRows scalar = float32 ? new AttentionRowsFloat(false) : new AttentionRowsDouble(false);
        AttentionRows vector = float32 ? new AttentionRowsFloat(true) : new AttentionRowsDouble(true);
        double tol = float32 ? 1e-5 : 1e-13;
        Random r = new Random(3);
        try (Arena arena = Arena.ofConfined()) {
            for (int n : new int[] {1, 7, 16, 17, 33, 100}) {
                long off = 3; // unaligned start
                MemorySegment[] a = {arena.allocate((n + off) * 8), arena.allocate((n + off) * 8)};
                MemorySegment[] b = {arena.allocate((n + off) * 8), arena.allocate((n + off) * 8)};
                for (int j = 0; j < n + off; j++) {
                    double x = r.nextGaussian();
                    double y = r.nextGaussian();
                    for (int s = 0; s < 2; s++) {
                        scalar.set(a[s], j, x);
                        scalar.set(b[s], j, y);
                    }
                }
                AttentionRows[] impl = {scalar, vector};
                assertEquals(scalar.max(a[0], off, n), vector.max(a[1], off, n), 0, "max n=" + n);
                assertEquals(scalar.dot(a[0], off, b[0], off, n), vector.dot(a[1], off, b[1], off, n),
                        tol * n, "dot n=" + n);
                double[] sums = new double[2];
                for (int s = 0; s < 2; s++) {
                    sums[s] = impl[s].expShift(a[s], off, n, 0.5);
                    impl[s].softmaxGrad(a[s], off, b[s], off, n, 0.25);
                    impl[s].scale(a[s], off, n, 1.5);
                }
                assertEquals(sums[0], sums[1], tol * sums[0], "expShift sum n=" + n);
                for (int j = 0; j < n + off; j++) {
                    double want = scalar.get(a[0], j);
                    assertEquals(want, scalar.get(a[1], j), tol * Math.max(1, Math.abs(want)), "exp, scale " + j);
                    double wantGrad = scalar.get(b[0], j);
                    assertEquals(wantGrad, scalar.get(b[1], j), tol * Math.max(1, Math.abs(wantGrad)), "grad " + j);
                }
            }
        }
    }
}
