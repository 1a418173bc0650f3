package dev.nabla.data;

import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * MNIST-style image classification data (Fashion-MNIST, MNIST): 28x28 grayscale images and class labels, loaded
 * from IDX files into {@link TensorDataset}s with features {@code [N, 1, 28, 28]} float32 in [0, 1] (like
 * torchvision's {@code ToTensor}) and labels {@code [N]} (int64 class indices,
 * like torchvision's targets).
 *
 * <p>Where the files come from, in order: the directory given by the caller (or the environment variable of the
 * dataset, e.g. {@code NABLA_FASHION_MNIST_DIR}); the Debian package location (Fashion-MNIST:
 * {@code /usr/share/datasets/fashion-mnist}, package {@code dataset-fashion-mnist}); a cache directory
 * ({@code $XDG_CACHE_HOME/nabla/<name>} or {@code ~/.cache/nabla/<name>}), downloading missing files from the
 * dataset's official URLs with checksum verification. Offline with no local copy, the error says what was tried.
 */
public final class MnistDatasets {
    /** The four files of a split pair, in the order train images, train labels, test images, test labels. */
    private static final String[] FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

    /**
     * A dataset's identity and provenance.
     *
     * @param name      cache folder name
     * @param envVar    environment variable naming a directory with the files
     * @param systemDir a distribution's install location, or null
     * @param baseUrl   where the official {@code .gz} files are served
     * @param checksums the expected checksum of each of {@link #FILES}
     */
    public record Source(String name, String envVar, Path systemDir, URI baseUrl, Downloader.Checksum[] checksums) {
    }

    /** Fashion-MNIST (Zalando Research); checksums are SHA-256 of the decompressed IDX content. */
    public static final Source FASHION_MNIST = new Source("fashion-mnist", "NABLA_FASHION_MNIST_DIR",
            Path.of("/usr/share/datasets/fashion-mnist"),
            URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
            new Downloader.Checksum[] {
                Downloader.Checksum.sha256OfContent("c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
                Downloader.Checksum.sha256OfContent("bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
                Downloader.Checksum.sha256OfContent("5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
                Downloader.Checksum.sha256OfContent("0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34")});

    /** MNIST (the torchvision mirror); checksums are the MD5s of the published {@code .gz} files. */
    public static final Source MNIST = new Source("mnist", "NABLA_MNIST_DIR", null,
            URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"),
            new Downloader.Checksum[] {
                new Downloader.Checksum("MD5", "f68b3c2dcbeaaa9fbdd348bbdeb94873", false),
                new Downloader.Checksum("MD5", "d53e105ee54ea40749a09fcbcd1e9432", false),
                new Downloader.Checksum("MD5", "9fb629c4189551a2d022fa330f9573f3", false),
                new Downloader.Checksum("MD5", "ec29112dd5afa0611ce80d1b7f02629c", false)});

    /**
     * The training and test sets.
     *
     * @param train 60,000 samples (for these datasets)
     * @param test  10,000 samples
     */
    public record Splits(TensorDataset train, TensorDataset test) implements AutoCloseable {
        /** Releases the four tensors. */
        @Override
        public void close() {
            train.features().close();
            train.targets().close();
            test.features().close();
            test.targets().close();
        }
    }

    private MnistDatasets() {
    }

    /** Fashion-MNIST from {@code dir} (null: the usual places, see the class doc). */
    public static Splits fashionMnist(Path dir) throws IOException {
        return load(FASHION_MNIST, dir, defaultCache(FASHION_MNIST), new Downloader());
    }

    /** MNIST from {@code dir} (null: the usual places). */
    public static Splits mnist(Path dir) throws IOException {
        return load(MNIST, dir, defaultCache(MNIST), new Downloader());
    }

    /** The per-user cache directory for a dataset. */
    public static Path defaultCache(Source source) {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("nabla").resolve(source.name());
    }

    /** Loads {@code source}, looking in {@code dir}, the environment, the system location, then {@code cache}. */
    public static Splits load(Source source, Path dir, Path cache, Downloader downloader) throws IOException {
        List<String> tried = new ArrayList<>();
        List<Path> candidates = new ArrayList<>();
        if (dir != null) {
            candidates.add(dir);
        }
        String env = System.getenv(source.envVar());
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        if (source.systemDir() != null) {
            candidates.add(source.systemDir());
        }
        for (Path candidate : candidates) {
            Path[] files = find(candidate);
            if (files != null) {
                return read(files);
            }
            tried.add(candidate + ": not all four IDX files present");
        }
        Path[] files = new Path[FILES.length];
        for (int i = 0; i < FILES.length; i++) {
            URI url = source.baseUrl().resolve(FILES[i] + ".gz");
            try {
                files[i] = downloader.fetch(url, cache.resolve(FILES[i] + ".gz"), source.checksums()[i]);
            } catch (IOException e) {
                tried.add(cache + ": " + e.getMessage());
                throw new IOException(source.name() + " not found. Tried:\n  - " + String.join("\n  - ", tried)
                        + "\nGive a directory with the IDX files, set " + source.envVar()
                        + (source.systemDir() != null ? ", install the Debian package (" + source.systemDir() + ")" : "")
                        + " or go online once to fill the cache.", e);
            }
        }
        return read(files);
    }

    /** The four files in {@code dir} (each plain or {@code .gz}), or null if any is missing. */
    private static Path[] find(Path dir) {
        Path[] out = new Path[FILES.length];
        for (int i = 0; i < FILES.length; i++) {
            Path plain = dir.resolve(FILES[i]);
            Path gz = dir.resolve(FILES[i] + ".gz");
            out[i] = Files.isRegularFile(gz) ? gz : Files.isRegularFile(plain) ? plain : null;
            if (out[i] == null) {
                return null;
            }
        }
        return out;
    }

    private static Splits read(Path[] files) throws IOException {
        TensorDataset train = dataset(files[0], files[1]);
        TensorDataset test = dataset(files[2], files[3]);
        return new Splits(train, test);
    }

    /** Images and labels as a dataset; the tensors are owned by the caller (outside any scope). */
    public static TensorDataset dataset(Path images, Path labels) throws IOException {
        Idx.Array img = Idx.read(images);
        Idx.Array lab = Idx.read(labels);
        if (img.shape().length != 3) {
            throw new IOException("IDX file " + images + " should hold images [N, rows, cols], has shape "
                    + java.util.Arrays.toString(img.shape()));
        }
        if (lab.shape().length != 1 || lab.shape()[0] != img.shape()[0]) {
            throw new IOException("IDX file " + labels + " should hold " + img.shape()[0] + " labels, has shape "
                    + java.util.Arrays.toString(lab.shape()));
        }
        int n = img.shape()[0];
        int h = img.shape()[1];
        int w = img.shape()[2];
        byte[] px = img.data();
        float[] x = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            x[i] = (px[i] & 0xff) / 255f;
        }
        long[] y = new long[n];
        for (int i = 0; i < n; i++) {
            y[i] = lab.data()[i] & 0xff;
        }
        return Scope.detached(() -> new TensorDataset(Tensor.of(x, n, 1, h, w),
                Tensor.of(y, n)));
    }

    /** The first {@code n} samples of {@code d} as a new dataset (copies; for quick runs and tests). */
    public static TensorDataset subset(TensorDataset d, long n) {
        long m = Math.min(n, d.size());
        return Scope.detached(() -> new TensorDataset(d.features().narrow(0, 0, m).clone(),
                d.targets().narrow(0, 0, m).clone()));
    }
}
