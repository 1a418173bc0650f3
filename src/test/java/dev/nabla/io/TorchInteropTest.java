package dev.nabla.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safetensors files across frameworks: a PyTorch state dict ({@code fixtures/io/torch_mlp.*}, written by
 * {@code scripts/make_safetensors_fixture.py}) loads into the same Nabla model and gives PyTorch's outputs; a file
 * Nabla wrote ({@code fixtures/io/nabla_mlp.*}) is stable, and the script's {@code --verify} mode (run here when
 * {@code /usr/bin/python3} has torch) loads Nabla's file into PyTorch and reproduces Nabla's outputs.
 *
 * <p>To rewrite the Nabla-written fixture: {@code mvn -pl library test-compile}, then
 * {@code mvn -pl library surefire:test -Dtest=TorchInteropTest -Dsurefire.extra=-Dnabla.writeIoFixtures=true}.
 */
class TorchInteropTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURE_DIR = Path.of("src/test/resources/fixtures/io");
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Path SCRIPT = Path.of("scripts/make_safetensors_fixture.py");

    @TempDir
    Path dir;

    /** nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)): parameters 0.weight, 0.bias, 2.weight, 2.bias. */
    private static Module mlp(long seed) {
        Generator g = new Generator(seed);
        return new Sequential(new Linear(4, 8, true, g, DType.FLOAT32, Device.CPU), new ReLU(),
                new Linear(8, 3, true, g, DType.FLOAT32, Device.CPU));
    }

    private static JsonNode resource(String name) throws IOException {
        try (InputStream in = TorchInteropTest.class.getResourceAsStream("/fixtures/io/" + name)) {
            if (in == null) {
                throw new IOException("missing fixture fixtures/io/" + name + " (make it with /usr/bin/python3 "
                        + "scripts/make_safetensors_fixture.py)");
            }
            return JSON.readTree(in);
        }
    }

    private static Path resourcePath(String name) throws Exception {
        return Path.of(TorchInteropTest.class.getResource("/fixtures/io/" + name).toURI());
    }

    private static Tensor tensor(JsonNode t) {
        long[] shape = new long[t.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.get("shape").get(i).asLong();
        }
        float[] data = new float[t.get("data").size()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) t.get("data").get(i).asDouble();
        }
        return Tensor.of(data, shape);
    }

    private static float[] output(Module m, Tensor input) {
        try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
            return m.forward(input).toFloatArray();
        }
    }

    @Test
    void aPyTorchStateDictGivesPyTorchsOutputs() throws Exception {
        JsonNode fx = resource("torch_mlp.json");
        try (Module m = mlp(0); Scope scope = Scope.open()) {
            Checkpoint.loadModel(resourcePath("torch_mlp.safetensors"), m);
            Tensor input = tensor(fx.get("input"));
            float[] got = output(m, input);
            float[] want = tensor(fx.get("output")).toFloatArray();
            assertEquals(15, got.length);
            assertClose(want, got);
        }
    }

    private static void assertClose(float[] want, float[] got) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            double err = Math.abs(got[i] - want[i]);
            assertTrue(err <= 1e-6 * Math.abs(want[i]) + 1e-7, "output " + i + ": " + got[i] + " vs PyTorch "
                    + want[i]);
        }
    }

    /** BatchNorm's buffers, num_batches_tracked stored by PyTorch as a 0-d int64, load and give eval outputs. */
    @Test
    void aPyTorchStateDictWithBatchNormAndAnIntegerBufferLoads() throws Exception {
        JsonNode fx = resource("torch_bn.json");
        Generator g = new Generator(0);
        try (Module m = new Sequential(new Linear(4, 8, true, g, DType.FLOAT32, Device.CPU), new BatchNorm1d(8),
                new ReLU(), new Linear(8, 3, true, g, DType.FLOAT32, Device.CPU)); Scope scope = Scope.open()) {
            Checkpoint.loadModel(resourcePath("torch_bn.safetensors"), m);
            assertEquals(3.0, m.stateDict().get("1.num_batches_tracked").item());
            m.eval();
            assertClose(tensor(fx.get("output")).toFloatArray(), output(m, tensor(fx.get("input"))));
        }
    }

    /** Writes Nabla's file and the JSON of its output for the fixture input into {@code out}. */
    private static void writeNablaFixture(Path out) throws IOException {
        JsonNode fx = resource("torch_mlp.json");
        try (Module m = mlp(2024); Scope scope = Scope.open()) {
            Checkpoint.saveModel(out.resolve("nabla_mlp.safetensors"), m);
            Tensor input = tensor(fx.get("input"));
            float[] y = output(m, input);
            ObjectNode root = JSON.createObjectNode();
            root.put("writer", "Nabla Checkpoint.saveModel (TorchInteropTest)");
            root.set("input", fx.get("input"));
            ObjectNode o = root.putObject("output");
            o.putArray("shape").add(5).add(3);
            var data = o.putArray("data");
            for (float v : y) {
                data.add((double) v);
            }
            Files.writeString(out.resolve("nabla_mlp.json"), JSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(root) + "\n");
        }
    }

    @Test
    void theCommittedNablaFileIsStable() throws Exception {
        boolean rewrite = Boolean.getBoolean("nabla.writeIoFixtures");
        if (rewrite) {
            writeNablaFixture(FIXTURE_DIR);
        }
        Path committed = rewrite ? FIXTURE_DIR.resolve("nabla_mlp.safetensors") : resourcePath("nabla_mlp.safetensors");
        JsonNode fx = rewrite ? JSON.readTree(FIXTURE_DIR.resolve("nabla_mlp.json").toFile())
                : resource("nabla_mlp.json");
        try (Module m = mlp(0); Scope scope = Scope.open()) {
            Checkpoint.loadModel(committed, m);
            assertArrayEquals(tensor(fx.get("output")).toFloatArray(), output(m, tensor(fx.get("input"))));
            Path again = dir.resolve("again.safetensors");
            Checkpoint.saveModel(again, m);
            assertArrayEquals(Files.readAllBytes(committed), Files.readAllBytes(again),
                    "Nabla writes the same bytes for the same state dict");
        }
    }

    /** PyTorch (via the script's own reader, which follows the specification) loads a file Nabla writes now. */
    @Test
    void pyTorchLoadsWhatNablaWrites() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON) && Files.isRegularFile(SCRIPT), "no /usr/bin/python3");
        writeNablaFixture(dir);
        Result r = run(List.of(PYTHON.toString(), SCRIPT.toString(), "--verify",
                dir.resolve("nabla_mlp.safetensors").toString(), dir.resolve("nabla_mlp.json").toString()), 120);
        assumeTrue(!r.out.contains("No module named 'torch'"), "/usr/bin/python3 has no torch (python3-torch)");
        System.out.println("TorchInteropTest: " + r.out.strip());
        assertEquals(0, r.exit, r.out);
        assertTrue(r.out.startsWith("OK"), r.out);
    }

    private record Result(int exit, String out) {
    }

    private Result run(List<String> cmd, int seconds) throws Exception {
        Path log = Files.createTempFile(dir, "py", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            return new Result(-1, "timed out after " + seconds + " s: " + Files.readString(log));
        }
        return new Result(p.exitValue(), Files.readString(log));
    }
}
