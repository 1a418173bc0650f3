package dev.nabla.data;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Batch transforms for {@link DataLoader.Builder#transform}: normalisation and simple image augmentation, like
 * torchvision's {@code Normalize}, {@code RandomCrop(size, padding)} and {@code RandomHorizontalFlip}, applied to a
 * whole batch of images {@code [N, C, H, W]} at once.
 *
 * <pre>{@code
 * var g = new Generator(0);
 * var loader = DataLoader.builder(train).batchSize(128).shuffle(g)
 *         .transform(Transforms.compose(
 *                 Transforms.randomCrop(2, g),
 *                 Transforms.randomHorizontalFlip(0.5, g),
 *                 Transforms.normalize(0.2860, 0.3530)))
 *         .build();
 * }</pre>
 *
 * <p>Every transform returns a <em>new</em> {@link Batch} (new input tensor of the same dtype and device, and a copy
 * of the targets) and leaves its argument untouched and open: {@link DataLoader} closes the batch it passed in
 * once the transform returns a different one, and {@link #compose} closes the intermediate batches it creates.
 * The work is a plain host loop over the batch (it runs on the loader's prefetch thread, overlapping the training
 * step). Random transforms draw from their {@link Generator} one sample after another in batch order, so with a
 * seeded generator and the loader's single prefetch thread the augmented batches are reproducible; random
 * transforms that share one generator also share its stream.
 */
public final class Transforms {
    private Transforms() {
    }

    /**
     * Per-channel normalisation {@code (x - mean[c]) / std[c]} of images {@code [N, C, ...]} (channel dimension 1);
     * a one-element {@code mean}/{@code std} applies to every channel.
     *
     * @param mean per-channel means (length {@code C} or 1)
     * @param std  per-channel standard deviations (length {@code C} or 1), each finite and positive
     * @return the transform
     * @throws IllegalArgumentException for empty or non-positive/non-finite arguments; applying it to a batch whose
     *                                  channel count does not match throws {@link IllegalArgumentException} too
     */
    public static UnaryOperator<Batch> normalize(double[] mean, double[] std) {
        if (mean == null || std == null || mean.length == 0 || std.length == 0) {
            throw new IllegalArgumentException("Transforms.normalize: mean and std must be non-empty arrays");
        }
        for (double s : std) {
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new IllegalArgumentException("Transforms.normalize: std must be finite and positive, got "
                        + Arrays.toString(std));
            }
        }
        for (double m : mean) {
            if (!Double.isFinite(m)) {
                throw new IllegalArgumentException("Transforms.normalize: mean must be finite, got "
                        + Arrays.toString(mean));
            }
        }
        double[] m = mean.clone();
        double[] s = std.clone();
        return batch -> {
            Tensor x = batch.x();
            if (x.dim() < 2) {
                throw new IllegalArgumentException("Transforms.normalize: expected images [N, C, ...], got "
                        + x.describe());
            }
            int channels = Math.toIntExact(x.size(1));
            for (double[] a : List.of(m, s)) {
                if (a.length != 1 && a.length != channels) {
                    throw new IllegalArgumentException("Transforms.normalize: " + a.length + " mean/std values for "
                            + channels + " channels of " + x.describe());
                }
            }
            long n = x.size(0);
            int plane = Math.toIntExact(channels == 0 || n == 0 ? 0 : x.numel() / (n * channels));
            double[] v = x.toDoubleArray();
            for (int i = 0, at = 0; i < n; i++) {
                for (int c = 0; c < channels; c++) {
                    double mc = m[m.length == 1 ? 0 : c];
                    double sc = s[s.length == 1 ? 0 : c];
                    for (int k = 0; k < plane; k++, at++) {
                        v[at] = (v[at] - mc) / sc;
                    }
                }
            }
            return rebuilt(batch, v);
        };
    }

    /**
     * {@link #normalize(double[], double[])} with the same mean and standard deviation for every channel.
     *
     * @param mean the mean
     * @param std  the standard deviation, finite and positive
     * @return the transform
     */
    public static UnaryOperator<Batch> normalize(double mean, double std) {
        return normalize(new double[] {mean}, new double[] {std});
    }

    /**
     * Random crop with zero padding, like torchvision's {@code RandomCrop((H, W), padding)}: each image
     * {@code [C, H, W]} of the batch is padded with {@code padding} zeros on all four sides and cropped back to
     * {@code H x W} at an offset {@code (dy, dx)}, each uniform in {@code [0, 2 * padding]} and drawn per sample
     * (rows first). So {@code out[n, c, i, j] = x[n, c, i + dy - padding, j + dx - padding]}, or 0 where that is
     * outside the image. With {@code padding == 0} it is the identity (a copy).
     *
     * @param padding   zeros added on each side, {@code >= 0}
     * @param generator the source of the offsets
     * @return the transform
     * @throws IllegalArgumentException for a negative padding or a null generator; applying it to a batch that is
     *                                  not 4-dimensional throws {@link IllegalArgumentException} too
     */
    public static UnaryOperator<Batch> randomCrop(int padding, Generator generator) {
        if (padding < 0) {
            throw new IllegalArgumentException("Transforms.randomCrop: padding must be >= 0, got " + padding);
        }
        requireGenerator("randomCrop", generator);
        return batch -> {
            Tensor x = batch.x();
            int[] d = imageDims("randomCrop", x);
            int n = d[0];
            int c = d[1];
            int h = d[2];
            int w = d[3];
            double[] in = x.toDoubleArray();
            double[] out = new double[in.length];
            int image = c * h * w;
            for (int s = 0; s < n; s++) {
                int dy = generator.nextInt(2 * padding + 1) - padding;
                int dx = generator.nextInt(2 * padding + 1) - padding;
                // out[i, j] = in[i + dy, j + dx] where that is inside the image
                int i0 = Math.max(0, -dy);
                int i1 = Math.min(h, h - dy);
                int j0 = Math.max(0, -dx);
                int j1 = Math.min(w, w - dx);
                if (i0 >= i1 || j0 >= j1) {
                    continue;
                }
                for (int ch = 0; ch < c; ch++) {
                    int base = s * image + ch * h * w;
                    for (int i = i0; i < i1; i++) {
                        System.arraycopy(in, base + (i + dy) * w + j0 + dx, out, base + i * w + j0, j1 - j0);
                    }
                }
            }
            return rebuilt(batch, out);
        };
    }

    /**
     * Random horizontal flip, like torchvision's {@code RandomHorizontalFlip(p)}: each image {@code [C, H, W]} of
     * the batch is mirrored left to right ({@code out[n, c, i, j] = x[n, c, i, W - 1 - j]}) with probability
     * {@code p}, decided per sample by one draw of {@link Generator#nextDouble()} ({@code < p} flips).
     *
     * @param p         the probability of a flip, in [0, 1]
     * @param generator the source of the decisions
     * @return the transform
     * @throws IllegalArgumentException for {@code p} outside [0, 1] or a null generator; applying it to a batch that
     *                                  is not 4-dimensional throws {@link IllegalArgumentException} too
     */
    public static UnaryOperator<Batch> randomHorizontalFlip(double p, Generator generator) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("Transforms.randomHorizontalFlip: p must be in [0, 1], got " + p);
        }
        requireGenerator("randomHorizontalFlip", generator);
        return batch -> {
            Tensor x = batch.x();
            int[] d = imageDims("randomHorizontalFlip", x);
            int n = d[0];
            int rows = d[1] * d[2];
            int w = d[3];
            double[] v = x.toDoubleArray();
            for (int s = 0; s < n; s++) {
                if (generator.nextDouble() < p) {
                    for (int r = 0; r < rows; r++) {
                        int base = (s * rows + r) * w;
                        for (int a = base, b = base + w - 1; a < b; a++, b--) {
                            double t = v[a];
                            v[a] = v[b];
                            v[b] = t;
                        }
                    }
                }
            }
            return rebuilt(batch, v);
        };
    }

    /**
     * The transforms applied in order, like torchvision's {@code Compose}. Intermediate batches (those made by one
     * transform and consumed by the next) are closed; the input batch is left to the caller (the loader).
     *
     * @param transforms the steps, none null; with none, the identity
     * @return the composed transform
     */
    @SafeVarargs
    public static UnaryOperator<Batch> compose(UnaryOperator<Batch>... transforms) {
        List<UnaryOperator<Batch>> steps = List.of(transforms);
        return batch -> {
            Batch cur = batch;
            try {
                for (UnaryOperator<Batch> t : steps) {
                    Batch next = t.apply(cur);
                    if (next != cur && cur != batch) {
                        cur.close();
                    }
                    cur = next;
                }
            } catch (RuntimeException | Error e) {
                if (cur != batch) {
                    cur.close();
                }
                throw e;
            }
            return cur;
        };
    }

    private static void requireGenerator(String who, Generator generator) {
        if (generator == null) {
            throw new IllegalArgumentException("Transforms." + who + ": the generator is null");
        }
    }

    /** {@code [N, C, H, W]} of a 4-dimensional batch. */
    private static int[] imageDims(String who, Tensor x) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException("Transforms." + who + ": expected images [N, C, H, W], got "
                    + x.describe());
        }
        return new int[] {Math.toIntExact(x.size(0)), Math.toIntExact(x.size(1)), Math.toIntExact(x.size(2)),
                Math.toIntExact(x.size(3))};
    }

    /** A new batch: {@code values} shaped like the old inputs (same dtype and device), and a copy of the targets. */
    private static Batch rebuilt(Batch old, double[] values) {
        Tensor x = old.x();
        DType dtype = x.dtype();
        Tensor nx = Tensor.of(values, dtype, x.device(), x.shape());
        Tensor ny;
        try (Grad off = Grad.disabled()) {
            ny = old.y().clone();
        } catch (RuntimeException | Error e) {
            nx.close();
            throw e;
        }
        return new Batch(nx, ny);
    }
}
