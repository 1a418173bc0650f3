package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.backend.Backend;
import dev.nabla.backend.java.JavaBackend;
import dev.nabla.backend.registry.Backends;
import dev.nabla.base.ConvGeometry;
import dev.nabla.base.Elements;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The CUDA backend's fused kernels (softmax / log-softmax, batch norm, max pooling, forward and backward) against the
 * pure-Java reference backend on the same random inputs, in float32 and float64: short rows (one warp per row), rows
 * longer than a block, channels with many elements, NaN rows and ties, overlapping pooling windows. Run under the
 * CUDA emulator in both modes (one thread, and real blocks with {@code NABLA_CUDA_EMU_THREADS=1}), the reduction
 * trees are exercised before a GPU runs them. Skipped without a CUDA device.
 */
class CudaFusedKernelsTest {
    private static Backend cuda;
    private static final JavaBackend REFERENCE = new JavaBackend(false);

    private final List<Storage> storages = new ArrayList<>();
    private final Arena arena = Arena.ofAuto();

    @BeforeAll
    static void requireGpu() {
        assumeTrue(Backends.cudaDeviceCount() > 0, "no CUDA device: " + Backends.cudaUnavailableReason());
        cuda = Backends.cuda(0);
    }

    @AfterEach
    void release() {
        storages.forEach(Storage::release);
        storages.clear();
    }

    /** A contiguous operand with the same contents on the host (for the reference) and on the device. */
    final class Operand {
        final ScalarType t;
        final long[] shape;
        final long n;
        final MemorySegment host;
        final MemorySegment dev;

        Operand(ScalarType t, long[] shape, SplittableRandom r, double lo, double hi) {
            this.t = t;
            this.shape = shape;
            this.n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            host = arena.allocate(Math.max(1, n) * t.byteSize(), 8);
            for (long i = 0; i < n; i++) {
                Elements.setDouble(t, host, i, lo + (hi - lo) * r.nextDouble());
            }
            Storage s = cuda.pool().allocate(Math.max(1, n) * t.byteSize());
            storages.add(s);
            dev = s.segment();
            upload();
        }

        void upload() {
            cuda.copyFromHost(host, dev, 0, n * t.byteSize());
        }

        void put(long i, double v) {
            Elements.setDouble(t, host, i, v);
            upload();
        }

        Strided onHost() {
            return new Strided(host, 0, shape, Strided.contiguousStrides(shape));
        }

        Strided onDevice() {
            return new Strided(dev, 0, shape, Strided.contiguousStrides(shape));
        }

        void assertClose(String what, double rtol, double atol) {
            MemorySegment back = arena.allocate(Math.max(1, n) * t.byteSize(), 8);
            cuda.copyToHost(dev, 0, back, n * t.byteSize());
            for (long i = 0; i < n; i++) {
                double want = Elements.getDouble(t, host, i);
                double got = Elements.getDouble(t, back, i);
                boolean ok = Double.isNaN(want) || Double.isNaN(got) ? Double.isNaN(want) && Double.isNaN(got)
                        : Double.isInfinite(want) || Double.isInfinite(got) ? want == got
                        : Math.abs(got - want) <= atol + rtol * Math.abs(want);
                if (!ok) {
                    fail(what + " " + t + " shape " + Arrays.toString(shape) + ": element " + i + " is " + got
                            + " on cuda, " + want + " in the reference");
                }
            }
        }
    }

    Operand operand(ScalarType t, SplittableRandom r, long... shape) {
        return new Operand(t, shape, r, -3, 3);
    }

    static double rtol(ScalarType t) {
        return t == ScalarType.FLOAT32 ? 2e-5 : 1e-10;
    }

    static double atol(ScalarType t) {
        return t == ScalarType.FLOAT32 ? 2e-5 : 1e-10;
    }

    // ------------------------------------------------------------------ softmax

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void softmaxAndLogSoftmaxForwardAndBackward(ScalarType t) {
        SplittableRandom r = new SplittableRandom(1);
        long[][] shapes = {{1, 1}, {128, 10}, {3, 1000}, {5, 777}, {2, 3, 17}, {7}};
        for (long[] shape : shapes) {
            for (boolean log : new boolean[] {false, true}) {
                Operand x = operand(t, r, shape);
                if (x.n >= 20) {
                    x.put(3, Double.NaN);   // a NaN row stays NaN
                    x.put(x.n - 1, 800);    // exp would overflow without subtracting the row maximum
                }
                Operand y = operand(t, r, shape);
                assertTrue(REFERENCE.softmax(t, x.onHost(), y.onHost(), log));
                assertTrue(cuda.softmax(t, x.onDevice(), y.onDevice(), log));
                y.assertClose(log ? "logSoftmax" : "softmax", rtol(t), atol(t));

                Operand g = operand(t, r, shape);
                Operand gi = operand(t, r, shape);
                assertTrue(REFERENCE.softmaxBackward(t, y.onHost(), g.onHost(), gi.onHost(), log));
                assertTrue(cuda.softmaxBackward(t, y.onDevice(), g.onDevice(), gi.onDevice(), log));
                gi.assertClose(log ? "logSoftmax backward" : "softmax backward", rtol(t), atol(t) * 10);
            }
        }
    }

    // ------------------------------------------------------------------ batch norm

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void batchNormForwardAndBackward(ScalarType t) {
        SplittableRandom r = new SplittableRandom(2);
        long[][] shapes = {{4, 3}, {8, 5, 7, 3}, {2, 4, 33}, {16, 2, 40, 40}, {1, 6, 5, 5}};
        for (long[] shape : shapes) {
            long c = shape[1];
            for (boolean batchStats : new boolean[] {true, false}) {
                for (boolean affine : new boolean[] {true, false}) {
                    String what = "batchNorm batchStats=" + batchStats + " affine=" + affine;
                    // a large common offset: the variance must come from deviations, not from a sum of squares
                    Operand x = new Operand(t, shape, r, 1000, 1004);
                    Operand w = affine ? operand(t, r, c) : null;
                    Operand b = affine ? operand(t, r, c) : null;
                    Operand mean = new Operand(t, new long[] {c}, r, 1000, 1004);
                    Operand var = new Operand(t, new long[] {c}, r, 0.5, 2);
                    Operand out = operand(t, r, shape);
                    assertTrue(REFERENCE.batchNorm(t, x.onHost(), host(w), host(b), batchStats, 1e-5, mean.onHost(),
                            var.onHost(), out.onHost()));
                    assertTrue(cuda.batchNorm(t, x.onDevice(), dev(w), dev(b), batchStats, 1e-5, mean.onDevice(),
                            var.onDevice(), out.onDevice()));
                    mean.assertClose(what + " mean", rtol(t), atol(t));
                    var.assertClose(what + " var", t == ScalarType.FLOAT32 ? 1e-4 : 1e-9, atol(t));
                    out.assertClose(what + " out", t == ScalarType.FLOAT32 ? 1e-4 : 1e-9, t == ScalarType.FLOAT32
                            ? 1e-4 : 1e-9);

                    Operand g = operand(t, r, shape);
                    Operand gi = operand(t, r, shape);
                    Operand gw = affine ? operand(t, r, c) : null;
                    Operand gb = affine ? operand(t, r, c) : null;
                    assertTrue(REFERENCE.batchNormBackward(t, x.onHost(), g.onHost(), host(w), mean.onHost(),
                            var.onHost(), batchStats, 1e-5, gi.onHost(), host(gw), host(gb)));
                    assertTrue(cuda.batchNormBackward(t, x.onDevice(), g.onDevice(), dev(w), mean.onDevice(),
                            var.onDevice(), batchStats, 1e-5, gi.onDevice(), dev(gw), dev(gb)));
                    double tol = t == ScalarType.FLOAT32 ? 1e-3 : 1e-8;
                    gi.assertClose(what + " gradIn", tol, tol);
                    if (affine) {
                        gw.assertClose(what + " gradWeight", tol, tol);
                        gb.assertClose(what + " gradBias", tol, tol);
                    }
                }
            }
        }
    }

    private static Strided host(Operand o) {
        return o == null ? null : o.onHost();
    }

    private static Strided dev(Operand o) {
        return o == null ? null : o.onDevice();
    }

    // ------------------------------------------------------------------ max pooling

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void maxPoolForwardAndBackward(ScalarType t) {
        SplittableRandom r = new SplittableRandom(3);
        ConvGeometry[] geos = {new ConvGeometry(2, 2, 2, 2, 0, 0, 1, 1), new ConvGeometry(3, 3, 1, 1, 1, 1, 1, 1),
            new ConvGeometry(3, 2, 2, 1, 1, 0, 1, 2), new ConvGeometry(2, 3, 3, 2, 0, 1, 2, 1)};
        for (ConvGeometry g : geos) {
            long[] xs = {3, 4, 9, 8};
            Operand x = operand(t, r, xs);
            x.put(5, Double.NaN);                      // NaN wins its windows
            x.put(20, 2.5);                            // ties: the first maximum wins
            x.put(21, 2.5);
            x.put(30, Double.NEGATIVE_INFINITY);
            long[] os = {xs[0], xs[1], g.outH(xs[2]), g.outW(xs[3])};
            Operand out = operand(t, r, os);
            Operand idx = operand(t, r, os);
            assertTrue(REFERENCE.maxPool2d(t, x.onHost(), g, out.onHost(), idx.onHost()));
            assertTrue(cuda.maxPool2d(t, x.onDevice(), g, out.onDevice(), idx.onDevice()));
            out.assertClose("maxPool2d " + g, 0, 0);
            idx.assertClose("maxPool2d indices " + g, 0, 0);

            Operand go = operand(t, r, os);
            Operand gi = operand(t, r, xs);
            assertTrue(REFERENCE.maxPool2dBackward(t, go.onHost(), idx.onHost(), gi.onHost()));
            assertTrue(cuda.maxPool2dBackward(t, go.onDevice(), idx.onDevice(), gi.onDevice()));
            // overlapping windows add into one position in another order
            gi.assertClose("maxPool2d backward " + g, rtol(t), atol(t));
        }
    }

    @Test
    void operandsThatAreNotContiguousAreLeftToTheComposedForm() {
        SplittableRandom r = new SplittableRandom(4);
        ScalarType t = ScalarType.FLOAT32;
        Operand x = operand(t, r, 4, 6);
        Operand out = operand(t, r, 4, 6);
        Strided transposed = new Strided(x.dev, 0, new long[] {6, 4}, new long[] {1, 6});
        Strided outT = new Strided(out.dev, 0, new long[] {6, 4}, new long[] {4, 1});
        assertFalse(cuda.softmax(t, transposed, outT, false));
        assertFalse(cuda.batchNorm(t, transposed, null, null, true, 1e-5, operand(t, r, 4).onDevice(),
                operand(t, r, 4).onDevice(), outT));
    }
}
