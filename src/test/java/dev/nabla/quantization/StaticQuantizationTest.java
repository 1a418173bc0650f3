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
import dev.nabla.io.SafeTensors;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.GELU;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * End to end against PyTorch's eager-mode flow (QuantWrapper, fuse_modules, prepare, calibrate, convert on the onednn
 * engine) for a small CNN with the Fashion CNN's layer types: same float weights and calibration batches give the
 * the same observed parameters (to float rounding) and the same output integers (within one step, 90% exact). Plus state dict / safetensors round trips and the errors.
 */
class StaticQuantizationTest {
    private static final List<List<String>> FUSE = List.of(List.of("0", "1", "2"), List.of("4", "5", "6"),
            List.of("9", "10"));

    static Stream<Device> devices() {
        return Stream.of(Device.CPU, Device.JAVA);
    }

    /** The fixture's network: PyTorch's small_cnn() in scripts/make_quant_static_fixtures.py. */
    private static Sequential smallCnn() {
        Generator g = new Generator(1);
        int[] k3 = {3, 3};
        int[] s1 = {1, 1};
        return new Sequential(
                new Conv2d(1, 4, k3, s1, s1, s1, 1, false, g, DType.FLOAT32, Device.CPU), new BatchNorm2d(4),
                new ReLU(), new MaxPool2d(2),
                new Conv2d(4, 8, k3, s1, s1, s1, 1, false, g, DType.FLOAT32, Device.CPU), new BatchNorm2d(8),
                new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(32, 16, false, g, DType.FLOAT32, Device.CPU), new BatchNorm1d(16), new ReLU(),
                new Dropout(0.3, g.split()),
                new Linear(16, 10, true, g, DType.FLOAT32, Device.CPU));
    }

    private static Sequential loaded(JsonNode e2e) {
        Sequential net = smallCnn();
        try (Scope s = Scope.open()) {
            Map<String, Tensor> state = new HashMap<>();
            e2e.get("state").fields().forEachRemaining(f -> state.put(f.getKey(),
                    Tensor.of(QuantFixtures.floats(f.getValue().get("values")), f.getValue().get("values").size())
                            .reshape(QuantFixtures.longs(f.getValue().get("shape")))));
            net.loadStateDict(state);
        }
        net.eval();
        return net;
    }

    private static Tensor batch(JsonNode values, JsonNode shape, Device d) {
        return QuantFixtures.floatTensor(values, d, QuantFixtures.longs(shape));
    }

    private static QuantWrapper quantize(JsonNode e2e, Device d) {
        Sequential net = loaded(e2e);
        net.to(d);
        StaticQuantization.fuseModules(net, FUSE);
        QConfig qconfig = e2e.get("qconfig").asText().equals("default") ? QConfig.defaults() : QConfig.minMax();
        QuantWrapper q = StaticQuantization.prepare(net, qconfig);
        try (Scope s = Scope.open()) {
            for (JsonNode b : e2e.get("batches")) {
                q.forward(batch(b, e2e.get("batchShape"), d));
            }
        }
        return StaticQuantization.convert(q);
    }

    @ParameterizedTest
    @MethodSource("devices")
    void smallCnnMatchesPyTorchEagerMode(Device d) {
        for (JsonNode e2e : QuantFixtures.STATIC.get("e2e")) {
            String what = e2e.get("qconfig").asText() + " on " + d;
            try (Scope s = Scope.open(); QuantWrapper q = quantize(e2e, d)) {
                Quantize quant = assertInstanceOf(Quantize.class, q.getSubmodule("quant"));
                assertEquals((float) e2e.get("inScale").asDouble(), (float) quant.scale(""), what);
                assertEquals(e2e.get("inZeroPoint").asLong(), quant.zeroPoint(""), what);
                // the observed ranges come from float convolutions and GEMMs summed in another order than PyTorch's
                // (and than each other: the split over threads varies), so a maximum, and with it a scale, can differ
                // in its last bits; such a scale moves a few roundings by one step downstream
                e2e.get("layers").fields().forEachRemaining(f -> {
                    QuantizedModule layer = (QuantizedModule) q.module().getSubmodule(f.getKey());
                    double scale = f.getValue().get("scale").asDouble();
                    assertEquals(scale, layer.scale(""), scale * 1e-6, what + " layer " + f.getKey());
                    assertEquals(f.getValue().get("zeroPoint").asLong(), layer.zeroPoint(""), what);
                });
                Tensor x = batch(e2e.get("x"), e2e.get("xShape"), d);
                long[] ints = q.module().forward(quant.forward(x)).toLongArray();
                long[] expected = QuantFixtures.longs(e2e.get("y"));
                int exact = 0;
                for (int i = 0; i < ints.length; i++) {
                    assertTrue(Math.abs(ints[i] - expected[i]) <= 1, what + " output " + i + ": " + ints[i] + " vs "
                            + expected[i]);
                    exact += ints[i] == expected[i] ? 1 : 0;
                }
                assertTrue(exact >= 0.9 * ints.length, what + ": " + exact + " of " + ints.length + " exact");
                float[] out = q.forward(x).toFloatArray();
                float[] expectedOut = QuantFixtures.floats(e2e.get("out"));
                double step = e2e.get("yScale").asDouble();
                for (int i = 0; i < out.length; i++) {
                    assertEquals(expectedOut[i], out[i], step * 1.001, what);
                }
            }
        }
    }

    @Test
    void convertedModelKeepsItsFloatAccuracyRoughly() {
        JsonNode e2e = QuantFixtures.STATIC.get("e2e").get(1);
        try (Scope s = Scope.open(); QuantWrapper q = quantize(e2e, Device.CPU)) {
            float[] out = q.forward(batch(e2e.get("x"), e2e.get("xShape"), Device.CPU)).toFloatArray();
            float[] ref = QuantFixtures.floats(e2e.get("floatOut"));
            for (int i = 0; i < out.length; i++) {
                assertEquals(ref[i], out[i], 0.1, "quantized vs float output " + i);
            }
        }
    }

    @Test
    void fashionMlpQuantizesAndAgreesWithFloat() {
        Generator g = new Generator(11);
        Sequential mlp = new Sequential(new Flatten(),
                new Linear(784, 512, true, g, DType.FLOAT32, Device.CPU), new ReLU(), new Dropout(0.2, g.split()),
                new Linear(512, 256, true, g, DType.FLOAT32, Device.CPU), new ReLU(), new Dropout(0.2, g.split()),
                new Linear(256, 10, true, g, DType.FLOAT32, Device.CPU));
        mlp.eval();
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.randn(g, 256, 1, 28, 28);
            float[] reference = mlp.forward(x).toFloatArray();
            StaticQuantization.fuseModules(mlp, List.of(List.of("1", "2"), List.of("4", "5")));
            QuantWrapper q = StaticQuantization.prepare(mlp, QConfig.defaults());
            q.forward(Tensor.randn(g, 128, 1, 28, 28));
            StaticQuantization.convert(q);
            assertInstanceOf(QuantizedLinear.class, q.module().getSubmodule("1"));
            assertTrue(((QuantizedLinear) q.module().getSubmodule("1")).hasRelu());
            float[] out = q.forward(x).toFloatArray();
            int agree = 0;
            for (int row = 0; row < 256; row++) {
                agree += argmax(reference, row) == argmax(out, row) ? 1 : 0;
            }
            // random weights give small logit margins; int8 rounding may flip a few near-ties
            assertTrue(agree >= 0.9 * 256, agree + " of 256 predictions agree");
        }
    }

    private static int argmax(float[] logits, int row) {
        int best = 0;
        for (int j = 1; j < 10; j++) {
            best = logits[row * 10 + j] > logits[row * 10 + best] ? j : best;
        }
        return best;
    }

    @Test
    void stateDictAndSafetensorsRoundTrip(@TempDir Path dir) throws IOException {
        JsonNode e2e = QuantFixtures.STATIC.get("e2e").get(0);
        Path file = dir.resolve("q.safetensors");
        try (Scope s = Scope.open(); QuantWrapper q = quantize(e2e, Device.CPU)) {
            Map<String, Tensor> state = q.stateDict();
            assertEquals(DType.INT8, state.get("module.0.weight").dtype());
            assertEquals(DType.FLOAT32, state.get("module.0.weight_scales").dtype());
            assertEquals(DType.INT64, state.get("module.0.weight_zero_points").dtype());
            assertEquals(DType.INT64, state.get("module.13.zero_point").dtype());
            SafeTensors.save(file, state, Map.of());
            Tensor x = batch(e2e.get("x"), e2e.get("xShape"), Device.CPU);
            long[] expected = q.forward(x).toLongArray();
            // another model of the same structure, calibrated on different data, takes the saved state
            Sequential other = smallCnn();
            other.eval();
            StaticQuantization.fuseModules(other, FUSE);
            try (QuantWrapper fresh = StaticQuantization.prepare(other, QConfig.minMax())) {
                fresh.forward(Tensor.randn(new Generator(3), 4, 1, 8, 8));
                StaticQuantization.convert(fresh);
                assertTrue(!java.util.Arrays.equals(expected, fresh.forward(x).toLongArray()));
                fresh.loadStateDict(SafeTensors.load(file).tensors());
                assertArrayEquals(expected, fresh.forward(x).toLongArray());
            }
        }
        assertTrue(Files.size(file) > 0);
    }

    @Test
    void badInputIsNamed() {
        Sequential withGelu = new Sequential(new Linear(4, 4), new GELU());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StaticQuantization.prepare(withGelu, QConfig.minMax()));
        assertTrue(e.getMessage().contains("'1' (GELU)"), e.getMessage());
        Sequential withBn = smallCnn();
        e = assertThrows(IllegalArgumentException.class, () -> StaticQuantization.prepare(withBn, QConfig.minMax()));
        assertTrue(e.getMessage().contains("'1' (BatchNorm2d)") && e.getMessage().contains("fuseModules"),
                e.getMessage());
        Sequential training = smallCnn();
        e = assertThrows(IllegalArgumentException.class, () -> StaticQuantization.fuseModules(training, FUSE));
        assertTrue(e.getMessage().contains("training mode"), e.getMessage());
        Sequential unfusable = new Sequential(new Linear(4, 4), new GELU());
        unfusable.eval();
        e = assertThrows(IllegalArgumentException.class,
                () -> StaticQuantization.fuseModules(unfusable, List.of(List.of("0", "1"))));
        assertTrue(e.getMessage().contains("[Linear, GELU]"), e.getMessage());
        QuantWrapper uncalibrated = StaticQuantization.prepare(new Sequential(new Linear(4, 4), new ReLU()),
                QConfig.minMax());
        IllegalStateException no = assertThrows(IllegalStateException.class,
                () -> StaticQuantization.convert(uncalibrated));
        assertTrue(no.getMessage().contains("saw no data"), no.getMessage());
        QuantWrapper notPrepared = new QuantWrapper(new Sequential(new Linear(4, 4)));
        assertThrows(IllegalArgumentException.class, () -> StaticQuantization.convert(notPrepared));
        try (Scope s = Scope.open()) {
            QuantizedReLU relu = new QuantizedReLU(new QParams(0.1, 3));
            e = assertThrows(IllegalArgumentException.class, () -> relu.forward(Tensor.zeros(2, 2)));
            assertTrue(e.getMessage().contains("uint8"), e.getMessage());
        }
    }
}
