package dev.nabla.quantization;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.io.IOException;
import java.io.InputStream;

/**
 * The quantization tests' PyTorch fixtures (fixtures/quant/, from scripts/make_quant*_fixtures.py, PyTorch 1.13 on
 * onednn) and the readers of their arrays.
 */
final class QuantFixtures {
    /** quant_static.json: observers, fusion, static quantized ops and the end-to-end CNN. */
    static final JsonNode STATIC = json("/fixtures/quant/quant_static.json");

    private QuantFixtures() {
    }

    /** A fixture file from the test resources. */
    static JsonNode json(String resource) {
        try (InputStream in = QuantFixtures.class.getResourceAsStream(resource)) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static double[] doubles(JsonNode n) {
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asDouble();
        }
        return out;
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
