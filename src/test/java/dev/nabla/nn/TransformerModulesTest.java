package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.fixtures.Json;
import dev.nabla.io.SafeTensors;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * MultiheadAttention, TransformerEncoderLayer (post/pre-norm, relu/gelu, masks), TransformerEncoder,
 * TransformerDecoderLayer and RMSNorm against PyTorch 1.13 (scripts/make_transformer_fixtures.py): each loads
 * PyTorch's state dict from safetensors with strict keys, then its output, attention weights and the gradients of
 * every parameter and of the input match, on cpu and java in float64 and float32.
 */
class TransformerModulesTest {
    private static final String DIR = "/fixtures/nn/";

    static Stream<Arguments> cases() {
        String path = DIR + "transformers.json";
        List<Object> cases = Json.list(Json.map(Json.resource(path, path + " is missing; regenerate it with "
                + "/usr/bin/python3 scripts/make_transformer_fixtures.py src/test/resources/fixtures/nn"))
                .get("cases"));
        return cases.stream().flatMap(c -> Stream.of(Device.CPU, Device.JAVA).flatMap(d ->
                Stream.of(DType.FLOAT64, DType.FLOAT32).map(t -> Arguments.of(Json.map(c).get("name"), c, d, t))));
    }

    @ParameterizedTest(name = "{0} on {2} {3}")
    @MethodSource("cases")
    void matchesPyTorch(String name, Object raw, Device device, DType dtype) throws Exception {
        Map<String, Object> c = Json.map(raw);
        Map<String, Object> cfg = Json.map(c.get("config"));
        Map<String, Object> in = Json.map(c.get("inputs"));
        double tol = dtype == DType.FLOAT64 ? 1e-10 : 5e-5;
        try (Module m = build((String) c.get("kind"), cfg); Scope s = Scope.open()) {
            Path file = Path.of(TransformerModulesTest.class.getResource(DIR + "transformer_" + name
                    + ".safetensors").toURI());
            m.loadStateDict(SafeTensors.load(file).tensors(), true);
            m.to(device, dtype);
            m.eval();
            Tensor x = tensor(in.get(in.keySet().iterator().next()), dtype, device).requiresGrad_(true);
            Tensor weights = null;
            Tensor out = switch ((String) c.get("kind")) {
                case "mha" -> {
                    var r = ((MultiheadAttention) m).forward(x, tensor(in.get("key"), dtype, device),
                            tensor(in.get("value"), dtype, device), bool(in.get("key_padding_mask"), device),
                            tensor(in.get("attn_mask"), dtype, device), true);
                    weights = r.weights();
                    yield r.output();
                }
                case "encoder" -> ((TransformerEncoderLayer) m).forward(x, bool(in.get("src_mask"), device),
                        bool(in.get("src_key_padding_mask"), device));
                case "decoder" -> ((TransformerDecoderLayer) m).forward(x, tensor(in.get("memory"), dtype, device),
                        bool(in.get("tgt_mask"), device), null, null, null);
                default -> m.forward(x);
            };
            assertClose(c.get("out"), out, tol, "output");
            if (c.get("weights") != null) {
                assertClose(c.get("weights"), weights, tol, "weights");
            }
            out.mul(tensor(c.get("gout"), dtype, device)).sum().backward();
            assertClose(c.get("grad_x"), x.grad(), tol, "input gradient");
            Map<String, Object> grads = Json.map(c.get("grads"));
            assertEquals(grads.keySet(), m.namedParameters().keySet());
            for (var e : grads.entrySet()) {
                assertClose(e.getValue(), m.namedParameters().get(e.getKey()).grad(), tol, e.getKey());
            }
        }
    }

    private static Module build(String kind, Map<String, Object> c) {
        Generator g = new Generator(0);
        return switch (kind) {
            case "mha" -> new MultiheadAttention(num(c, "embed"), num(c, "heads"), 0, true,
                    (Boolean) c.get("batch_first"), g, DType.FLOAT64, Device.CPU);
            case "encoder" -> encoderLayer(c, g);
            case "stack" -> new TransformerEncoder(() -> encoderLayer(c, g), (int) num(c, "layers"),
                    new LayerNorm(new long[] {num(c, "d_model")}, DType.FLOAT64, Device.CPU));
            case "decoder" -> new TransformerDecoderLayer(num(c, "d_model"), num(c, "nhead"), num(c, "ff"), 0,
                    activation(c), dbl(c, "eps"), (Boolean) c.get("batch_first"), (Boolean) c.get("norm_first"), g,
                    DType.FLOAT64, Device.CPU);
            case "rmsnorm" -> new RMSNorm(new long[] {num(c, "d")}, dbl(c, "eps"), true, DType.FLOAT64, Device.CPU);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static TransformerEncoderLayer encoderLayer(Map<String, Object> c, Generator g) {
        return new TransformerEncoderLayer(num(c, "d_model"), num(c, "nhead"), num(c, "ff"), 0, activation(c),
                dbl(c, "eps"), (Boolean) c.get("batch_first"), (Boolean) c.get("norm_first"), g, DType.FLOAT64,
                Device.CPU);
    }

    private static TransformerActivation activation(Map<String, Object> c) {
        return TransformerActivation.valueOf(((String) c.get("activation")).toUpperCase());
    }

    @Test
    void needWeightsIsOffByDefaultAndBadShapesAreNamed() {
        try (var m = new MultiheadAttention(8, 2); Scope s = Scope.open()) {
            Tensor x = Tensor.normal(new Generator(1), 0, 1, DType.FLOAT32, Device.CPU, 3, 2, 8);
            var r = m.forward(x, x, x, null, null, false);
            assertNull(r.weights());
            assertArrayEquals(new long[] {3, 2, 8}, r.output().shape());
            var e = assertThrows(IllegalArgumentException.class,
                    () -> m.forward(x, x, x, Tensor.zeros(DType.BOOL, Device.CPU, 2, 4), null, false));
            assertTrue(e.getMessage().contains("keyPaddingMask must be [2, 3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new MultiheadAttention(8, 3));
            assertTrue(e.getMessage().contains("multiple of numHeads"), e.getMessage());
        }
    }

    private static long num(Map<String, Object> c, String k) {
        return ((Number) c.get(k)).longValue();
    }

    private static double dbl(Map<String, Object> c, String k) {
        return ((Number) c.get(k)).doubleValue();
    }

    private static Tensor bool(Object o, Device device) {
        return o == null ? null : tensor(o, DType.FLOAT64, device).ne(0.0);
    }

    private static Tensor tensor(Object o, DType dtype, Device device) {
        if (o == null) {
            return null;
        }
        Map<String, Object> m = Json.map(o);
        long[] shape = Json.list(m.get("shape")).stream().mapToLong(v -> ((Number) v).longValue()).toArray();
        double[] data = Json.list(m.get("data")).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
        return Tensor.of(data, dtype, device, shape);
    }

    private static void assertClose(Object expected, Tensor actual, double tol, String what) {
        Map<String, Object> m = Json.map(expected);
        long[] shape = Json.list(m.get("shape")).stream().mapToLong(v -> ((Number) v).longValue()).toArray();
        assertArrayEquals(shape, actual.shape(), what);
        double[] want = Json.list(m.get("data")).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
        double[] got = actual.toDoubleArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + " element " + i);
        }
    }
}
