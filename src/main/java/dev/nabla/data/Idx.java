package dev.nabla.data;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader of the IDX format of MNIST-style datasets (plain or gzip-compressed): a magic number {@code 0x0000TTNN}
 * with element type {@code TT} (only {@code 0x08}, unsigned byte, is used by these datasets) and {@code NN}
 * dimensions, then {@code NN} big-endian 32-bit sizes, then the data. Malformed files are rejected with an
 * {@link IOException} naming the file and the problem.
 */
public final class Idx {
    private Idx() {
    }

    /**
     * The contents of an IDX file.
     *
     * @param shape the dimension sizes
     * @param data  the unsigned bytes, row-major
     */
    public record Array(int[] shape, byte[] data) {
        /** Number of elements (the sizes are non-negative ints, at most 8 of them: checked against overflow). */
        public long numel() {
            long n = 1;
            for (int s : shape) {
                if (s == 0) {
                    return 0;
                }
            }
            for (int s : shape) {
                if (s < 0 || Math.multiplyHigh(n, s) != 0 || n * s < 0) {
                    throw new IllegalStateException("Idx.Array: shape " + Arrays.toString(shape)
                            + " has a negative size or more than 2^63 - 1 elements");
                }
                n *= s;
            }
            return n;
        }
    }

    /** Reads {@code file}, decompressing it when it starts with the gzip magic. */
    public static Array read(Path file) throws IOException {
        byte[] raw;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            in.mark(2);
            int b0 = in.read();
            int b1 = in.read();
            in.reset();
            boolean gzip = b0 == 0x1f && b1 == 0x8b;
            try (InputStream body = gzip ? new GZIPInputStream(in, 1 << 16) : in) {
                raw = readAll(body);
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                throw new IOException("IDX file " + file + " is corrupt: gzip data is damaged or truncated ("
                        + e.getMessage() + ")", e);
            }
        }
        return parse(file.toString(), raw);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
        in.transferTo(out);
        return out.toByteArray();
    }

    /** Parses IDX bytes; {@code name} is used in error messages. */
    public static Array parse(String name, byte[] raw) throws IOException {
        if (raw.length < 4) {
            throw new IOException("IDX file " + name + " is corrupt: " + raw.length + " bytes, too short for a header");
        }
        if (raw[0] != 0 || raw[1] != 0) {
            throw new IOException(String.format("IDX file %s is corrupt: bad magic number 0x%02x%02x%02x%02x "
                    + "(expected 0x0000TTNN)", name, raw[0], raw[1], raw[2], raw[3]));
        }
        int type = raw[2] & 0xff;
        int dims = raw[3] & 0xff;
        if (type != 0x08) {
            throw new IOException(String.format("IDX file %s has element type 0x%02x; only unsigned bytes (0x08) "
                    + "are supported", name, type));
        }
        if (dims < 1 || dims > 8) {
            throw new IOException("IDX file " + name + " is corrupt: " + dims + " dimensions");
        }
        int headerLen = 4 + 4 * dims;
        if (raw.length < headerLen) {
            throw new IOException("IDX file " + name + " is corrupt: truncated inside the " + dims + "-dimension header");
        }
        int[] shape = new int[dims];
        long numel = 1;
        for (int d = 0; d < dims; d++) {
            int at = 4 + 4 * d;
            shape[d] = ((raw[at] & 0xff) << 24) | ((raw[at + 1] & 0xff) << 16) | ((raw[at + 2] & 0xff) << 8)
                    | (raw[at + 3] & 0xff);
            if (shape[d] < 0) {
                throw new IOException("IDX file " + name + " is corrupt: negative size in dimension " + d);
            }
        }
        // overflow-checked (65536^4 must not wrap to 0), and a zero size anywhere makes the count zero
        boolean hasZero = Arrays.stream(shape).anyMatch(x -> x == 0);
        for (int d = 0; d < dims && !hasZero; d++) {
            if (Math.multiplyHigh(numel, shape[d]) != 0 || numel * shape[d] < 0) {
                numel = -1; // more elements than any file can hold
                break;
            }
            numel *= shape[d];
        }
        if (hasZero) {
            numel = 0;
        }
        long have = raw.length - (long) headerLen;
        if (numel < 0) {
            throw new IOException("IDX file " + name + " is corrupt: header " + Arrays.toString(shape)
                    + " announces more than 2^63 - 1 bytes of data, the file has " + have);
        }
        if (have != numel) {
            throw new IOException("IDX file " + name + " is corrupt: header " + Arrays.toString(shape) + " announces "
                    + numel + " bytes of data, the file has " + have
                    + (have < numel ? " (truncated)" : " (trailing bytes)"));
        }
        return new Array(shape, Arrays.copyOfRange(raw, headerLen, raw.length));
    }
}
