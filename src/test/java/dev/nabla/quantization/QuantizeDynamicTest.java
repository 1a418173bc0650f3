package dev.nabla.quantization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.io.SafeTensors;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.Prune;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.ResidualBlock;
import dev.nabla.nn.Sequential;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Quantization#quantizeDynamic} on the Fashion-MNIST MLP's shape, on the cpu and java devices: the layers are
 * swapped in place, outputs stay close to float32, the state dict round-trips through safetensors exactly and is
 * about 4x smaller.
 */
class QuantizeDynamicTest {
    static Stream<Device> devices() {
        return Stream.of(Device.CPU, Device.JAVA);
    }

    /** Flatten, Linear 784-512, ReLU, Dropout, Linear 512-256, ReLU, Dropout, Linear 256-10 (examples' MLP). */
    static Sequential mlp(long seed, Device d) {
        Generator g = new Generator(seed);
        return new Sequential(new Flatten(), new Linear(784, 512, true, g, DType.FLOAT32, d), new ReLU(),
                new Dropout(0.2), new Linear(512, 256, true, g, DType.FLOAT32, d), new ReLU(), new Dropout(0.2),
                new Linear(256, 10, true, g, DType.FLOAT32, d));
    }

    static Tensor images(Device d, int batch) {
        return Tensor.rand(new Generator(7), batch, 1, 28, 28).to(d, DType.FLOAT32);
    }

    private static double norm(Tensor t) {
        return Math.sqrt(t.square().sum().item());
    }

    private static long stateBytes(Module m) {
        long bytes = 0;
        for (Tensor t : m.stateDict().values()) {
            bytes += t.numel() * t.dtype().byteSize();
        }
        return bytes;
    }

    @ParameterizedTest
    @MethodSource("devices")
    void quantizedMlpStaysCloseToFloat(Device d) {
        try (Scope s = Scope.open(); Sequential model = mlp(3, d)) {
            model.eval();
            Tensor x = images(d, 256);
            Tensor reference = model.forward(x);
            Linear first = (Linear) model.get(1);
            long floatBytes = stateBytes(model);
            assertSame(model, Quantization.quantizeDynamic(model));
            for (int i : new int[] {1, 4, 7}) {
                assertInstanceOf(DynamicQuantizedLinear.class, model.get(i));
                assertTrue(((DynamicQuantizedLinear) model.get(i)).isPerChannel());
            }
            assertTrue(first.namedParameters().get("weight").isClosed(), "the replaced float layer is closed");
            assertTrue(!model.isTraining() && !model.get(3).isTraining(), "eval mode");
            Tensor y = model.forward(x);
            double relative = norm(y.sub(reference)) / norm(reference);
            assertTrue(relative < 0.02, "relative error " + relative);
            long[] a = y.argmax(1, false).toLongArray();
            long[] b = reference.argmax(1, false).toLongArray();
            int same = 0;
            for (int i = 0; i < a.length; i++) {
                same += a[i] == b[i] ? 1 : 0;
            }
            assertTrue(same >= 0.9 * a.length, same + " of " + a.length + " argmax equal");
            double ratio = (double) floatBytes / stateBytes(model);
            assertTrue(ratio > 3.8 && ratio < 4.0, "state dict " + ratio + "x smaller");
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void stateDictRoundTripsThroughSafetensors(Device d, @TempDir Path dir) throws Exception {
        try (Scope s = Scope.open(); Sequential model = Quantization.quantizeDynamic(mlp(3, d));
             Sequential fresh = Quantization.quantizeDynamic(mlp(4, d));
             Sequential floats = mlp(3, d)) {
            Path file = dir.resolve("q.safetensors");
            SafeTensors.save(file, model.stateDict(), Map.of());
            Path floatFile = dir.resolve("f.safetensors");
            SafeTensors.save(floatFile, floats.stateDict(), Map.of());
            double fileRatio = (double) Files.size(floatFile) / Files.size(file);
            assertTrue(fileRatio > 3.8, "file " + fileRatio + "x smaller");
            Tensor x = images(d, 32);
            Map<String, Tensor> loaded = SafeTensors.load(file).tensors();
            assertEquals(DType.INT8, loaded.get("1.weight").dtype());
            fresh.loadStateDict(loaded);
            assertArrayEquals(model.forward(x).toFloatArray(), fresh.forward(x).toFloatArray());
        }
    }

    @Test
    void aPrunedModelIsQuantizedWithItsMaskApplied(@TempDir Path dir) throws Exception {
        try (Scope s = Scope.open(); Sequential model = mlp(5, Device.CPU); Sequential fresh = mlp(6, Device.CPU)) {
            model.eval();
            for (int i : new int[] {1, 4, 7}) {
                Prune.l1Unstructured(model.get(i), "weight", 0.8);
            }
            Tensor x = images(Device.CPU, 64);
            Tensor reference = model.forward(x);
            Quantization.quantizeDynamic(model);
            try (QuantizedTensor w = ((DynamicQuantizedLinear) model.get(1)).weight()) {
                long zeros = java.util.Arrays.stream(w.intRepr().toLongArray()).filter(v -> v == 0).count();
                assertTrue(zeros >= Math.round(0.8 * w.intRepr().numel()), zeros + " zero weights of "
                        + w.intRepr().numel());
            }
            Tensor y = model.forward(x);
            assertTrue(norm(y.sub(reference)) < 0.02 * norm(reference), "close to the pruned float model");
            Path file = dir.resolve("pruned-int8.safetensors");
            SafeTensors.save(file, model.stateDict(), Map.of());
            Quantization.quantizeDynamic(fresh).loadStateDict(SafeTensors.load(file).tensors());
            assertArrayEquals(y.toFloatArray(), fresh.forward(x).toFloatArray());
        }
    }

    @Test
    void walksAnyContainerAndSharesOneReplacementPerLayer() {
        try (Scope s = Scope.open()) {
            Linear shared = new Linear(8, 8);
            Sequential model = new Sequential(new ResidualBlock(new Sequential(shared, new ReLU(), new Linear(8, 8))),
                    shared, new Sequential(new Sequential(new Linear(8, 3))));
            Tensor x = Tensor.rand(new Generator(1), 5, 8);
            Tensor reference = model.forward(x);
            Quantization.quantizeDynamic(model, DynamicQuantOptions.DEFAULT.perTensor());
            Module a = model.getSubmodule("0.body.0");
            assertInstanceOf(DynamicQuantizedLinear.class, a);
            assertSame(a, model.getSubmodule("1"));
            assertInstanceOf(DynamicQuantizedLinear.class, model.getSubmodule("0.body.2"));
            assertInstanceOf(DynamicQuantizedLinear.class, model.getSubmodule("2.0.0"));
            assertTrue(!((DynamicQuantizedLinear) a).isPerChannel());
            Tensor y = model.forward(x);
            assertTrue(norm(y.sub(reference)) < 0.05 * norm(reference));
            model.close();
        }
    }

    @Test
    void optionsAndBadModelsAreNamedClearly() {
        var conv = assertThrows(IllegalArgumentException.class,
                () -> DynamicQuantOptions.DEFAULT.only(Conv2d.class));
        assertTrue(conv.getMessage().contains("Conv2d"), conv.getMessage());
        try (Linear alone = new Linear(4, 2)) {
            var root = assertThrows(IllegalArgumentException.class, () -> Quantization.quantizeDynamic(alone));
            assertTrue(root.getMessage().contains("DynamicQuantizedLinear.from"), root.getMessage());
        }
        try (Sequential model = new Sequential(new Linear(4, 4), new Linear(4, 2))) {
            Quantization.quantizeDynamic(model, DynamicQuantOptions.DEFAULT.only());
            assertInstanceOf(Linear.class, model.get(0), "no types: nothing converted");
            ((Linear) model.get(1)).close();
            var closed = assertThrows(IllegalArgumentException.class, () -> Quantization.quantizeDynamic(model));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
            assertInstanceOf(Linear.class, model.get(0), "a failure leaves the model as it was");
        }
    }

    @Test
    void cudaModelsAreRefusedNamingTheDevice() {
        Device cuda = Stream.of(Device.values()).filter(dev -> !dev.isHost()).findFirst().orElse(null);
        Assumptions.assumeTrue(cuda != null, "no CUDA device");
        try (Sequential model = mlp(3, cuda)) {
            var e = assertThrows(IllegalArgumentException.class, () -> Quantization.quantizeDynamic(model));
            assertTrue(e.getMessage().contains("cpu and java"), e.getMessage());
        }
    }
}
