package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** IDX parsing of generated files, plain and gzip, and the rejection of malformed ones. */
class IdxTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void readsPlainImagesAndLabels() throws IOException {
        byte[] raw = IdxFiles.images(5, 4, 3, 1);
        Idx.Array a = Idx.read(write("img", raw));
        assertArrayEquals(new int[] {5, 4, 3}, a.shape());
        assertEquals(60, a.numel());
        assertArrayEquals(Arrays.copyOfRange(raw, 16, raw.length), a.data());

        Idx.Array l = Idx.read(write("lab", IdxFiles.labels(12)));
        assertArrayEquals(new int[] {12}, l.shape());
        assertEquals(9, l.data()[9]);
        assertEquals(1, l.data()[11]);
    }

    @Test
    void readsGzipLikePlain() throws IOException {
        byte[] raw = IdxFiles.images(7, 2, 5, 2);
        Idx.Array plain = Idx.read(write("img", raw));
        Idx.Array gz = Idx.read(write("img.gz", IdxFiles.gzip(raw)));
        assertArrayEquals(plain.shape(), gz.shape());
        assertArrayEquals(plain.data(), gz.data());
    }

    @Test
    void readsUnsignedBytesAndEmptyArrays() throws IOException {
        Idx.Array a = Idx.read(write("u", IdxFiles.idx(new int[] {2, 2}, new byte[] {0, 127, (byte) 128,
                (byte) 255})));
        assertEquals(255, a.data()[3] & 0xff);
        Idx.Array empty = Idx.read(write("e", IdxFiles.idx(new int[] {0, 28, 28}, new byte[0])));
        assertArrayEquals(new int[] {0, 28, 28}, empty.shape());
        assertEquals(0, empty.data().length);
    }

    /** Reads {@code bytes} as a file and expects an IOException whose message names the file and {@code what}. */
    private void rejects(String name, byte[] bytes, String... what) throws IOException {
        Path p = write(name, bytes);
        IOException e = assertThrows(IOException.class, () -> Idx.read(p));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        for (String w : what) {
            assertTrue(e.getMessage().contains(w), "expected '" + w + "' in: " + e.getMessage());
        }
    }

    @Test
    void rejectsBadMagic() throws IOException {
        byte[] raw = IdxFiles.images(2, 2, 2, 3);
        raw[0] = 0x1a;
        rejects("bad-magic", raw, "magic");
        // a PNG/text file
        rejects("text", "hello, world".getBytes(), "magic");
    }

    @Test
    void rejectsWrongElementType() throws IOException {
        byte[] raw = IdxFiles.images(2, 2, 2, 3);
        raw[2] = 0x0D; // float32 elements
        rejects("floats", raw, "element type 0x0d", "0x08");
    }

    @Test
    void rejectsZeroDimensions() throws IOException {
        rejects("nodims", new byte[] {0, 0, 8, 0}, "0 dimensions");
    }

    @Test
    void rejectsTruncatedHeader() throws IOException {
        byte[] raw = IdxFiles.images(2, 2, 2, 3);
        rejects("short-header", Arrays.copyOf(raw, 10), "truncated", "header");
        rejects("three-bytes", new byte[] {0, 0, 8}, "too short");
        rejects("empty", new byte[0], "too short");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        byte[] raw = IdxFiles.images(3, 4, 4, 3);
        rejects("short-data", Arrays.copyOf(raw, raw.length - 5), "truncated", "[3, 4, 4]", "48", "43");
    }

    @Test
    void rejectsExtraData() throws IOException {
        byte[] raw = IdxFiles.labels(4);
        rejects("long-data", Arrays.copyOf(raw, raw.length + 3), "trailing", "announces 4", "has 7");
    }

    @Test
    void rejectsNegativeSize() throws IOException {
        byte[] raw = IdxFiles.labels(4);
        raw[4] = (byte) 0x80;
        rejects("negative", raw, "negative size");
    }

    @Test
    void rejectsDamagedGzip() throws IOException {
        byte[] gz = IdxFiles.gzip(IdxFiles.images(50, 8, 8, 4));
        // cut short
        rejects("cut.gz", Arrays.copyOf(gz, gz.length / 2), "gzip");
        // bytes flipped in the compressed stream (or the CRC trailer)
        byte[] flipped = gz.clone();
        for (int i = 20; i < flipped.length - 8; i += 7) {
            flipped[i] ^= 0x5a;
        }
        rejects("flipped.gz", flipped, "gzip");
        byte[] crc = gz.clone();
        crc[crc.length - 6] ^= 0x01;
        rejects("crc.gz", crc, "gzip");
    }

    @Test
    void datasetScalesPixelsAndChecksCounts() throws IOException {
        byte[] img = IdxFiles.idx(new int[] {2, 1, 2}, new byte[] {0, (byte) 255, 51, (byte) 204});
        Path images = write("i", img);
        Path labels = write("l", IdxFiles.idx(new int[] {2}, new byte[] {3, 9}));
        TensorDataset d = MnistDatasets.dataset(images, labels);
        try {
            assertArrayEquals(new long[] {2, 1, 1, 2}, d.features().shape());
            assertArrayEquals(new float[] {0f, 1f, 0.2f, 0.8f}, d.features().toFloatArray(), 1e-7f);
            assertArrayEquals(new float[] {3, 9}, d.targets().toFloatArray());
        } finally {
            d.features().close();
            d.targets().close();
        }
        Path threeLabels = write("l3", IdxFiles.labels(3));
        IOException e = assertThrows(IOException.class, () -> MnistDatasets.dataset(images, threeLabels));
        assertTrue(e.getMessage().contains(threeLabels.toString()) && e.getMessage().contains("2 labels"),
                e.getMessage());
        Path flat = write("flat", IdxFiles.labels(2));
        e = assertThrows(IOException.class, () -> MnistDatasets.dataset(flat, labels));
        assertTrue(e.getMessage().contains(flat.toString()) && e.getMessage().contains("[N, rows, cols]"),
                e.getMessage());
    }

    @Test
    void subsetCopiesTheFirstRows() throws IOException {
        TensorDataset d = MnistDatasets.dataset(write("i", IdxFiles.images(6, 2, 2, 5)), write("l",
                IdxFiles.labels(6)));
        TensorDataset s = MnistDatasets.subset(d, 4);
        try {
            assertEquals(4, s.size());
            assertArrayEquals(Arrays.copyOf(d.features().toFloatArray(), 16), s.features().toFloatArray());
            assertArrayEquals(new float[] {0, 1, 2, 3}, s.targets().toFloatArray());
        } finally {
            for (Tensor t : new Tensor[] {d.features(), d.targets(), s.features(), s.targets()}) {
                t.close();
            }
        }
    }
}
