package dev.nabla.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.CrossEntropyLoss;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.Adam;
import dev.nabla.optim.LRScheduler;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import dev.nabla.optim.StepLR;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Training checkpoints: exact resumption, and failed loads that leave everything as it was. */
class CheckpointTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private Tensor x;
    private Tensor y;

    @BeforeEach
    void data() {
        Generator g = new Generator(123);
        x = Scope.detached(() -> Tensor.randn(g, 16, 4));
        long[] labels = new long[16];
        for (int i = 0; i < 16; i++) {
            labels[i] = i % 3;
        }
        y = Scope.detached(() -> Tensor.of(labels, 16));
    }

    @AfterEach
    void release() throws Exception {
        x.close();
        y.close();
        for (AutoCloseable c : owned) {
            c.close();
        }
    }

    /** Linear(4, 8) -> ReLU -> Dropout(0.25, dropout) -> Linear(8, out), weights from {@code init}. */
    private Module mlp(long initSeed, Generator dropout, int hidden, int out) {
        Generator init = new Generator(initSeed);
        Module m = new Sequential(new Linear(4, hidden, true, init, DType.FLOAT32, Device.CPU), new ReLU(),
                new Dropout(0.25, dropout), new Linear(hidden, out, true, init, DType.FLOAT32, Device.CPU));
        owned.add(m);
        return m;
    }

    private Optimizer optimizer(String kind, Module m) {
        Optimizer o = kind.equals("sgd") ? new SGD(m.parameters(), 0.1, 0.9, 0, 1e-4, false)
                : new Adam(m.parameters(), 0.01);
        owned.add(o);
        return o;
    }

    private void train(Module m, Optimizer opt, LRScheduler sched, int steps) {
        CrossEntropyLoss loss = new CrossEntropyLoss();
        for (int s = 0; s < steps; s++) {
            try (Scope scope = Scope.open()) {
                opt.zeroGrad();
                Tensor l = loss.forward(m.forward(x), y);
                l.backward();
                opt.step();
            }
            sched.step();
        }
    }

    private static Map<String, float[]> values(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static void assertSameValues(Map<String, float[]> want, Map<String, float[]> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertArrayEquals(want.get(k), got.get(k), k); // bit for bit (floatToIntBits)
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam"})
    void resumingContinuesExactly(String kind) throws IOException {
        Generator genA = new Generator(7);
        Module a = mlp(1, genA, 8, 3);
        Optimizer optA = optimizer(kind, a);
        StepLR schedA = new StepLR(optA, 2, 0.5);
        train(a, optA, schedA, 3);
        Path f = dir.resolve("ckpt.safetensors");
        Checkpoint.save(f, a, optA, schedA, genA, Map.of("epoch", "3", "note", "résumé"));
        train(a, optA, schedA, 3);

        Generator genB = new Generator(99);
        Module b = mlp(2, genB, 8, 3);
        Optimizer optB = optimizer(kind, b);
        StepLR schedB = new StepLR(optB, 2, 0.5);
        assertNotEquals(Arrays.toString(values(a).get("0.weight")), Arrays.toString(values(b).get("0.weight")));
        Map<String, String> extra = Checkpoint.load(f, b, optB, schedB, genB);
        assertEquals(Map.of("epoch", "3", "note", "résumé"), extra);
        assertEquals(3, schedB.lastEpoch());
        train(b, optB, schedB, 3);

        assertSameValues(values(a), values(b));
        assertArrayEquals(schedA.lastLr(), schedB.lastLr());
        assertEquals(schedA.lastEpoch(), schedB.lastEpoch());
        assertArrayEquals(genA.state(), genB.state());
        for (int i = 0; i < a.parameters().size(); i++) {
            assertEquals(optA.stepCount(a.parameters().get(i)), optB.stepCount(b.parameters().get(i)));
        }
    }

    /** The checkpoint is an ordinary output (0644), though written through an owner-only temporary file. */
    @Test
    void theSavedFileIsReadableByAllLikeOtherOutputs() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "no POSIX permissions here");
        Path f = dir.resolve("ckpt.safetensors");
        Checkpoint.save(f, mlp(1, new Generator(0), 8, 3), null, null, null, null);
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void aModelOfAnotherShapeIsRejectedAndLeftUnchanged() throws IOException {
        Module a = mlp(1, new Generator(0), 8, 3);
        Path f = dir.resolve("ckpt.safetensors");
        Checkpoint.save(f, a, null, null, null, null);
        // the first layer fits, the last does not: nothing may change
        Module other = mlp(5, new Generator(0), 8, 5);
        Map<String, float[]> before = values(other);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(f, other, null, null, null));
        assertTrue(e.getMessage().contains("'3.weight'") && e.getMessage().contains("[3, 8]")
                && e.getMessage().contains("[5, 8]") && e.getMessage().contains(f.toString()), e.getMessage());
        assertSameValues(before, values(other));

        Path plain = dir.resolve("plain.safetensors");
        Checkpoint.saveModel(plain, a);
        e = assertThrows(IOException.class, () -> Checkpoint.loadModel(plain, other));
        assertTrue(e.getMessage().contains("'3.bias'") && e.getMessage().contains("[3]")
                && e.getMessage().contains("[5]"), e.getMessage());
        assertSameValues(before, values(other));

        Module wider = mlp(5, new Generator(0), 6, 3);
        Map<String, float[]> widerBefore = values(wider);
        e = assertThrows(IOException.class, () -> Checkpoint.loadModel(plain, wider));
        assertTrue(e.getMessage().contains("'0.weight'") && e.getMessage().contains("[8, 4]")
                && e.getMessage().contains("[6, 4]"), e.getMessage());
        assertSameValues(widerBefore, values(wider));
    }

    @Test
    void aPartThatDoesNotFitUndoesTheWholeLoad() throws IOException {
        Generator gen = new Generator(7);
        Module a = mlp(1, gen, 8, 3);
        Optimizer optA = optimizer("sgd", a);
        StepLR schedA = new StepLR(optA, 2, 0.5);
        train(a, optA, schedA, 3);
        Path f = dir.resolve("ckpt.safetensors");
        Checkpoint.save(f, a, optA, schedA, gen, null);

        // an optimizer over the first layer only: the model part loads, then the optimizer part fails
        Generator genB = new Generator(3);
        Module b = mlp(2, genB, 8, 3);
        Optimizer partial = new SGD(b.parameters().subList(0, 2), 0.1, 0.9, 0, 1e-4, false);
        owned.add(partial);
        StepLR schedB = new StepLR(partial, 2, 0.5);
        Map<String, float[]> before = values(b);
        long[] genBefore = genB.state();
        double[] lrBefore = schedB.lastLr();
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(f, b, partial, schedB, genB));
        assertTrue(e.getMessage().contains("does not fit") && e.getMessage().contains(f.toString()), e.getMessage());
        assertSameValues(before, values(b));
        assertArrayEquals(genBefore, genB.state());
        assertEquals(0, schedB.lastEpoch());
        assertArrayEquals(lrBefore, schedB.lastLr());
        assertEquals(0, partial.stepCount(b.parameters().get(0)));

        // a checkpoint without generator state, loaded with a generator
        Path noGen = dir.resolve("nogen.safetensors");
        Checkpoint.save(noGen, a, null, null, null, null);
        e = assertThrows(IOException.class, () -> Checkpoint.load(noGen, b, null, null, genB));
        assertTrue(e.getMessage().contains("generator"), e.getMessage());
        assertSameValues(before, values(b));

        // a plain state dict is not a training checkpoint
        Path plain = dir.resolve("plain.safetensors");
        Checkpoint.saveModel(plain, a);
        e = assertThrows(IOException.class, () -> Checkpoint.load(plain, b, null, null, null));
        assertTrue(e.getMessage().contains("not a Nabla training checkpoint"), e.getMessage());
        assertSameValues(before, values(b));
    }

    @Test
    void aCorruptFileLeavesTheModelUnchanged() throws IOException {
        Module a = mlp(1, new Generator(0), 8, 3);
        Path f = dir.resolve("ckpt.safetensors");
        Checkpoint.save(f, a, null, null, null, null);
        byte[] ok = Files.readAllBytes(f);
        Module b = mlp(2, new Generator(0), 8, 3);
        Map<String, float[]> before = values(b);

        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(ok, ok.length - 10));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.load(cut, b, null, null, null));
        assertTrue(e.getMessage().contains(cut.toString()) && e.getMessage().contains("corrupt"), e.getMessage());
        assertSameValues(before, values(b));
        assertThrows(IOException.class, () -> Checkpoint.loadModel(cut, b));
        assertSameValues(before, values(b));

        Path garbled = dir.resolve("garbled.safetensors");
        byte[] bad = ok.clone();
        bad[9] = '#'; // inside the JSON header
        Files.write(garbled, bad);
        e = assertThrows(IOException.class, () -> Checkpoint.load(garbled, b, null, null, null));
        assertTrue(e.getMessage().contains("JSON"), e.getMessage());
        assertSameValues(before, values(b));

        Checkpoint.load(f, b, null, null, null);
        assertSameValues(values(a), values(b));
    }

    @Test
    void aPlainStateDictRoundTripsWithPyTorchNames() throws IOException {
        Module a = mlp(1, new Generator(0), 8, 3);
        Path f = dir.resolve("model.safetensors");
        Checkpoint.saveModel(f, a);
        SafeTensors.Contents c;
        try (Scope s = Scope.open()) {
            c = SafeTensors.load(f);
            assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias"), List.copyOf(c.tensors().keySet()));
            assertEquals(Map.of("format", "pt"), c.metadata());
        }
        Module b = mlp(2, new Generator(0), 8, 3);
        Checkpoint.loadModel(f, b);
        assertSameValues(values(a), values(b));
    }

    /** Rewrites checkpoint {@code from} as {@code name} with its tensors and metadata changed by {@code edit}. */
    private Path edited(Path from, String name, java.util.function.BiConsumer<Map<String, Tensor>,
            Map<String, String>> edit) throws IOException {
        Path out = dir.resolve(name);
        try (Scope s = Scope.open()) {
            SafeTensors.Contents c = SafeTensors.load(from);
            Map<String, Tensor> tensors = new LinkedHashMap<>(c.tensors());
            Map<String, String> meta = new LinkedHashMap<>(c.metadata());
            edit.accept(tensors, meta);
            SafeTensors.save(out, tensors, meta);
        }
        return out;
    }

    @Test
    void invalidValuesAreRejectedAndLeaveEverythingUnchanged() throws IOException {
        Generator genA = new Generator(7);
        Module a = mlp(1, genA, 8, 3);
        Optimizer optA = optimizer("adam", a);
        StepLR schedA = new StepLR(optA, 2, 0.5);
        train(a, optA, schedA, 3);
        Path f = dir.resolve("ckpt.safetensors");
        Checkpoint.save(f, a, optA, schedA, genA, null);

        Generator genB = new Generator(3);
        Module b = mlp(2, genB, 8, 3);
        Optimizer optB = optimizer("adam", b);
        StepLR schedB = new StepLR(optB, 2, 0.5);
        Map<String, float[]> before = values(b);
        long[] genBefore = genB.state();
        Map<String, Double> schedBefore = schedB.stateDict();
        double lrBefore = optB.paramGroups().get(0).lr();

        List<Object[]> cases = List.of(
                new Object[] {"sched-nan", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> m.put("scheduler.base_lrs.0", "NaN"), "'base_lrs.0'", "NaN"},
                new Object[] {"sched-inf", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> m.put("scheduler._last_lr.0", "Infinity"), "'_last_lr.0'", "Infinity"},
                new Object[] {"sched-epoch", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> m.put("scheduler.last_epoch", "-7.0"), "'last_epoch'", "-7.0"},
                new Object[] {"sched-count", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> m.put("scheduler._step_count", "2.5"), "'_step_count'", "2.5"},
                new Object[] {"adam-step", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> t.put("optimizer.state.1.step", Tensor.scalar(-3, DType.FLOAT64, Device.CPU)),
                        "'state.1.step'", "-3.0"},
                new Object[] {"adam-step-nan", (java.util.function.BiConsumer<Map<String, Tensor>,
                        Map<String, String>>) (t, m) -> t.put("optimizer.state.0.step",
                        Tensor.scalar(Double.NaN, DType.FLOAT64, Device.CPU)), "'state.0.step'", "NaN"},
                new Object[] {"lr-nan", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> t.put("optimizer.param_groups.0.lr",
                                Tensor.scalar(Double.NaN, DType.FLOAT64, Device.CPU)), "param_groups.0.lr", "NaN"},
                new Object[] {"gen-zero", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> m.put("generator.state", "0,0,0,0,5,0,0"), "'generator.state'", "all-zero",
                        "0,0,0,0,5,0,0"},
                new Object[] {"gen-words", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> m.put("generator.state", "1,2,3"), "'generator.state'", "3 words"},
                new Object[] {"gen-flag", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> m.put("generator.state", "1,2,3,4,5,7,0"), "'generator.state'", "flag 7"},
                new Object[] {"gen-spare", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> m.put("generator.state", "1,2,3,4,5,1," + Double.doubleToLongBits(Double.NaN)),
                        "'generator.state'", "non-finite normal NaN"},
                new Object[] {"gen-text", (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>)
                        (t, m) -> m.put("generator.state", "1,2,x"), "'generator.state'", "1,2,x"});
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            var edit = (java.util.function.BiConsumer<Map<String, Tensor>, Map<String, String>>) c[1];
            Path bad = edited(f, c[0] + ".safetensors", edit);
            IOException e = assertThrows(IOException.class, () -> Checkpoint.load(bad, b, optB, schedB, genB),
                    (String) c[0]);
            String m = e.getMessage();
            assertTrue(m.contains(bad.toString()), c[0] + ": names the file: " + m);
            for (int w = 2; w < c.length; w++) {
                assertTrue(m.contains((String) c[w]), c[0] + ": expected '" + c[w] + "' in: " + m);
            }
            assertSameValues(before, values(b));
            assertArrayEquals(genBefore, genB.state(), (String) c[0]);
            assertEquals(schedBefore, schedB.stateDict(), (String) c[0]);
            assertEquals(lrBefore, optB.paramGroups().get(0).lr(), (String) c[0]);
            assertEquals(0, optB.stepCount(b.parameters().get(0)), (String) c[0]);
        }
        // the untouched checkpoint still loads
        Checkpoint.load(f, b, optB, schedB, genB);
        assertSameValues(values(a), values(b));
        assertEquals(3, optB.stepCount(b.parameters().get(0)));
    }

    @Test
    void aFailedCheckpointSaveKeepsThePreviousOneAndLeavesNoTempFile() throws IOException {
        Module a = mlp(1, new Generator(0), 8, 3);
        Path f = dir.resolve("ckpt.safetensors");
        Checkpoint.save(f, a, null, null, null, Map.of("epoch", "1"));
        byte[] before = Files.readAllBytes(f);
        // a stale temp file from a save that was killed
        Path stale = dir.resolve(".ckpt.safetensors.00112233445566ff.nabla-tmp");
        Files.write(stale, new byte[1 << 16]);
        Map<String, String> throwing = new java.util.AbstractMap<>() {
            @Override
            public java.util.Set<Map.Entry<String, String>> entrySet() {
                throw new IllegalStateException("extra entries unavailable");
            }
        };
        assertThrows(IllegalStateException.class, () -> Checkpoint.save(f, a, null, null, null, throwing));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of(".ckpt.safetensors.00112233445566ff.nabla-tmp", "ckpt.safetensors"), list(dir),
                "failed before writing: only the killed save's temp file is there");
        // an optimizer whose state was released: fails while the tensors are written (after the sweep)
        Optimizer opt = optimizer("adam", a);
        train(a, opt, new StepLR(opt, 2, 0.5), 1);
        opt.stateDict().get("state.0.0").close();
        assertThrows(IllegalStateException.class, () -> Checkpoint.save(f, a, opt, null, null, null));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertEquals(List.of("ckpt.safetensors"), list(dir), "swept, and the failed save's own temp removed");
        Checkpoint.save(f, a, null, null, null, Map.of("epoch", "2"));
        assertEquals(List.of("ckpt.safetensors"), list(dir));
        assertEquals(Map.of("epoch", "2"), Checkpoint.readExtra(f));
    }

    private static List<String> list(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
