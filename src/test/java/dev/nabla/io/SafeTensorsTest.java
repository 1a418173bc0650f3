package dev.nabla.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.ScopedTest;
import dev.nabla.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader and writer: round trips, the byte layout, atomic writes, and corrupt files. */
class SafeTensorsTest extends ScopedTest {
    @TempDir
    Path dir;

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("layer.weight", Tensor.of(new float[] {1.5f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE,
                -3.25e-20f}, 2, 3));
        m.put("layer.bias", Tensor.of(new double[] {Math.PI, -1e300, Double.MIN_VALUE, Double.NEGATIVE_INFINITY}));
        m.put("scalar32", Tensor.scalar(0.1, DType.FLOAT32, Device.CPU));
        m.put("scalar64", Tensor.scalar(-2.5e-7, DType.FLOAT64, Device.CPU));
        m.put("empty", Tensor.zeros(DType.FLOAT32, Device.CPU, 0));
        m.put("empty3d", Tensor.zeros(DType.FLOAT64, Device.CPU, 2, 0, 3));
        m.put("cube", Tensor.arange(0, 60, 1, DType.FLOAT32, Device.CPU).reshape(3, 4, 5));
        m.put("transposed", Tensor.arange(0, 6, 1, DType.FLOAT64, Device.CPU).reshape(2, 3).t());
        return m;
    }

    @Test
    void roundTripKeepsDtypesShapesBitsOrderAndMetadata() throws IOException {
        Map<String, Tensor> in = sample();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "unicodé ✓ \"quoted\"");
        meta.put("empty", "");
        Path f = dir.resolve("a.safetensors");
        SafeTensors.save(f, in, meta);
        SafeTensors.Contents c = SafeTensors.load(f);
        assertEquals(List.copyOf(in.keySet()), List.copyOf(c.tensors().keySet()));
        assertEquals(meta, c.metadata());
        for (var e : in.entrySet()) {
            Tensor want = e.getValue();
            Tensor got = c.tensors().get(e.getKey());
            assertEquals(want.dtype(), got.dtype(), e.getKey());
            assertArrayEquals(want.shape(), got.shape(), e.getKey());
            assertEquals(Device.CPU, got.device());
            if (want.dtype() == DType.FLOAT32) {
                assertArrayEquals(want.toFloatArray(), got.toFloatArray(), e.getKey()); // bitwise (floatToIntBits)
            } else {
                assertArrayEquals(want.toDoubleArray(), got.toDoubleArray(), e.getKey());
            }
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(c.tensors().get("layer.weight")
                .toFloatArray()[1]));
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, c.tensors().get("transposed").toDoubleArray());
    }

    @Test
    void emptyFileWithoutMetadataRoundTrips() throws IOException {
        Path f = dir.resolve("nothing.safetensors");
        SafeTensors.save(f, Map.of(), null);
        SafeTensors.Contents c = SafeTensors.load(f);
        assertTrue(c.tensors().isEmpty() && c.metadata().isEmpty());
    }

    @Test
    void layoutFollowsTheSpecification() throws IOException {
        Path f = dir.resolve("layout.safetensors");
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("w", Tensor.of(new float[] {1, 2, 3}, 3));
        in.put("d", Tensor.of(new double[] {-2}, 1));
        SafeTensors.save(f, in, Map.of("k", "v"));
        byte[] b = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8, "header padded to 8 bytes");
        assertEquals(b.length, 8 + n + 12 + 8);
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{"));
        assertTrue(header.stripTrailing().endsWith("}"));
        assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(ch -> ch == ' '),
                "padding is spaces");
        JsonNode h = new ObjectMapper().readTree(header);
        assertEquals("F32", h.get("w").get("dtype").asText());
        assertEquals("[3]", h.get("w").get("shape").toString());
        assertEquals("[0,12]", h.get("w").get("data_offsets").toString());
        assertEquals("F64", h.get("d").get("dtype").asText());
        assertEquals("[12,20]", h.get("d").get("data_offsets").toString());
        assertEquals("v", h.get("__metadata__").get("k").asText());
        ByteBuffer data = ByteBuffer.wrap(b, (int) (8 + n), 20).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1f, data.getFloat());
        assertEquals(2f, data.getFloat());
        assertEquals(3f, data.getFloat());
        assertEquals(-2.0, data.getDouble());
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesAreAtomic() throws IOException {
        Path f = dir.resolve("ckpt.safetensors");
        SafeTensors.save(f, Map.of("a", Tensor.of(new float[] {1, 2})), Map.of());
        assertEquals(List.of("ckpt.safetensors"), files(), "no temp file left");
        SafeTensors.save(f, Map.of("a", Tensor.of(new float[] {3, 4, 5})), Map.of());
        assertArrayEquals(new float[] {3, 4, 5}, SafeTensors.load(f).tensors().get("a").toFloatArray());
        byte[] before = Files.readAllBytes(f);

        // a write that fails half-way (the second tensor cannot be read) leaves the old file as it was
        Tensor dead = Tensor.of(new float[] {9, 9});
        dead.close();
        Map<String, Tensor> failing = new LinkedHashMap<>();
        failing.put("a", Tensor.of(new float[1000]));
        failing.put("b", dead);
        assertThrows(IllegalStateException.class, () -> SafeTensors.save(f, failing, Map.of()));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of("ckpt.safetensors"), files(), "the temp file is removed");

        assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(dir.resolve("x.safetensors"),
                Map.of("__metadata__", Tensor.of(new float[1])), Map.of()));
        assertEquals(List.of("ckpt.safetensors"), files());
        // into a directory that does not exist yet
        SafeTensors.save(dir.resolve("sub/dir/c.safetensors"), Map.of(), Map.of());
        assertTrue(Files.isRegularFile(dir.resolve("sub/dir/c.safetensors")));
    }

    // ------------------------------------------------------------------ corrupt files

    /** A file: the 8-byte header length {@code n}, then {@code header}, then {@code dataBytes} bytes. */
    private static byte[] file(long n, String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(h);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) i);
        }
        return b.array();
    }

    private static byte[] file(String header, int dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    private void rejects(String name, byte[] content, String... words) throws IOException {
        Path f = dir.resolve(name + ".safetensors");
        Files.write(f, content);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(f), name);
        String m = e.getMessage();
        assertTrue(m.contains(f.toString()), "names the file: " + m);
        for (String w : words) {
            assertTrue(m.contains(w), "expected '" + w + "' in: " + m);
        }
    }

    private byte[] valid() throws IOException {
        Path f = dir.resolve("valid.safetensors");
        SafeTensors.save(f, sample(), Map.of("format", "pt"));
        SafeTensors.load(f); // sanity
        return Files.readAllBytes(f);
    }

    @Test
    void rejectsTruncatedFiles() throws IOException {
        byte[] ok = valid();
        rejects("cut-data", Arrays.copyOf(ok, ok.length - 4), "outside", "truncated");
        long n = ByteBuffer.wrap(ok, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        rejects("cut-header", Arrays.copyOf(ok, (int) (8 + n / 2)), "header length " + n);
        rejects("cut-length", Arrays.copyOf(ok, 5), "5 bytes", "8-byte header length");
        rejects("zero-bytes", new byte[0], "0 bytes");
    }

    @Test
    void rejectsBadHeaderLengths() throws IOException {
        String h = "{}";
        rejects("huge", file(Long.MAX_VALUE, h, 0), "header length " + Long.MAX_VALUE);
        rejects("negative", file(-8, h, 0), "header length -8");
        rejects("zero", file(0, h, 0), "header length 0");
        rejects("beyond", file(3, h, 0), "header length 3");
        rejects("over-limit", file(200L << 20, h, 0), "header length");
    }

    @Test
    void rejectsInvalidJson() throws IOException {
        rejects("json", file("{\"a\": {\"dtype\": \"F32\",", 0), "not valid JSON");
        rejects("utf", file(3, "\u00ff\u00fe{", 0), "JSON");
        rejects("array", file("[1, 2, 3]", 0), "not a JSON object");
        rejects("trailing-json", file("{} {}     ", 0), "not valid JSON");
        rejects("no-shape", file("{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4), "'a'",
                "lacks a shape");
    }

    @Test
    void readsHalfPrecisionAndIntegerTensorsInTheirOwnDtypes() throws IOException {
        // PyTorch writes BatchNorm's num_batches_tracked as I64, half-precision weights as F16/BF16
        ByteBuffer data = ByteBuffer.allocate(8 * 2 + 4 * 2 + 2 * 3 + 2 * 2).order(ByteOrder.LITTLE_ENDIAN);
        data.putLong(-3).putLong((1L << 53) + 0);
        data.putInt(7).putInt(Integer.MIN_VALUE);
        data.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-65504f))
                .putShort(Float.floatToFloat16(5.9604645e-8f));
        data.putShort((short) (Float.floatToRawIntBits(-2.5f) >>> 16)).putShort((short) 0x7f80);
        String header = "{\"i64\": {\"dtype\": \"I64\", \"shape\": [2], \"data_offsets\": [0, 16]}, "
                + "\"i32\": {\"dtype\": \"I32\", \"shape\": [2, 1], \"data_offsets\": [16, 24]}, "
                + "\"f16\": {\"dtype\": \"F16\", \"shape\": [3], \"data_offsets\": [24, 30]}, "
                + "\"bf16\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [30, 34]}, "
                + "\"count\": {\"dtype\": \"I64\", \"shape\": [], \"data_offsets\": [34, 42]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 42).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data.array()).putLong(12345);
        Path f = dir.resolve("mixed.safetensors");
        Files.write(f, b.array());
        Map<String, Tensor> t = SafeTensors.load(f).tensors();
        assertEquals(DType.INT64, t.get("i64").dtype());
        assertArrayEquals(new long[] {-3, 1L << 53}, t.get("i64").toLongArray());
        assertArrayEquals(new long[] {2, 1}, t.get("i32").shape());
        assertEquals(DType.INT32, t.get("i32").dtype());
        assertArrayEquals(new int[] {7, Integer.MIN_VALUE}, t.get("i32").toIntArray());
        assertEquals(DType.FLOAT16, t.get("f16").dtype());
        assertEquals(DType.BFLOAT16, t.get("bf16").dtype());
        assertArrayEquals(new float[] {1.5f, -65504f, 5.9604645e-8f}, t.get("f16").toFloatArray());
        assertArrayEquals(new float[] {-2.5f, Float.POSITIVE_INFINITY}, t.get("bf16").toFloatArray());
        assertEquals(0, t.get("count").dim());
        assertEquals(12345L, t.get("count").itemLong());
    }

    @Test
    void rejectsUnknownDtypes() throws IOException {
        for (String t : new String[] {"U16", "F8_E4M3", "F128", "f32", "bool", ""}) {
            rejects("dtype-" + t, file("{\"x\": {\"dtype\": \"" + t + "\", \"shape\": [1], \"data_offsets\": [0, 2]}}",
                    2), "'x'", "unknown dtype '" + t + "'");
        }
    }

    @Test
    void rejectsBadShapesAndOffsets() throws IOException {
        rejects("out-of-range", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 12),
                "'x'", "[0, 16]", "outside the 12 data bytes");
        rejects("reversed", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 4]}}", 8),
                "'x'", "[8, 4]");
        rejects("negative-offset", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], "
                + "\"data_offsets\": [-4, 0]}}", 4), "'x'", "[-4, 0]");
        rejects("size-mismatch", file("{\"x\": {\"dtype\": \"F64\", \"shape\": [3], \"data_offsets\": [0, 16]}}",
                16), "'x'", "needs 24 bytes", "span 16");
        rejects("negative-size", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 0]}}",
                0), "'x'", "negative or non-integer");
        rejects("fractional-size", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}",
                4), "'x'", "non-integer");
        rejects("overflow", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], "
                + "\"data_offsets\": [0, 4]}}", 4), "'x'", "large");
        rejects("overlap", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
                + "\"y\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8), "overlap");
        rejects("same-range", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
                + "\"y\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4), "overlap");
        rejects("gap", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8), "gap");
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        byte[] ok = valid();
        byte[] longer = Arrays.copyOf(ok, ok.length + 3);
        rejects("trailing", longer, "3 bytes after the last tensor");
    }

    @Test
    void aMissingFileIsAnIOException() {
        assertThrows(IOException.class, () -> SafeTensors.load(dir.resolve("none.safetensors")));
        assertFalse(Files.exists(dir.resolve("none.safetensors")));
    }

    @Test
    void rejectsHostileOffsetsShapesAndHeaders() throws IOException {
        // offsets Jackson would truncate (2^64 reads as 0) or round (4.5) are not taken for valid ones
        rejects("offset-2^64", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], "
                + "\"data_offsets\": [18446744073709551616, 18446744073709551620]}}", 4), "'x'", "not 64-bit integers");
        rejects("offset-fraction", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], "
                + "\"data_offsets\": [0, 4.5]}}", 4), "'x'", "not 64-bit integers", "4.5");
        rejects("offset-text", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], "
                + "\"data_offsets\": [\"0\", \"4\"]}}", 4), "'x'", "not 64-bit integers");
        rejects("offset-max", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], "
                + "\"data_offsets\": [9223372036854775803, 9223372036854775807]}}", 4), "'x'", "outside");
        rejects("offset-min", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], "
                + "\"data_offsets\": [-9223372036854775808, 4]}}", 4), "'x'", "outside");
        // numel fits a long, its byte count does not
        rejects("bytes-overflow", file("{\"x\": {\"dtype\": \"F64\", \"shape\": [4611686018427387904], "
                + "\"data_offsets\": [0, 8]}}", 8), "'x'", "impossibly large", "overflows");
        rejects("size-2^64", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [18446744073709551616], "
                + "\"data_offsets\": [0, 0]}}", 0), "'x'", "non-integer");
        rejects("size-text", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [\"2\"], "
                + "\"data_offsets\": [0, 8]}}", 8), "'x'", "non-integer", "\"2\"");
        // a claim of a huge tensor the file does not hold is caught before anything is allocated
        rejects("huge-claim", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1073741824], "
                + "\"data_offsets\": [0, 4294967296]}}", 16), "'x'", "outside the 16 data bytes");
        rejects("dtype-mismatch", file("{\"x\": {\"dtype\": \"F16\", \"shape\": [2, 2], "
                + "\"data_offsets\": [0, 16]}}", 16), "'x'", "needs 8 bytes", "span 16");
        rejects("entry-not-object", file("{\"x\": 5}", 0), "'x'", "not a JSON object");
        rejects("metadata-array", file("{\"__metadata__\": [1]}", 0), "__metadata__", "not a JSON object");
        rejects("metadata-number", file("{\"__metadata__\": {\"epoch\": 3}}", 0), "'epoch'", "not a string");
        rejects("duplicate", file("{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, "
                + "\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8), "Duplicate", "'x'");
        // header length past the end of the file by one byte, and far past it
        String h = "{}      ";
        rejects("header-one-past", file(h.length() + 1, h, 0), "header length " + (h.length() + 1),
                "file of " + (8 + h.length()) + " bytes");
        rejects("header-past", file(1L << 40, h, 0), "header length " + (1L << 40));
    }

    /** Tensors written and read in chunks of {@code chunk} bytes equal the originals, bit for bit. */
    @Test
    void chunkedWritesAndReadsMatchTheSinglePassOnes() throws IOException {
        Map<String, Tensor> in = sample();
        in.put("long", Tensor.arange(0, 1001, 1, DType.FLOAT32, Device.CPU).div(7));
        in.put("long64", Tensor.arange(0, 777, 1, DType.FLOAT64, Device.CPU).reshape(7, 111).t().mul(-1.25));
        Path whole = dir.resolve("whole.safetensors");
        SafeTensors.save(whole, in, Map.of("k", "v"));
        byte[] expected = Files.readAllBytes(whole);
        for (long chunk : new long[] {1, 3, 8, 12, 100, 4096}) {
            Path f = dir.resolve("chunk" + chunk + ".safetensors");
            List<Long> progress = new java.util.ArrayList<>();
            SafeTensors.save(f, in, Map.of("k", "v"), chunk, progress::add);
            assertArrayEquals(expected, Files.readAllBytes(f), "chunk " + chunk);
            assertTrue(progress.size() >= 1001 * 4 / Math.max(chunk, 8), "many chunks for chunk " + chunk);
            SafeTensors.Contents c = SafeTensors.load(whole, chunk);
            for (var e : in.entrySet()) {
                Tensor got = c.tensors().get(e.getKey());
                assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
                assertEquals(e.getValue().dtype(), got.dtype(), e.getKey());
                assertArrayEquals(e.getValue().toDoubleArray(), got.toDoubleArray(), e.getKey() + " chunk " + chunk);
            }
        }
    }

    @Test
    void chunkedReadsConvertHalfAndIntegerTypes() throws IOException {
        int n = 37;
        ByteBuffer data = ByteBuffer.allocate(n * (2 + 2 + 4 + 8)).order(ByteOrder.LITTLE_ENDIAN);
        float[] half = new float[n];
        float[] bf = new float[n];
        double[] i32 = new double[n];
        double[] i64 = new double[n];
        for (int i = 0; i < n; i++) {
            half[i] = i * 0.5f - 3;
            data.putShort(Float.floatToFloat16(half[i]));
        }
        for (int i = 0; i < n; i++) {
            bf[i] = -i * 256f;
            data.putShort((short) (Float.floatToRawIntBits(bf[i]) >>> 16));
        }
        for (int i = 0; i < n; i++) {
            i32[i] = i * 1000003 - 7;
            data.putInt((int) i32[i]);
        }
        for (int i = 0; i < n; i++) {
            i64[i] = (1L << 40) * i - 1;
            data.putLong((long) i64[i]);
        }
        String header = "{\"h\": {\"dtype\": \"F16\", \"shape\": [37], \"data_offsets\": [0, 74]}, "
                + "\"b\": {\"dtype\": \"BF16\", \"shape\": [37, 1], \"data_offsets\": [74, 148]}, "
                + "\"i\": {\"dtype\": \"I32\", \"shape\": [1, 37], \"data_offsets\": [148, 296]}, "
                + "\"l\": {\"dtype\": \"I64\", \"shape\": [37], \"data_offsets\": [296, 592]}}";
        Path f = dir.resolve("types.safetensors");
        Files.write(f, file(header, 0));
        byte[] head = Files.readAllBytes(f);
        byte[] all = Arrays.copyOf(head, head.length + data.capacity());
        System.arraycopy(data.array(), 0, all, head.length, data.capacity());
        Files.write(f, all);
        for (long chunk : new long[] {1, 6, 16, SafeTensors.CHUNK_BYTES}) {
            Map<String, Tensor> t = SafeTensors.load(f, chunk).tensors();
            assertArrayEquals(half, t.get("h").toFloatArray(), "F16, chunk " + chunk);
            assertArrayEquals(bf, t.get("b").toFloatArray(), "BF16, chunk " + chunk);
            assertArrayEquals(i32, t.get("i").toDoubleArray(), "I32, chunk " + chunk);
            assertArrayEquals(i64, t.get("l").toDoubleArray(), "I64, chunk " + chunk);
        }
    }

    // ------------------------------------------------------------------ temporary files

    private static String tempName(String target, String hex) {
        return "." + target + "." + hex + ".nabla-tmp";
    }

    @Test
    void theNextSaveSweepsTheTempFilesOfAKilledSaveAndNothingElse() throws IOException {
        Path f = dir.resolve("ckpt.safetensors");
        SafeTensors.save(f, Map.of("a", Tensor.of(new float[] {1, 2})), Map.of());
        // what a process killed half-way through a save leaves: an unlocked temp file of our naming
        Path stale = dir.resolve(tempName("ckpt.safetensors", "0123456789abcdef"));
        Path stale2 = dir.resolve(tempName("ckpt.safetensors", "fedcba9876543210"));
        Files.write(stale, new byte[4096]);
        Files.write(stale2, new byte[10]);
        // not ours, or not for this target: never touched
        List<String> foreign = List.of(tempName("ckpt.safetensors", "0123456789ABCDEF"),
                tempName("ckpt.safetensors", "0123456789abcde"), tempName("ckpt.safetensors", "0123456789abcdef0"),
                tempName("other.safetensors", "0123456789abcdef"), tempName("ckpt", "0123456789abcdef"),
                "ckpt.safetensors0123456789.tmp", ".ckpt.safetensors.0123456789abcdef.nabla-tmp.bak",
                "ckpt.safetensors.0123456789abcdef.nabla-tmp");
        for (String name : foreign) {
            Files.write(dir.resolve(name), new byte[] {1});
        }
        // a temp file a live writer holds (its lock) is left alone too
        Path live = dir.resolve(tempName("ckpt.safetensors", "00000000000000aa"));
        try (var ch = java.nio.channels.FileChannel.open(live, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE); var lock = ch.lock()) {
            // (the sweep runs in this JVM, which holds the lock, so it must see it held through its own table)
            SafeTensors.save(f, Map.of("a", Tensor.of(new float[] {3, 4, 5})), Map.of("n", "2"));
            assertTrue(Files.exists(live), "a locked temp file is in use");
        }
        assertFalse(Files.exists(stale));
        assertFalse(Files.exists(stale2));
        for (String name : foreign) {
            assertTrue(Files.exists(dir.resolve(name)), name);
        }
        SafeTensors.Contents c = SafeTensors.load(f);
        assertArrayEquals(new float[] {3, 4, 5}, c.tensors().get("a").toFloatArray());
        assertEquals(Map.of("n", "2"), c.metadata());
        // once its writer is gone, the next save removes it
        SafeTensors.save(f, Map.of("a", Tensor.of(new float[] {6})), Map.of());
        assertFalse(Files.exists(live));
        assertTrue(TempFiles.isTempFor(tempName("x", "0123456789abcdef"), "x"));
        assertFalse(TempFiles.isTempFor(tempName("x", "0123456789abcdeg"), "x"));
    }

    @Test
    void aSaveThatFailsWithAnErrorLeavesNoTempFileAndTheOldCheckpoint() throws IOException {
        Path f = dir.resolve("ckpt.safetensors");
        SafeTensors.save(f, Map.of("a", Tensor.of(new float[] {1, 2})), Map.of());
        byte[] before = Files.readAllBytes(f);
        Map<String, Tensor> big = new LinkedHashMap<>();
        big.put("w", Tensor.arange(0, 4096, 1, DType.FLOAT32, Device.CPU));
        big.put("v", Tensor.arange(0, 4096, 1, DType.FLOAT64, Device.CPU));
        for (Throwable boom : new Throwable[] {new OutOfMemoryError("simulated"), new IllegalStateException("x"),
                new StackOverflowError()}) {
            Throwable thrown = assertThrows(boom.getClass(), () -> SafeTensors.save(f, big, Map.of(), 1024,
                    written -> {
                        if (written > 5000) {
                            if (boom instanceof Error e) {
                                throw e;
                            }
                            throw (RuntimeException) boom;
                        }
                    }));
            assertEquals(boom, thrown);
            assertEquals(List.of("ckpt.safetensors"), files(), "no temp file after " + boom);
            assertArrayEquals(before, Files.readAllBytes(f));
        }
        // a closed tensor part-way through the map: the same
        Tensor dead = Tensor.of(new float[] {9});
        dead.close();
        Map<String, Tensor> failing = new LinkedHashMap<>(big);
        failing.put("dead", dead);
        assertThrows(IllegalStateException.class, () -> SafeTensors.save(f, failing, Map.of(), 1024, null));
        assertEquals(List.of("ckpt.safetensors"), files());
        assertArrayEquals(before, Files.readAllBytes(f));
    }
}
