package dev.nabla.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/** Small IDX files made in the tests: the format written from its definition, independent of {@link Idx}. */
final class IdxFiles {
    static final String[] NAMES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte"};

    private IdxFiles() {
    }

    /** An IDX file of unsigned bytes: magic 0x00000800 + dims, big-endian sizes, then {@code data}. */
    static byte[] idx(int[] shape, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length + data.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) shape.length);
        for (int s : shape) {
            b.putInt(s);
        }
        return b.put(data).array();
    }

    /** {@code n} images of {@code rows x cols} random pixels. */
    static byte[] images(int n, int rows, int cols, long seed) {
        byte[] px = new byte[n * rows * cols];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) r.nextInt(256);
        }
        return idx(new int[] {n, rows, cols}, px);
    }

    /** {@code n} labels {@code i % 10}. */
    static byte[] labels(int n) {
        byte[] y = new byte[n];
        for (int i = 0; i < n; i++) {
            y[i] = (byte) (i % 10);
        }
        return idx(new int[] {n}, y);
    }

    static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static String sha256(byte[] raw) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The four raw (uncompressed) files of a split pair with {@code nTrain}/{@code nTest} samples of 4x3 images,
     * in the order of {@link #NAMES}.
     */
    static byte[][] splitPair(int nTrain, int nTest, long seed) {
        return new byte[][] {images(nTrain, 4, 3, seed), labels(nTrain), images(nTest, 4, 3, seed + 1),
                labels(nTest)};
    }
}
