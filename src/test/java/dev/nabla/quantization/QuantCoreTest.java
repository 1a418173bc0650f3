package dev.nabla.quantization;

import static dev.nabla.quantization.QuantFixtures.doubles;
import static dev.nabla.quantization.QuantFixtures.floats;
import static dev.nabla.quantization.QuantFixtures.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Quantization parameters, per-tensor and per-channel quantization and dequantization against PyTorch
 * (fixtures/quant/quant_core.json from scripts/make_quant_fixtures.py), bit for bit, on the cpu and java devices.
 */
class QuantCoreTest {
    private static final JsonNode FIXTURE = QuantFixtures.json("/fixtures/quant/quant_core.json");

    private static Stream<Arguments> cases(String list) {
        List<Arguments> out = new ArrayList<>();
        for (Device d : new Device[] {Device.CPU, Device.JAVA}) {
            for (int i = 0; i < FIXTURE.get(list).size(); i++) {
                out.add(Arguments.of(d, i));
            }
        }
        return out.stream();
    }

    static Stream<Arguments> perTensorCases() {
        return cases("perTensor");
    }

    static Stream<Arguments> perChannelCases() {
        return cases("perChannel");
    }

    @Test
    void observerParametersMatchPyTorch() {
        for (JsonNode c : FIXTURE.get("observer")) {
            QParams p = QParams.fromMinMax(c.get("min").asDouble(), c.get("max").asDouble(),
                    DType.fromName(c.get("dtype").asText()), c.get("symmetric").asBoolean(),
                    c.get("reduceRange").asBoolean());
            assertEquals(c.get("scale").asDouble(), p.scale(), 0, c.toString());
            assertEquals(c.get("zeroPoint").asLong(), p.zeroPoint(), c.toString());
        }
    }

    @Test
    void dynamicInputParametersMatchPyTorch() {
        for (JsonNode c : FIXTURE.get("dynamic")) {
            QParams p = QParams.forDynamicInput(c.get("min").asDouble(), c.get("max").asDouble(),
                    c.get("reduceRange").asBoolean());
            assertEquals(c.get("scale").asDouble(), p.scale(), 0, c.toString());
            assertEquals(c.get("zeroPoint").asLong(), p.zeroPoint(), c.toString());
        }
    }

    @ParameterizedTest(name = "{0} case {1}")
    @MethodSource("perTensorCases")
    void perTensorMatchesPyTorch(Device device, int index) {
        JsonNode c = FIXTURE.get("perTensor").get(index);
        DType dtype = DType.fromName(c.get("dtype").asText());
        float[] x = floats(c.get("x"));
        try (Scope s = Scope.open()) {
            Tensor tx = Tensor.of(x, x.length).to(device);
            if (dtype == DType.INT32) {
                Tensor q = dev.nabla.F.quantizeToInt(tx, c.get("scale").asDouble(), c.get("zeroPoint").asLong(), dtype);
                assertArrayEquals(longs(c.get("q")), q.toLongArray());
                return;
            }
            try (QuantizedTensor q = QuantizedTensor.quantizePerTensor(tx, c.get("scale").asDouble(),
                    c.get("zeroPoint").asLong(), dtype)) {
                assertEquals(dtype, q.dtype());
                assertArrayEquals(longs(c.get("q")), q.intRepr().toLongArray(), c.get("dtype").asText());
                assertArrayEquals(floats(c.get("dq")), q.dequantize().toFloatArray());
                assertEquals((float) c.get("scale").asDouble(), q.scale(), 0);
                assertEquals(c.get("zeroPoint").asLong(), q.zeroPoint());
            }
        }
    }

    @ParameterizedTest(name = "{0} case {1}")
    @MethodSource("perChannelCases")
    void perChannelMatchesPyTorch(Device device, int index) {
        JsonNode c = FIXTURE.get("perChannel").get(index);
        DType dtype = DType.fromName(c.get("dtype").asText());
        long[] shape = longs(c.get("shape"));
        int axis = c.get("axis").asInt();
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(floats(c.get("x")), shape).to(device);
            try (QuantizedTensor q = QuantizedTensor.quantizePerChannel(x, doubles(c.get("scales")),
                    longs(c.get("zeroPoints")), axis, dtype)) {
                assertTrue(q.isPerChannel());
                assertArrayEquals(shape, q.shape());
                assertArrayEquals(longs(c.get("q")), q.intRepr().toLongArray());
                assertArrayEquals(floats(c.get("dq")), q.dequantize().toFloatArray());
                assertThrows(IllegalStateException.class, q::scale);
                // the same integers wrapped again dequantize to the same values
                try (QuantizedTensor again = QuantizedTensor.fromInts(q.intRepr(), q.scales(), q.zeroPoints(), axis)) {
                    assertArrayEquals(floats(c.get("dq")), again.dequantize().toFloatArray());
                }
            }
        }
    }

    @Test
    void nanQuantizesToTheZeroPoint() {
        try (Scope s = Scope.open();
             QuantizedTensor q = QuantizedTensor.quantizePerTensor(
                     Tensor.of(new float[] {Float.NaN, 1f}, 2), 0.5, 7, DType.UINT8)) {
            assertArrayEquals(new long[] {7, 9}, q.intRepr().toLongArray());
        }
    }

    @Test
    void quantizedTensorOutlivesTheScopeAndCloses() {
        QuantizedTensor q;
        try (Scope s = Scope.open()) {
            q = QuantizedTensor.quantizePerTensor(Tensor.of(new float[] {1, 2, 3}, 3), 0.1, 0, DType.INT8);
        }
        assertArrayEquals(new long[] {10, 20, 30}, q.intRepr().toLongArray());
        q.close();
        assertThrows(IllegalStateException.class, q::intRepr);
        assertThrows(IllegalStateException.class, q::dequantize);
    }

    @Test
    void badInputIsNamed() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
            assertMessage("quantized dtypes are uint8 and int8",
                    () -> QuantizedTensor.quantizePerTensor(x, 0.1, 0, DType.INT64));
            assertMessage("scale must be positive", () -> QuantizedTensor.quantizePerTensor(x, 0, 0, DType.UINT8));
            assertMessage("scale must be positive",
                    () -> QuantizedTensor.quantizePerTensor(x, Double.NaN, 0, DType.UINT8));
            assertMessage("zero point 300 is outside", () -> QuantizedTensor.quantizePerTensor(x, 1, 300, DType.UINT8));
            assertMessage("must be floating point", () -> QuantizedTensor.quantizePerTensor(
                    Tensor.of(new long[] {1}, 1), 1, 0, DType.UINT8));
            assertMessage("axis 2 is out of range", () -> QuantizedTensor.quantizePerChannel(x,
                    new double[] {1, 1}, new long[] {0, 0}, 2, DType.INT8));
            assertMessage("2 channels along axis 0", () -> QuantizedTensor.quantizePerChannel(x,
                    new double[] {1}, new long[] {0}, 0, DType.INT8));
            assertMessage("must be ordered numbers", () -> QParams.fromMinMax(1, 0, DType.UINT8, false, false));
            assertMessage("must be ordered numbers", () -> QParams.forDynamicInput(Double.NaN, 0, false));
        }
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }
}
