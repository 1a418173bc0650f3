package dev.nabla.quantization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.io.SafeTensors;
import dev.nabla.nn.Linear;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link DynamicQuantizedLinear} against PyTorch's {@code torch.ao.nn.quantized.dynamic.Linear} (onednn engine;
 * fixtures/quant/quant_dynamic_linear.json from scripts/make_quant_dynamic_fixtures.py) on the cpu and java devices:
 * the weight quantized from the float layer equals PyTorch's {@code int_repr} and scales exactly, and the outputs
 * agree within float rounding (see {@link #assertMatchesPyTorch}).
 */
class DynamicQuantizedLinearTest {
    private static final JsonNode FIXTURE = QuantFixtures.json("/fixtures/quant/quant_dynamic_linear.json");
    private static final Device[] DEVICES = {Device.CPU, Device.JAVA};

    private static final dev.nabla.Generator GEN = new dev.nabla.Generator(41);

    static Tensor randn(DType dtype, Device device, long... shape) {
        return Tensor.randn(GEN, shape).to(device, dtype);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Device d : DEVICES) {
            for (JsonNode c : FIXTURE.get("linear")) {
                out.add(Arguments.of(d, c.get("name").asText()));
            }
        }
        return out.stream();
    }

    private static JsonNode fixtureCase(String name) {
        for (JsonNode c : FIXTURE.get("linear")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static Tensor input(JsonNode c, Device d) {
        return Tensor.of(QuantFixtures.doubles(c.get("input")), DType.FLOAT32, d,
                QuantFixtures.longs(c.get("inputShape")));
    }

    private static Tensor bias(JsonNode c, Device d) {
        return c.get("bias").isNull() ? null : Tensor.of(QuantFixtures.doubles(c.get("bias")), DType.FLOAT32, d);
    }

    /**
     * PyTorch's onednn kernel scales and adds the bias inside oneDNN (a fused multiply-add, its own order), we in two
     * float32 roundings: the outputs may differ by float rounding only, far below one output quantization step
     * {@code xScale * wScale[j]}; many are bit-identical (at least a quarter per case, more than half over all cases:
     * {@link #mostOutputsAreBitIdenticalToPyTorchs}).
     *
     * @return how many are bit-identical
     */
    static int assertMatchesPyTorch(float[] expected, float[] actual, double[] stepPerColumn, String what) {
        assertEquals(expected.length, actual.length, what);
        int exact = 0;
        int columns = stepPerColumn.length;
        for (int i = 0; i < expected.length; i++) {
            double step = stepPerColumn[i % columns];
            double tolerance = 0.05 * step + 4 * Math.ulp(Math.abs(expected[i]));
            assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance, what + ": element " + i + " is " + actual[i]
                    + ", PyTorch " + expected[i] + " (step " + step + ")");
            exact += expected[i] == actual[i] ? 1 : 0;
        }
        assertTrue(exact >= 0.25 * expected.length, what + ": only " + exact + " of " + expected.length
                + " outputs are bit-identical to PyTorch's");
        return exact;
    }

    private static double[] steps(JsonNode c) {
        double[] w = QuantFixtures.doubles(c.get("wScales"));
        int out = c.get("outFeatures").asInt();
        double[] steps = new double[out];
        for (int j = 0; j < out; j++) {
            steps[j] = c.get("xScale").asDouble() * w[w.length == 1 ? 0 : j];
        }
        return steps;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void pyTorchsIntegerWeightsGiveItsOutputs(Device d, String name) {
        pyTorchsIntegerWeightsGivePyTorchsOutputs(d, name);
    }

    /** PyTorch's int8 weight loaded as it is gives PyTorch's outputs; returns how many are bit-identical. */
    private static int pyTorchsIntegerWeightsGivePyTorchsOutputs(Device d, String name) {
        JsonNode c = fixtureCase(name);
        int in = c.get("inFeatures").asInt();
        int out = c.get("outFeatures").asInt();
        boolean perChannel = c.get("qscheme").asText().equals("per_channel");
        try (Scope s = Scope.open();
             QuantizedTensor w = QuantizedTensor.fromInts(Tensor.of(QuantFixtures.longs(c.get("qweight")), DType.INT8,
                     d, out, in), QuantFixtures.doubles(c.get("wScales")), QuantFixtures.longs(c.get("wZeroPoints")),
                     perChannel ? 0 : -1);
             DynamicQuantizedLinear layer = new DynamicQuantizedLinear(w, bias(c, d))) {
            Tensor y = layer.forward(input(c, d));
            long[] shape = QuantFixtures.longs(c.get("inputShape"));
            shape[shape.length - 1] = out;
            assertArrayEquals(shape, y.shape());
            return assertMatchesPyTorch(QuantFixtures.floats(c.get("output")), y.toFloatArray(), steps(c),
                    name + " on " + d);
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void mostOutputsAreBitIdenticalToPyTorchs(Device d) {
        int exact = 0;
        int total = 0;
        for (JsonNode c : FIXTURE.get("linear")) {
            exact += pyTorchsIntegerWeightsGivePyTorchsOutputs(d, c.get("name").asText());
            total += c.get("output").size();
        }
        assertTrue(exact > 0.55 * total, exact + " of " + total + " outputs are bit-identical to PyTorch's");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void quantizingTheFloatWeightGivesPyTorchsIntegersAndScales(Device d, String name) {
        JsonNode c = fixtureCase(name);
        int in = c.get("inFeatures").asInt();
        int out = c.get("outFeatures").asInt();
        boolean perChannel = c.get("qscheme").asText().equals("per_channel");
        try (Scope s = Scope.open(); Linear linear = new Linear(in, out, !c.get("bias").isNull(), DType.FLOAT32, d)) {
            Map<String, Tensor> state = new java.util.LinkedHashMap<>();
            state.put("weight", Tensor.of(QuantFixtures.doubles(c.get("weight")), DType.FLOAT32, d, out, in));
            if (!c.get("bias").isNull()) {
                state.put("bias", bias(c, d));
            }
            linear.loadStateDict(state);
            try (DynamicQuantizedLinear layer = DynamicQuantizedLinear.from(linear, perChannel);
                 QuantizedTensor w = layer.weight()) {
                assertEquals(perChannel, w.isPerChannel());
                assertArrayEquals(QuantFixtures.longs(c.get("qweight")), w.intRepr().toLongArray(), name);
                assertArrayEquals(QuantFixtures.doubles(c.get("wScales")), w.scales(), name);
                assertArrayEquals(QuantFixtures.longs(c.get("wZeroPoints")), w.zeroPoints(), name);
                Tensor y = layer.forward(input(c, d));
                assertMatchesPyTorch(QuantFixtures.floats(c.get("output")), y.toFloatArray(), steps(c), name);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void pyTorchsStateDictLoadsFromSafetensorsAndReproducesItsOutputs(Device d) throws Exception {
        JsonNode io = QuantFixtures.json("/fixtures/quant/quant_dynamic_linear_state.json");
        Path file = Path.of(DynamicQuantizedLinearTest.class.getResource(
                "/fixtures/quant/quant_dynamic_linear.safetensors").toURI());
        try (Scope s = Scope.open(); Linear fresh = new Linear(12, 5, true, DType.FLOAT32, d);
             DynamicQuantizedLinear layer = DynamicQuantizedLinear.from(fresh)) {
            Map<String, Tensor> state = SafeTensors.load(file).tensors();
            assertEquals(DType.INT8, state.get("weight").dtype());
            Tensor x = Tensor.of(QuantFixtures.doubles(io.get("input").get("data")), DType.FLOAT32, d, 7, 12);
            layer.forward(x); // with the fresh layer's scales: loading must replace what a forward read
            layer.loadStateDict(state);
            Tensor y = layer.forward(x);
            double[] w = state.get("weight_scale").toDoubleArray();
            double xScale = QParams.forDynamicInput(x.min().item(), x.max().item(), true).scale();
            double[] steps = new double[w.length];
            for (int j = 0; j < w.length; j++) {
                steps[j] = xScale * w[j];
            }
            assertMatchesPyTorch(QuantFixtures.floats(io.get("output").get("data")), y.toFloatArray(), steps,
                    "state dict on " + d);
        }
    }

    static Stream<Device> devices() {
        return Stream.of(DEVICES);
    }

    @ParameterizedTest
    @MethodSource("devices")
    void cpuAndJavaDevicesAgreeExactlyOnTheIntegerPath(Device d) {
        try (Scope s = Scope.open(); Linear linear = new Linear(64, 24, true, DType.FLOAT32, Device.JAVA);
             DynamicQuantizedLinear onJava = DynamicQuantizedLinear.from(linear);
             Linear other = new Linear(64, 24, true, DType.FLOAT32, d)) {
            Map<String, Tensor> weights = linear.stateDict();
            other.loadStateDict(weights);
            try (DynamicQuantizedLinear onDevice = DynamicQuantizedLinear.from(other)) {
                Tensor x = randn(DType.FLOAT32, Device.JAVA, 13, 64);
                assertArrayEquals(onJava.forward(x).toFloatArray(), onDevice.forward(x.to(d)).toFloatArray());
            }
        }
    }

    @Test
    void reprAndAccessorsLikePyTorch() {
        try (Linear linear = new Linear(20, 7); DynamicQuantizedLinear pc = DynamicQuantizedLinear.from(linear);
             DynamicQuantizedLinear pt = DynamicQuantizedLinear.from(linear, false)) {
            assertEquals("DynamicQuantizedLinear(in_features=20, out_features=7, dtype=torch.qint8, "
                    + "qscheme=torch.per_channel_affine)", pc.toString().lines().findFirst().orElseThrow());
            assertTrue(pt.toString().contains("qscheme=torch.per_tensor_affine"));
            assertEquals(List.of("weight", "weight_scale", "weight_zero_point", "bias"),
                    List.copyOf(pc.stateDict().keySet()));
            assertArrayEquals(new long[] {7}, pc.stateDict().get("weight_scale").shape());
            assertArrayEquals(new long[] {1}, pt.stateDict().get("weight_scale").shape());
            assertEquals(DType.INT8, pc.stateDict().get("weight").dtype());
            assertEquals(20, pc.inFeatures());
            assertEquals(7, pc.outFeatures());
        }
    }

    @Test
    void badInputIsNamedClearly() {
        try (Scope s = Scope.open(); Linear linear = new Linear(20, 7);
             DynamicQuantizedLinear layer = DynamicQuantizedLinear.from(linear)) {
            var wide = assertThrows(IllegalArgumentException.class,
                    () -> layer.forward(randn(DType.FLOAT32, Device.CPU, 3, 21)));
            assertTrue(wide.getMessage().contains("in_features=20"), wide.getMessage());
            var f64 = assertThrows(IllegalArgumentException.class,
                    () -> layer.forward(randn(DType.FLOAT64, Device.CPU, 3, 20)));
            assertTrue(f64.getMessage().contains("float32"), f64.getMessage());
            var device = assertThrows(IllegalArgumentException.class,
                    () -> layer.forward(randn(DType.FLOAT32, Device.JAVA, 3, 20)));
            assertTrue(device.getMessage().contains("java"), device.getMessage());
            Tensor grad = randn(DType.FLOAT32, Device.CPU, 3, 20).requiresGrad_(true);
            var g = assertThrows(IllegalArgumentException.class, () -> layer.forward(grad));
            assertTrue(g.getMessage().contains("inference only"), g.getMessage());
            try (Grad off = Grad.disabled()) {
                assertArrayEquals(new long[] {3, 7}, layer.forward(grad).shape());
            }
            Tensor nan = Tensor.of(new float[] {Float.NaN, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
                    18, 19}, 1, 20);
            var n = assertThrows(IllegalArgumentException.class, () -> layer.forward(nan));
            assertTrue(n.getMessage().contains("NaN"), n.getMessage());
            assertArrayEquals(new long[] {0, 7}, layer.forward(Tensor.zeros(DType.FLOAT32, Device.CPU, 0, 20))
                    .shape());
            layer.close();
            var closed = assertThrows(IllegalStateException.class,
                    () -> layer.forward(randn(DType.FLOAT32, Device.CPU, 3, 20)));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        }
    }

    @Test
    void aWeightThatIsNotSymmetricInt8IsRefused() {
        try (Scope s = Scope.open();
             QuantizedTensor affine = QuantizedTensor.quantizePerTensor(randn(DType.FLOAT32, Device.CPU, 4, 3),
                     0.1, 5, DType.INT8);
             QuantizedTensor unsigned = QuantizedTensor.quantizePerTensor(randn(DType.FLOAT32, Device.CPU, 4,
                     3), 0.1, 0, DType.UINT8)) {
            var zp = assertThrows(IllegalArgumentException.class, () -> new DynamicQuantizedLinear(affine, null));
            assertTrue(zp.getMessage().contains("symmetric"), zp.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new DynamicQuantizedLinear(unsigned, null));
            var b = assertThrows(IllegalArgumentException.class, () -> new DynamicQuantizedLinear(
                    QuantizedTensor.quantizePerTensor(randn(DType.FLOAT32, Device.CPU, 4, 3), 0.1, 0,
                            DType.INT8), Tensor.zeros(DType.FLOAT32, Device.CPU, 5)));
            assertTrue(b.getMessage().contains("bias"), b.getMessage());
        }
    }
}
