package dev.nabla.quantization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.io.IOException;
import java.io.InputStream;

/** fixtures/quant/quant_static.json (scripts/make_quant_static_fixtures.py, PyTorch 1.13 on onednn) and its arrays. */
final class StaticFixture {
    static final JsonNode ROOT = load();

    private StaticFixture() {
    }

    private static JsonNode load() {
        try (InputStream in = StaticFixture.class.getResourceAsStream("/fixtures/quant/quant_static.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] floats(JsonNode n) {
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) n.get(i).asDouble();
        }
        return out;
    }

    static long[] longs(JsonNode n) {
        long[] out = new long[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asLong();
        }
        return out;
    }

    /** A float32 tensor on {@code device}. */
    static Tensor floatTensor(JsonNode values, Device device, long... shape) {
        return Tensor.of(floats(values), shape).to(device);
    }

    /** An integer tensor of {@code dtype} on {@code device}. */
    static Tensor intTensor(JsonNode values, DType dtype, Device device, long... shape) {
        return Tensor.of(longs(values), shape).to(dtype).to(device);
    }
}
