package dev.nabla.backend.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.backend.Backend;
import dev.nabla.backend.registry.Backends;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused layer-norm kernels ({@code cpu}, {@code java} with and without the Vector API, float32 and float64)
 * against the formula evaluated in double here, row by row: rows shorter and longer than a vector, rows that are
 * not a multiple of the lane count, and 2048 x 128 (the character model's activations: several blocks, threaded).
 * Weight and bias may be absent, and any subset of the gradients may be wanted.
 */
class LayerNormKernelsTest {
    private static final double EPS = 1e-5;
    private Arena arena;

    @BeforeEach
    void openArena() {
        arena = Arena.ofShared(); // threaded kernels touch the buffers from worker threads
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        Backend[] backends = {Backends.cpu(), Backends.java(), new JavaBackend(false)};
        long[][] shapes = {{1, 1}, {3, 5}, {7, 37}, {4, 300}, {2048, 128}};
        for (Backend b : backends) {
            for (ScalarType t : new ScalarType[] {ScalarType.FLOAT32, ScalarType.FLOAT64}) {
                for (long[] s : shapes) {
                    for (int affine = 0; affine < 3; affine++) { // weight and bias, weight only, neither
                        out.add(Arguments.of(b.name() + (b instanceof JavaBackend j && !j.usesVectorApi() ? "-scalar"
                                : ""), b, t, (int) s[0], (int) s[1], affine));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {2} [{3}, {4}] affine {5}")
    @MethodSource("cases")
    void forwardAndBackwardMatchTheFormula(String name, Backend backend, ScalarType t, int rows, int n, int affine) {
        SplittableRandom rnd = new SplittableRandom(rows * 31L + n);
        double[] x = random(rnd, rows * n, 3, 1.5);
        double[] g = random(rnd, rows * n, 1, 0);
        double[] w = affine < 2 ? random(rnd, n, 1, 1) : null;
        double[] b = affine < 1 ? random(rnd, n, 1, 0) : null;
        Strided xs = put(t, x);
        Strided ws = w == null ? null : put(t, w);
        Strided bs = b == null ? null : put(t, b);
        Strided out = put(t, new double[rows * n]);
        Strided mean = put(t, new double[rows]);
        Strided rstd = put(t, new double[rows]);
        assertTrue(backend.layerNorm(t, xs, n, ws, bs, EPS, out, mean, rstd));

        Reference ref = new Reference(x, g, w, b, rows, n);
        double tol = t == ScalarType.FLOAT32 ? 2e-5 : 1e-12;
        assertClose(ref.y, get(t, out), ref.yScale, tol, "output");
        assertClose(ref.mean, get(t, mean), ref.meanScale, tol, "mean");
        assertClose(ref.rstd, get(t, rstd), ref.rstdScale, tol, "rstd");

        Strided gs = put(t, g);
        Strided gi = put(t, new double[rows * n]);
        Strided gw = w == null ? null : put(t, new double[n]);
        Strided gb = b == null ? null : put(t, new double[n]);
        assertTrue(backend.layerNormBackward(t, xs, n, gs, ws, mean, rstd, gi, gw, gb));
        double gtol = t == ScalarType.FLOAT32 ? 1e-4 : 1e-10;
        assertClose(ref.gi, get(t, gi), ref.giScale, gtol, "input gradient");
        if (gw != null) {
            assertClose(ref.gw, get(t, gw), ref.gwScale, gtol, "weight gradient");
        }
        if (gb != null) {
            assertClose(ref.gb, get(t, gb), ref.gbScale, gtol, "bias gradient");
        }
        if (gw != null) {
            // only the parameter gradients wanted, and the same bits as before (blocks fixed by the shape)
            Strided gw2 = put(t, new double[n]);
            assertTrue(backend.layerNormBackward(t, xs, n, gs, ws, mean, rstd, null, gw2, null));
            assertArrayEquals(get(t, gw), get(t, gw2), "weight gradient of a second call");
        }
    }

    @Test
    void declinesWhatItCannotRun() {
        Backend backend = Backends.cpu();
        Strided x = put(ScalarType.FLOAT32, new double[12]);
        Strided stats = put(ScalarType.FLOAT32, new double[3]);
        Strided strided = new Strided(x.data(), 0, new long[] {3, 4}, new long[] {1, 3});
        assertFalse(backend.layerNorm(ScalarType.FLOAT32, strided, 4, null, null, EPS, x, stats, stats),
                "a non-contiguous input is declined");
        assertFalse(backend.layerNorm(ScalarType.FLOAT32, x, 5, null, null, EPS, x, stats, stats),
                "rows that do not divide the input are declined");
        Strided ints = Strided.contiguous(arena.allocate(48), 0, 12);
        assertFalse(backend.layerNorm(ScalarType.INT32, ints, 4, null, null, EPS, ints, ints, ints),
                "integers are declined");
    }

    /** The forward and its gradients in double, straight from the definitions. */
    private static final class Reference {
        final double[] y;
        final double[] mean;
        final double[] rstd;
        final double[] gi;
        final double[] gw;
        final double[] gb;
        final double[] yScale;
        final double[] meanScale;
        final double[] rstdScale;
        final double[] giScale;
        final double[] gwScale;
        final double[] gbScale;

        Reference(double[] x, double[] g, double[] w, double[] b, int rows, int n) {
            y = new double[rows * n];
            mean = new double[rows];
            rstd = new double[rows];
            gi = new double[rows * n];
            gw = new double[n];
            gb = new double[n];
            yScale = new double[rows * n];
            meanScale = new double[rows];
            rstdScale = new double[rows];
            giScale = new double[rows * n];
            gwScale = new double[n];
            gbScale = new double[n];
            for (int r = 0; r < rows; r++) {
                double s = 0;
                double sa = 0;
                for (int i = 0; i < n; i++) {
                    s += x[r * n + i];
                    sa += Math.abs(x[r * n + i]);
                }
                double mu = s / n;
                double m2 = 0;
                for (int i = 0; i < n; i++) {
                    m2 += (x[r * n + i] - mu) * (x[r * n + i] - mu);
                }
                double rs = 1 / Math.sqrt(m2 / n + EPS);
                mean[r] = mu;
                meanScale[r] = sa / n + 1;
                rstd[r] = rs;
                rstdScale[r] = rs;
                double s1 = 0;
                double s2 = 0;
                double scale = 0;
                for (int i = 0; i < n; i++) {
                    int k = r * n + i;
                    double xh = (x[k] - mu) * rs;
                    double wi = w == null ? 1 : w[i];
                    y[k] = xh * wi + (b == null ? 0 : b[i]);
                    yScale[k] = Math.abs(xh * wi) + (b == null ? 0 : Math.abs(b[i])) + 1;
                    gw[i] += g[k] * xh;
                    gwScale[i] += Math.abs(g[k] * xh);
                    gb[i] += g[k];
                    gbScale[i] += Math.abs(g[k]);
                    s1 += g[k] * wi;
                    s2 += g[k] * wi * xh;
                    scale += Math.abs(g[k] * wi) * (1 + Math.abs(xh));
                }
                for (int i = 0; i < n; i++) {
                    int k = r * n + i;
                    double xh = (x[k] - mu) * rs;
                    double wi = w == null ? 1 : w[i];
                    gi[k] = rs * (g[k] * wi - s1 / n - xh * s2 / n);
                    giScale[k] = rs * (Math.abs(g[k] * wi) + scale / n * (1 + Math.abs(xh))) + 1;
                }
            }
        }
    }

    private static void assertClose(double[] expected, double[] actual, double[] scale, double tol, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        for (int i = 0; i < expected.length; i++) {
            double bound = tol * scale[i];
            if (!(Math.abs(expected[i] - actual[i]) <= bound)) {
                throw new AssertionError(what + " [" + i + "]: expected " + expected[i] + ", got " + actual[i]
                        + " (bound " + bound + ")");
            }
        }
    }

    private static double[] random(SplittableRandom rnd, int count, double scale, double shift) {
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = shift + scale * (rnd.nextDouble() * 2 - 1);
        }
        return v;
    }

    private Strided put(ScalarType t, double[] v) {
        boolean f32 = t == ScalarType.FLOAT32;
        MemorySegment s = arena.allocate((long) Math.max(1, v.length) * (f32 ? 4 : 8), 64);
        for (int i = 0; i < v.length; i++) {
            if (f32) {
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v[i]);
            } else {
                s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v[i]);
            }
        }
        return Strided.contiguous(s, 0, v.length);
    }

    private static double[] get(ScalarType t, Strided s) {
        double[] v = new double[(int) s.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = t == ScalarType.FLOAT32 ? s.data().getAtIndex(ValueLayout.JAVA_FLOAT, i)
                    : s.data().getAtIndex(ValueLayout.JAVA_DOUBLE, i);
        }
        return v;
    }
}
