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
import dev.nabla.Scope;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The safetensors reader and writer: round trips, the byte layout, atomic writes, and corrupt files. */
class SafeTensorsTest {
    @TempDir
    Path dir;
    private Scope scope;

    @BeforeEach
    void open() {
        scope = Scope.open();
    }

    @AfterEach
    void close() {
        scope.close();
    }

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
    void readsHalfPrecisionAndIntegerTensorsAsFloats() throws IOException {
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
        assertEquals(DType.FLOAT64, t.get("i64").dtype());
        assertArrayEquals(new double[] {-3, 0x1p53}, t.get("i64").toDoubleArray());
        assertArrayEquals(new long[] {2, 1}, t.get("i32").shape());
        assertArrayEquals(new double[] {7, Integer.MIN_VALUE}, t.get("i32").toDoubleArray());
        assertEquals(DType.FLOAT32, t.get("f16").dtype());
        assertArrayEquals(new float[] {1.5f, -65504f, 5.9604645e-8f}, t.get("f16").toFloatArray());
        assertArrayEquals(new float[] {-2.5f, Float.POSITIVE_INFINITY}, t.get("bf16").toFloatArray());
        assertEquals(0, t.get("count").dim());
        assertEquals(12345.0, t.get("count").item());
    }

    @Test
    void rejectsUnknownDtypes() throws IOException {
        for (String t : new String[] {"U8", "BOOL", "F8_E4M3", "F128", "f32", ""}) {
            rejects("dtype-" + t, file("{\"x\": {\"dtype\": \"" + t + "\", \"shape\": [1], \"data_offsets\": [0, 2]}}",
                    2), "'x'", "unsupported dtype '" + t + "'");
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
}
