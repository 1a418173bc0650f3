package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Transforms}: identities, a hand-computed normalisation, and crops that are windows of the padded input. */
class TransformsTest {
    private static final int N = 16;
    private static final int C = 3;
    private static final int H = 5;
    private static final int W = 7;

    private final List<AutoCloseable> owned = new ArrayList<>();

    @AfterEach
    void release() throws Exception {
        for (AutoCloseable c : owned) {
            c.close();
        }
    }

    /** Values in [0.1, 1) (never 0, so padding is recognisable), targets 0..n-1. */
    private static float[] pixels(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * C * H * W];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.1 + 0.9 * r.nextDouble());
        }
        return x;
    }

    private Batch batch(float[] x, int n) {
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i;
        }
        Batch b = Scope.detached(() -> new Batch(Tensor.of(x, n, C, H, W), Tensor.of(y, n)));
        owned.add(b);
        return b;
    }

    private Batch apply(UnaryOperator<Batch> t, Batch b) {
        Batch out = t.apply(b);
        owned.add(out);
        assertNotSame(b, out);
        assertFalse(b.x().isClosed() || b.y().isClosed(), "the input batch is left to the caller");
        assertArrayEquals(b.y().toFloatArray(), out.y().toFloatArray(), "targets unchanged");
        assertEquals(b.x().dtype(), out.x().dtype());
        return out;
    }

    @Test
    void flippingTwiceWithCertaintyIsTheIdentity() {
        float[] x = pixels(N, 1);
        Batch b = batch(x, N);
        Generator g = new Generator(0);
        Batch once = apply(Transforms.randomHorizontalFlip(1.0, g), b);
        float[] f = once.x().toFloatArray();
        for (int i = 0; i < N * C * H; i++) {
            for (int j = 0; j < W; j++) {
                assertEquals(x[i * W + j], f[i * W + W - 1 - j]);
            }
        }
        Batch twice = apply(Transforms.compose(Transforms.randomHorizontalFlip(1.0, g),
                Transforms.randomHorizontalFlip(1.0, g)), b);
        assertArrayEquals(x, twice.x().toFloatArray());
        assertArrayEquals(x, apply(Transforms.randomHorizontalFlip(0.0, g), b).x().toFloatArray());
    }

    @Test
    void flipWithProbabilityOneHalfFlipsSomeSamples() {
        int n = 200;
        float[] x = pixels(n, 2);
        Batch b = batch(x, n);
        float[] f = apply(Transforms.randomHorizontalFlip(0.5, new Generator(4)), b).x().toFloatArray();
        int flipped = 0;
        int image = C * H * W;
        for (int s = 0; s < n; s++) {
            boolean same = true;
            for (int k = 0; k < image; k++) {
                same &= f[s * image + k] == x[s * image + k];
            }
            flipped += same ? 0 : 1;
        }
        assertTrue(flipped > 60 && flipped < 140, flipped + " of 200 flipped");
        // reproducible from the seed
        assertArrayEquals(f, apply(Transforms.randomHorizontalFlip(0.5, new Generator(4)), b).x().toFloatArray());
    }

    @Test
    void cropWithoutPaddingIsTheIdentity() {
        float[] x = pixels(N, 3);
        assertArrayEquals(x, apply(Transforms.randomCrop(0, new Generator(1)), batch(x, N)).x().toFloatArray());
    }

    @Test
    void randomCropIsAShiftedWindowOfTheZeroPaddedInput() {
        int p = 2;
        int n = 64;
        float[] x = pixels(n, 5);
        Batch out = apply(Transforms.randomCrop(p, new Generator(8)), batch(x, n));
        assertArrayEquals(new long[] {n, C, H, W}, out.x().shape());
        float[] o = out.x().toFloatArray();
        Set<String> offsets = new HashSet<>();
        for (int s = 0; s < n; s++) {
            List<String> fits = new ArrayList<>();
            for (int dy = -p; dy <= p; dy++) {
                for (int dx = -p; dx <= p; dx++) {
                    if (isWindow(x, o, s, dy, dx)) {
                        fits.add(dy + "," + dx);
                    }
                }
            }
            assertEquals(1, fits.size(), "sample " + s + " is exactly one window of the padded image: " + fits);
            offsets.add(fits.get(0));
        }
        assertTrue(offsets.size() >= 10, "offsets vary per sample: " + offsets);
    }

    /** {@code out[s, c, i, j] == padded[s, c, i + dy + p, j + dx + p]}, i.e. {@code x[s, c, i + dy, j + dx]} or 0. */
    private static boolean isWindow(float[] x, float[] out, int s, int dy, int dx) {
        for (int c = 0; c < C; c++) {
            for (int i = 0; i < H; i++) {
                for (int j = 0; j < W; j++) {
                    int si = i + dy;
                    int sj = j + dx;
                    float want = si >= 0 && si < H && sj >= 0 && sj < W ? x[((s * C + c) * H + si) * W + sj] : 0f;
                    if (out[((s * C + c) * H + i) * W + j] != want) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    @Test
    void paddingLargerThanTheImageCanCropToAllZeros() {
        float[] x = pixels(40, 6);
        Batch b = batch(x, 40);
        float[] o = apply(Transforms.randomCrop(10, new Generator(2)), b).x().toFloatArray();
        assertEquals(x.length, o.length);
        boolean someZeroImage = false;
        int image = C * H * W;
        for (int s = 0; s < 40 && !someZeroImage; s++) {
            boolean zero = true;
            for (int k = 0; k < image; k++) {
                zero &= o[s * image + k] == 0f;
            }
            someZeroImage = zero;
        }
        assertTrue(someZeroImage, "with padding 10 > 7, some crops miss the image");
    }

    @Test
    void normalizeMatchesAHandComputation() {
        float[] x = pixels(N, 7);
        double[] mean = {0.5, 0.25, -1};
        double[] std = {0.5, 2, 0.125};
        Batch b = batch(x, N);
        float[] o = apply(Transforms.normalize(mean, std), b).x().toFloatArray();
        for (int s = 0; s < N; s++) {
            for (int c = 0; c < C; c++) {
                for (int k = 0; k < H * W; k++) {
                    int at = (s * C + c) * H * W + k;
                    float want = (float) ((x[at] - mean[c]) / std[c]);
                    assertEquals(want, o[at], Math.ulp(want), "at " + at);
                }
            }
        }
        float[] scalar = apply(Transforms.normalize(0.2860, 0.3530), b).x().toFloatArray();
        for (int i = 0; i < x.length; i++) {
            float want = (float) ((x[i] - 0.2860) / 0.3530);
            assertEquals(want, scalar[i], Math.ulp(want));
        }
    }

    @Test
    void normalizeKeepsFloat64() {
        double[] x = {1, 2, 3, 4, 5, 6};
        Batch b = Scope.detached(() -> new Batch(Tensor.of(x, DType.FLOAT64, Device.CPU, 1, 2, 3, 1),
                Tensor.of(new double[] {0}, 1)));
        owned.add(b);
        Batch o = apply(Transforms.normalize(new double[] {1, 4}, new double[] {3, 0.5}), b);
        assertEquals(DType.FLOAT64, o.x().dtype());
        assertArrayEquals(new double[] {0, 1 / 3.0, 2 / 3.0, 0, 2, 4}, o.x().toDoubleArray(), 1e-15);
    }

    @Test
    void composeAppliesInOrderAndClosesIntermediates() {
        float[] x = pixels(N, 9);
        Batch b = batch(x, N);
        List<Batch> made = new ArrayList<>();
        UnaryOperator<Batch> flip = Transforms.randomHorizontalFlip(1.0, new Generator(0));
        UnaryOperator<Batch> recordingFlip = in -> {
            Batch out = flip.apply(in);
            made.add(out);
            return out;
        };
        Batch out = apply(Transforms.compose(recordingFlip, Transforms.normalize(0.5, 0.25), recordingFlip), b);
        assertEquals(2, made.size());
        assertTrue(made.get(0).x().isClosed(), "the intermediate batch is closed");
        assertFalse(made.get(1).x().isClosed(), "the result is open");
        float[] o = out.x().toFloatArray();
        for (int i = 0; i < x.length; i++) {
            assertEquals((float) ((x[i] - 0.5) / 0.25), o[i], 1e-6f);
        }
        Batch id = Transforms.compose().apply(b);
        assertTrue(id == b, "compose() is the identity");
    }

    @Test
    void augmentationThroughTheLoaderIsReproducibleAndPrefetchIndependent() {
        int n = 30;
        float[] x = pixels(n, 10);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i;
        }
        Tensor fx = Scope.detached(() -> Tensor.of(x, n, C, H, W));
        Tensor fy = Scope.detached(() -> Tensor.of(y, n));
        owned.add(fx);
        owned.add(fy);
        TensorDataset d = new TensorDataset(fx, fy);
        List<List<float[]>> runs = new ArrayList<>();
        for (int prefetch : new int[] {0, 2}) {
            Generator g = new Generator(42);
            DataLoader l = DataLoader.builder(d).batchSize(8).shuffle(g).prefetch(prefetch)
                    .transform(Transforms.compose(Transforms.randomCrop(1, g), Transforms.randomHorizontalFlip(0.5, g),
                            Transforms.normalize(0.5, 0.5)))
                    .build();
            List<float[]> batches = new ArrayList<>();
            for (int e = 0; e < 2; e++) {
                for (Batch b : l) {
                    assertArrayEquals(new long[] {b.size(), C, H, W}, b.x().shape());
                    batches.add(b.x().toFloatArray());
                    batches.add(b.y().toFloatArray());
                }
            }
            runs.add(batches);
        }
        assertEquals(runs.get(0).size(), runs.get(1).size());
        for (int i = 0; i < runs.get(0).size(); i++) {
            assertArrayEquals(runs.get(0).get(i), runs.get(1).get(i), "batch part " + i);
        }
        assertArrayEquals(x, fx.toFloatArray(), "the dataset is not modified");
    }

    @Test
    void badArgumentsAreRejected() {
        Generator g = new Generator(0);
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomCrop(-1, g));
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomCrop(1, null));
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomHorizontalFlip(1.5, g));
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(0, 0));
        assertThrows(IllegalArgumentException.class, () -> Transforms.normalize(new double[0], new double[] {1}));
        Batch b = batch(pixels(2, 1), 2);
        var e = assertThrows(IllegalArgumentException.class,
                () -> Transforms.normalize(new double[] {0, 0}, new double[] {1, 1}).apply(b));
        assertTrue(e.getMessage().contains("3 channels"), e.getMessage());
        Batch flat = Scope.detached(() -> new Batch(Tensor.of(new float[6], 2, 3), Tensor.of(new float[2], 2)));
        owned.add(flat);
        assertThrows(IllegalArgumentException.class, () -> Transforms.randomCrop(1, g).apply(flat));
    }
}
