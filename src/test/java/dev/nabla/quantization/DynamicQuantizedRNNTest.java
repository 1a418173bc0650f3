package dev.nabla.quantization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.GRU;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.RNNBase;
import dev.nabla.nn.RnnOutput;
import dev.nabla.nn.Sequential;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link DynamicQuantizedLSTM} and {@link DynamicQuantizedGRU} against PyTorch's
 * {@code torch.ao.nn.quantized.dynamic.LSTM}/{@code GRU} (onednn engine; fixtures/quant/quant_dynamic_rnn.json from
 * scripts/make_quant_dynamic_fixtures.py) on the cpu and java devices: weights quantized as PyTorch quantizes them,
 * and outputs and final states equal up to float rounding (see {@link #TOLERANCE}).
 */
class DynamicQuantizedRNNTest {
    private static final JsonNode FIXTURE = QuantFixtures.json("/fixtures/quant/quant_dynamic_rnn.json");
    /**
     * The int8 products agree with PyTorch's to float rounding (DynamicQuantizedLinearTest), and so do the gates up to
     * their sigmoid and tanh (Java's against Sleef's, a few ulps). A hidden state that landed on the other side of a
     * quantization boundary at a later step would differ by one integer of h; these fixtures hit none, so the bound is
     * float rounding's.
     */
    private static final double TOLERANCE = 1e-6;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Device d : new Device[] {Device.CPU, Device.JAVA}) {
            for (JsonNode c : FIXTURE.get("rnn")) {
                out.add(Arguments.of(d, c.get("name").asText()));
            }
        }
        return out.stream();
    }

    private static JsonNode fixtureCase(String name) {
        for (JsonNode c : FIXTURE.get("rnn")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(name);
    }

    /** The float layer with PyTorch's float parameters. */
    private static RNNBase floatLayer(JsonNode c, Device d) {
        long in = c.get("inputSize").asLong();
        long hidden = c.get("hiddenSize").asLong();
        int layers = c.get("numLayers").asInt();
        boolean batchFirst = c.get("batchFirst").asBoolean();
        Generator g = new Generator(1);
        RNNBase layer = c.get("kind").asText().equals("lstm")
                ? new LSTM(in, hidden, layers, true, batchFirst, 0.0, g, DType.FLOAT32, d)
                : new GRU(in, hidden, layers, true, batchFirst, 0.0, g, DType.FLOAT32, d);
        Map<String, Tensor> state = new LinkedHashMap<>();
        c.get("params").properties().forEach(e -> state.put(e.getKey(), Tensor.of(QuantFixtures.doubles(e.getValue()),
                DType.FLOAT32, d, layer.stateDict().get(e.getKey()).shape())));
        layer.loadStateDict(state);
        return layer;
    }

    private static DynamicQuantizedRNN quantize(RNNBase layer, boolean perChannel) {
        return layer instanceof LSTM lstm ? DynamicQuantizedLSTM.from(lstm, perChannel)
                : DynamicQuantizedGRU.from((GRU) layer, perChannel);
    }

    private static RnnOutput run(DynamicQuantizedRNN q, Tensor x) {
        return q instanceof DynamicQuantizedLSTM lstm ? lstm.forward(x, null, null)
                : ((DynamicQuantizedGRU) q).forward(x, null);
    }

    private static void assertClose(JsonNode expected, Tensor actual, String what) {
        float[] e = QuantFixtures.floats(expected);
        float[] a = actual.toFloatArray();
        assertEquals(e.length, a.length, what);
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], TOLERANCE, what + " element " + i);
        }
    }

    private static void assertMatchesPyTorch(JsonNode c, DynamicQuantizedRNN q, Device d) {
        String name = c.get("name").asText() + " on " + d;
        Tensor x = Tensor.of(QuantFixtures.doubles(c.get("input")), DType.FLOAT32, d,
                QuantFixtures.longs(c.get("inputShape")));
        RnnOutput r = run(q, x);
        assertClose(c.get("output"), r.output(), name + " output");
        assertClose(c.get("hn"), r.h(), name + " h_n");
        if (!c.get("cn").isNull()) {
            assertClose(c.get("cn"), r.c(), name + " c_n");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void quantizingTheFloatLayerGivesPyTorchsWeightsAndOutputs(Device d, String name) {
        JsonNode c = fixtureCase(name);
        boolean perChannel = c.get("qscheme").asText().equals("per_channel");
        try (Scope s = Scope.open(); RNNBase layer = floatLayer(c, d);
             DynamicQuantizedRNN q = quantize(layer, perChannel)) {
            c.get("qweights").properties().forEach(e -> {
                String[] parts = e.getKey().split("_"); // weight_ih_l0 -> ih_l0
                var linear = (DynamicQuantizedLinear) q.getSubmodule(parts[1] + "_" + parts[2]);
                try (QuantizedTensor w = linear.weight()) {
                    JsonNode expected = e.getValue();
                    assertArrayEquals(QuantFixtures.longs(expected.get("q")), w.intRepr().toLongArray(), e.getKey());
                    assertArrayEquals(QuantFixtures.doubles(expected.get("scales")), w.scales(), e.getKey());
                    assertArrayEquals(QuantFixtures.longs(expected.get("zeroPoints")), w.zeroPoints(), e.getKey());
                }
            });
            assertMatchesPyTorch(c, q, d);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void pyTorchsIntegerWeightsLoadThroughTheStateDict(Device d, String name) {
        JsonNode c = fixtureCase(name);
        boolean perChannel = c.get("qscheme").asText().equals("per_channel");
        try (Scope s = Scope.open(); RNNBase fresh = floatLayer(c, d)) {
            Map<String, Tensor> random = new LinkedHashMap<>();
            fresh.stateDict().forEach((k, v) -> random.put(k, Tensor.randn(new Generator(5), v.shape()).to(d)));
            fresh.loadStateDict(random); // other float weights: everything must come from PyTorch's integers
            try (DynamicQuantizedRNN q = quantize(fresh, perChannel)) {
                Map<String, Tensor> state = new LinkedHashMap<>();
                c.get("qweights").properties().forEach(e -> {
                    String[] parts = e.getKey().split("_");
                    String prefix = parts[1] + "_" + parts[2] + ".";
                    JsonNode w = e.getValue();
                    long[] shape = q.stateDict().get(prefix + "weight").shape();
                    state.put(prefix + "weight", Tensor.of(QuantFixtures.longs(w.get("q")), DType.INT8, d, shape));
                    state.put(prefix + "weight_scale", Tensor.of(QuantFixtures.doubles(w.get("scales")),
                            DType.FLOAT64, d));
                    state.put(prefix + "weight_zero_point", Tensor.of(QuantFixtures.longs(w.get("zeroPoints")),
                            DType.INT64, d, w.get("zeroPoints").size()));
                    String bias = "bias_" + parts[1] + "_" + parts[2];
                    state.put(prefix + "bias", Tensor.of(QuantFixtures.doubles(c.get("params").get(bias)),
                            DType.FLOAT32, d));
                });
                q.loadStateDict(state);
                assertMatchesPyTorch(c, q, d);
            }
        }
    }

    @Test
    void quantizeDynamicReplacesRecurrentLayersAndLeavesOthers() {
        try (Scope s = Scope.open()) {
            Sequential model = new Sequential(new LSTM(4, 6, 2), new GRU(6, 3));
            Tensor x = Tensor.randn(new Generator(2), 5, 2, 4);
            Tensor reference = model.forward(x);
            Quantization.quantizeDynamic(model);
            assertInstanceOf(DynamicQuantizedLSTM.class, model.get(0));
            assertInstanceOf(DynamicQuantizedGRU.class, model.get(1));
            assertEquals("DynamicQuantizedLSTM(4, 6, num_layers=2", model.get(0).toString().lines().findFirst()
                    .orElseThrow().substring(0, 39));
            Tensor y = model.forward(x);
            double err = Math.sqrt(y.sub(reference).square().sum().item() / reference.square().sum().item());
            assertTrue(err < 0.05, "relative error " + err);
            model.close();
        }
        try (Sequential model = new Sequential(new LSTM(4, 6, 1))) {
            Quantization.quantizeDynamic(model, DynamicQuantOptions.DEFAULT.only(dev.nabla.nn.Linear.class));
            assertInstanceOf(LSTM.class, model.get(0), "only Linear asked for");
        }
    }

    @Test
    void badInputIsNamedClearly() {
        try (Scope s = Scope.open(); LSTM lstm = new LSTM(4, 6); DynamicQuantizedLSTM q = DynamicQuantizedLSTM.from(lstm)) {
            var wide = assertThrows(IllegalArgumentException.class,
                    () -> q.forward(Tensor.randn(new Generator(1), 5, 2, 5)));
            assertTrue(wide.getMessage().contains("4"), wide.getMessage());
            var f64 = assertThrows(IllegalArgumentException.class,
                    () -> q.forward(Tensor.randn(new Generator(1), 5, 2, 4).to(DType.FLOAT64)));
            assertTrue(f64.getMessage().contains("float32"), f64.getMessage());
            var grad = assertThrows(IllegalArgumentException.class,
                    () -> q.forward(Tensor.randn(new Generator(1), 5, 2, 4).requiresGrad_(true)));
            assertTrue(grad.getMessage().contains("inference only"), grad.getMessage());
            lstm.close();
            var closed = assertThrows(IllegalArgumentException.class, () -> DynamicQuantizedLSTM.from(lstm));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        }
    }
}
