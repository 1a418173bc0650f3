package dev.nabla.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.DType;
import dev.nabla.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every safetensors dtype against PyTorch ({@code fixtures/io/all_dtypes.*} from
 * scripts/make_safetensors_fixture.py): each tensor loads in its own dtype with exactly PyTorch's bit patterns, and
 * writing them back gives the same tensor bytes as PyTorch's file.
 */
class SafeTensorsDTypesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static Path fixture(String name) throws Exception {
        var url = SafeTensorsDTypesTest.class.getResource("/fixtures/io/" + name);
        if (url == null) {
            throw new IOException("missing fixture fixtures/io/" + name + " (make it with /usr/bin/python3 "
                    + "scripts/make_safetensors_fixture.py)");
        }
        return Path.of(url.toURI());
    }

    /** The elements' bit patterns (floats, as unsigned integers of their width) or values (integers, bool 0/1). */
    private static long[] bits(Tensor t) {
        DType d = t.dtype();
        if (d == DType.FLOAT64) {
            return Arrays.stream(t.toDoubleArray()).mapToLong(Double::doubleToRawLongBits).toArray();
        }
        if (d.isFloatingPoint()) {
            float[] f = t.toFloatArray(); // exact widening of float32, float16 and bfloat16
            long[] out = new long[f.length];
            for (int i = 0; i < f.length; i++) {
                int raw = Float.floatToRawIntBits(f[i]);
                out[i] = d == DType.FLOAT32 ? raw & 0xffffffffL
                        : d == DType.BFLOAT16 ? raw >>> 16 : Float.floatToFloat16(f[i]) & 0xffff;
            }
            return out;
        }
        return t.toLongArray();
    }

    /** The bytes after the header: the tensors' data. */
    private static byte[] data(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long header = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return Arrays.copyOfRange(all, 8 + (int) header, all.length);
    }

    @Test
    void everyDtypeLoadsExactlyAndWritesBackPyTorchsBytes() throws Exception {
        JsonNode expected;
        try (InputStream in = Files.newInputStream(fixture("all_dtypes.json"))) {
            expected = JSON.readTree(in).get("tensors");
        }
        Path file = fixture("all_dtypes.safetensors");
        Map<String, Tensor> loaded = SafeTensors.load(file).tensors();
        assertEquals(10, loaded.size());
        for (var e : expected.properties()) {
            String code = e.getKey();
            JsonNode want = e.getValue();
            Tensor t = loaded.get(code);
            assertEquals(DType.fromName(want.get("dtype").asText()), t.dtype(), code);
            long[] shape = new long[want.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = want.get("shape").get(i).asLong();
            }
            assertArrayEquals(shape, t.shape(), code);
            long[] bits = new long[want.get("bits").size()];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = want.get("bits").get(i).bigIntegerValue().longValue(); // F64 bits are unsigned 64-bit
            }
            assertArrayEquals(bits, bits(t), code);
        }
        for (long chunk : new long[] {1, 3, SafeTensors.CHUNK_BYTES}) {
            Path back = dir.resolve("back" + chunk + ".safetensors");
            SafeTensors.save(back, loaded, Map.of(), chunk, null);
            assertArrayEquals(data(file), data(back), "chunk " + chunk);
            Map<String, Tensor> again = SafeTensors.load(back, chunk).tensors();
            for (var e : loaded.entrySet()) {
                assertEquals(e.getValue().dtype(), again.get(e.getKey()).dtype(), e.getKey());
                assertArrayEquals(bits(e.getValue()), bits(again.get(e.getKey())), e.getKey() + ", chunk " + chunk);
            }
        }
    }

    @Test
    void nonContiguousTensorsOfNewDtypesWriteRowMajor() throws Exception {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("u8", Tensor.of(new long[] {0, 1, 2, 253, 254, 255}, DType.UINT8, dev.nabla.Device.CPU, 2, 3).t());
        in.put("h", Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, DType.FLOAT16, dev.nabla.Device.CPU, 3, 2).t());
        Path f = dir.resolve("t.safetensors");
        SafeTensors.save(f, in, Map.of());
        Map<String, Tensor> out = SafeTensors.load(f).tensors();
        assertArrayEquals(new long[] {0, 253, 1, 254, 2, 255}, out.get("u8").toLongArray());
        assertArrayEquals(new float[] {1, 3, 5, 2, 4, 6}, out.get("h").toFloatArray());
        assertEquals(DType.FLOAT16, out.get("h").dtype());
    }

    @Test
    void aBoolByteOtherThanZeroOrOneIsCorrupt() throws Exception {
        byte[] head = "{\"b\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}     ".getBytes();
        ByteBuffer b = ByteBuffer.allocate(8 + head.length + 3).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(head.length).put(head).put(new byte[] {1, 0, 2});
        Path f = dir.resolve("bool.safetensors");
        Files.write(f, b.array());
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(f));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("byte 2"), e.getMessage());
    }
}
