package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.io.Checkpoint;
import dev.nabla.io.SafeTensors;
import dev.nabla.optim.SGD;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A pruned module in use: every layer that reads a weight sees the mask, training keeps pruned entries at zero,
 * and {@code to}, state dicts, safetensors, parameter listings, sparsity and {@link Prune#remove} behave as in
 * PyTorch. The reference for a pruned layer is the same layer unpruned, holding {@code weight_orig * weight_mask}.
 */
@SuppressWarnings("try") // scopes opened only to release what the test allocates
class PrunedModuleTest {
    static Stream<Device> devices() {
        return Stream.of(Device.values());
    }

    /** A layer factory, the parameter to prune and an input. */
    private record LayerCase(String name, Supplier<Module> make, String param, Function<Device, Tensor> input,
                             Function<Module, Function<Tensor, Tensor>> forward) {
    }

    private static List<LayerCase> layers(Device device) {
        Function<Module, Function<Tensor, Tensor>> plain = m -> m::forward;
        Generator g = new Generator(3);
        return List.of(
                new LayerCase("Linear", () -> new Linear(4, 3, DType.FLOAT64, device), "weight",
                        d -> Tensor.randn(g, 2, 4).to(d, DType.FLOAT64), plain),
                new LayerCase("Conv2d", () -> new Conv2d(2, 3, 3, DType.FLOAT64, device), "weight",
                        d -> Tensor.randn(g, 1, 2, 5, 5).to(d, DType.FLOAT64), plain),
                new LayerCase("Embedding", () -> new Embedding(6, 4, DType.FLOAT64, device), "weight",
                        d -> Tensor.of(new long[] {0, 5, 2, 2}, 4).to(d), plain),
                // the recurrent layers read weight_hh once per forward and use it at every step
                new LayerCase("LSTM", () -> new LSTM(4, 3, 1, DType.FLOAT64, device), "weight_hh_l0",
                        d -> Tensor.randn(g, 5, 2, 4).to(d, DType.FLOAT64),
                        m -> x -> ((LSTM) m).forward(x, null, null).output()),
                new LayerCase("GRU", () -> new GRU(4, 3, 1, DType.FLOAT64, device), "weight_ih_l0",
                        d -> Tensor.randn(g, 5, 2, 4).to(d, DType.FLOAT64),
                        m -> x -> ((GRU) m).forward(x, null).output()),
                new LayerCase("BatchNorm1d", () -> new BatchNorm1d(4, DType.FLOAT64, device), "weight",
                        d -> Tensor.randn(g, 3, 4).to(d, DType.FLOAT64), plain),
                new LayerCase("LayerNorm", () -> new LayerNorm(new long[] {4}, DType.FLOAT64, device), "weight",
                        d -> Tensor.randn(g, 3, 4).to(d, DType.FLOAT64), plain));
    }

    @ParameterizedTest
    @MethodSource("devices")
    void everyLayerSeesTheMask(Device device) {
        for (LayerCase c : layers(device)) {
            try (Module pruned = c.make().get(); Module reference = c.make().get(); Scope scope = Scope.open()) {
                try (Grad off = Grad.disabled()) {
                    pruned.ownParameters().get(c.param()).copy_(Tensor.randn(new Generator(5),
                            pruned.ownParameters().get(c.param()).shape()).to(device, DType.FLOAT64));
                }
                Prune.customFromMask(pruned, c.param(), alternating(pruned.paramOrNull(c.param())));
                reference.loadStateDict(masked(pruned.stateDict()));
                Tensor x = c.input().apply(device);
                Tensor expected = c.forward().apply(reference).apply(x);
                assertArrayEquals(expected.toDoubleArray(), c.forward().apply(pruned).apply(x).toDoubleArray(),
                        c.name() + " on " + device);
                try (Module unpruned = c.make().get()) {
                    unpruned.loadStateDict(pruned.stateDict(), false); // weight_orig and weight_mask are skipped
                    unpruned.loadStateDict(Map.of(c.param(), pruned.ownParameters().get(c.param() + "_orig")), false);
                    assertFalse(java.util.Arrays.equals(expected.toDoubleArray(),
                            c.forward().apply(unpruned).apply(x).toDoubleArray()), c.name() + ": the mask matters");
                }
            }
        }
    }

    /** 1, 0, 1, 0, ... in the shape of {@code like}. */
    private static Tensor alternating(Tensor like) {
        double[] v = new double[(int) like.numel()];
        for (int i = 0; i < v.length; i += 2) {
            v[i] = 1;
        }
        return Tensor.of(v, like.dtype(), like.device(), like.shape());
    }

    /** A pruned model's state dict turned into the unpruned one: {@code w = w_orig * w_mask}. */
    private static Map<String, Tensor> masked(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            if (k.endsWith("_orig")) {
                String base = k.substring(0, k.length() - 5);
                out.put(base, v.detach().mul(state.get(base + "_mask")));
            } else if (!k.endsWith("_mask")) {
                out.put(k, v);
            }
        });
        return out;
    }

    @ParameterizedTest
    @MethodSource("devices")
    void sgdTrainingKeepsPrunedEntriesAtZero(Device device) {
        Generator g = new Generator(11);
        try (Linear fc = new Linear(6, 2, true, g, DType.FLOAT32, device); Scope outer = Scope.open()) {
            Tensor weight = fc.namedParameters().get("weight");
            SGD opt = new SGD(fc.parameters(), 0.1); // built before pruning: holds the tensor that becomes weight_orig
            Prune.l1Unstructured(fc, "weight", 0.5);
            assertSame(weight, fc.namedParameters().get("weight_orig"));
            double[] before = weight.toDoubleArray();
            double[] mask = fc.namedBuffers().get("weight_mask").toDoubleArray();
            Tensor x = Tensor.randn(g, 8, 6).to(device);
            Tensor y = Tensor.randn(g, 8, 2).to(device);
            for (int step = 0; step < 5; step++) {
                try (Scope s = Scope.open()) {
                    Tensor loss = F.mseLoss(fc.forward(x), y);
                    opt.zeroGrad();
                    loss.backward();
                    opt.step();
                }
            }
            double[] after = weight.toDoubleArray();
            double[] seen = fc.paramOrNull("weight").toDoubleArray();
            boolean trained = false;
            for (int i = 0; i < mask.length; i++) {
                if (mask[i] == 0) {
                    assertEquals(before[i], after[i], "a pruned entry of weight_orig gets no gradient");
                    assertEquals(0.0, Math.abs(seen[i]), "a pruned entry stays zero (-0.0 for a negative weight_orig)");
                } else {
                    trained |= before[i] != after[i];
                }
            }
            assertTrue(trained, "the unpruned entries train");
        }
    }

    @Test
    void listingsMoveCountCloseAndPrint() {
        Linear fc = new Linear(4, 3);
        long count = fc.parameterCount();
        Prune.l1Unstructured(fc, "weight", 0.5);
        assertEquals(List.of("bias", "weight_orig"), List.copyOf(fc.namedParameters().keySet()));
        assertEquals(List.of("weight_mask"), List.copyOf(fc.namedBuffers().keySet()));
        assertEquals(count, fc.parameterCount());
        assertTrue(fc.toString().contains("Linear(in_features=4, out_features=3, bias=True)  # 15 params"),
                fc.toString());
        assertTrue(Prune.isPruned(fc) && Prune.isPruned(fc, "weight") && !Prune.isPruned(fc, "bias"));

        fc.to(Device.JAVA, DType.FLOAT64);
        Tensor mask = fc.namedBuffers().get("weight_mask");
        assertSame(DType.FLOAT64, mask.dtype());
        assertSame(Device.JAVA, mask.device());
        try (Scope s = Scope.open()) {
            Tensor w = fc.paramOrNull("weight");
            assertSame(DType.FLOAT64, w.dtype());
            assertEquals(6, w.eq(0.0).sum().toLongArray()[0]);
        }
        Tensor orig = fc.namedParameters().get("weight_orig");
        fc.close();
        assertTrue(orig.isClosed() && mask.isClosed(), "close releases weight_orig and weight_mask");
    }

    @Test
    void removeMakesThePruningPermanentInTheSameTensor() {
        try (Linear fc = new Linear(5, 2); Scope s = Scope.open()) {
            Prune.l1Unstructured(fc, "weight", 0.4);
            Tensor orig = fc.namedParameters().get("weight_orig");
            double[] expected = fc.paramOrNull("weight").toDoubleArray();
            Prune.remove(fc, "weight");
            assertEquals(List.of("bias", "weight"), List.copyOf(fc.namedParameters().keySet()));
            assertTrue(fc.namedBuffers().isEmpty());
            assertSame(orig, fc.namedParameters().get("weight"));
            assertArrayEquals(expected, orig.toDoubleArray());
            assertFalse(Prune.isPruned(fc));
            Prune.l1Unstructured(fc, "weight", 0.5); // a removed pruning can start again
            assertEquals(5, fc.namedBuffers().get("weight_mask").eq(0.0).sum().toLongArray()[0]);
        }
    }

    @Test
    void identityStructuredAllAndRandomCounts() {
        try (Linear a = new Linear(5, 4); Linear b = new Linear(5, 4); Linear c = new Linear(5, 4);
             Scope s = Scope.open()) {
            Prune.identity(a, "weight");
            assertEquals(0, zeros(a.namedBuffers().get("weight_mask")));
            Prune.lnStructured(a, "weight", 1.0, 2, 0);
            assertEquals(20, zeros(a.namedBuffers().get("weight_mask")));

            Prune.randomUnstructured(b, "weight", 0.3, new Generator(9));
            Prune.randomUnstructured(c, "weight", 0.3, new Generator(9));
            double[] mask = b.namedBuffers().get("weight_mask").toDoubleArray();
            assertEquals(6, zeros(b.namedBuffers().get("weight_mask")), "round(0.3 * 20)");
            assertArrayEquals(mask, c.namedBuffers().get("weight_mask").toDoubleArray(), "same seed, same mask");
            Prune.randomUnstructured(b, "weight", 0.5, new Generator(10));
            assertEquals(6 + 7, zeros(b.namedBuffers().get("weight_mask")), "half of the 14 left, rounded to even");
            double[] again = b.namedBuffers().get("weight_mask").toDoubleArray();
            for (int i = 0; i < mask.length; i++) {
                assertTrue(mask[i] == 1 || again[i] == 0, "a pruned entry stays pruned");
            }
            Prune.randomUnstructured(c, "weight", 0.5, new Generator(11));
            assertNotEquals(List.of(again), List.of(c.namedBuffers().get("weight_mask").toDoubleArray()));
        }
    }

    private static long zeros(Tensor t) {
        return t.eq(0.0).sum().toLongArray()[0];
    }

    @Test
    void sparsityCountsWhatTheLayersSee() {
        try (Sequential model = new Sequential(new Linear(10, 8), new ReLU(), new Linear(8, 4))) {
            Module fc1 = model.children().get("0");
            Module fc2 = model.children().get("2");
            Prune.globalUnstructured(List.of(new ParameterRef(fc1, "weight"), new ParameterRef(fc2, "weight")),
                    PruningMethod.L1, 0.8);
            Sparsity s = Prune.sparsity(model);
            // a pruned weight moves behind the bias, as weight_orig does in PyTorch's parameter order
            assertEquals(List.of("0.bias", "0.weight", "2.bias", "2.weight"), List.copyOf(s.byParameter().keySet()));
            long maskZeros = zeros(fc1.namedBuffers().get("weight_mask")) + zeros(fc2.namedBuffers().get("weight_mask"));
            assertEquals(Math.rint(0.8 * 112), maskZeros);
            assertEquals(maskZeros, s.zeros());
            assertEquals(112 + 12, s.total());
            assertEquals(maskZeros / 124.0, s.fraction(), 1e-15);
            assertEquals(zeros(fc1.namedBuffers().get("weight_mask")) / 80.0, s.byParameter().get("0.weight"), 1e-15);
            assertEquals(0.0, s.byParameter().get("2.bias"));
            assertTrue(s.toString().startsWith("sparsity 72.58% (90 of 124 zero); 0.bias 0.00%, 0.weight"),
                    s.toString());
        }
    }

    @Test
    void prunedCheckpointsLoadOnlyIntoPrunedModels() {
        try (Linear source = new Linear(4, 3); Linear plain = new Linear(4, 3); Linear target = new Linear(4, 3);
             Scope s = Scope.open()) {
            Prune.l1Unstructured(source, "weight", 0.5);
            Map<String, Tensor> state = source.stateDict();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plain.loadStateDict(state));
            assertTrue(e.getMessage().contains("missing key 'weight'") && e.getMessage().contains(
                    "the checkpoint holds pruned parameters [weight]") && e.getMessage().contains("Prune.identity"),
                    e.getMessage());
            Prune.identity(plain, "weight");
            plain.loadStateDict(state);
            Tensor x = Tensor.randn(new Generator(2), 2, 4);
            assertArrayEquals(source.forward(x).toDoubleArray(), plain.forward(x).toDoubleArray());

            Prune.l1Unstructured(target, "weight", 0.5);
            IllegalArgumentException back = assertThrows(IllegalArgumentException.class,
                    () -> target.loadStateDict(Map.of("weight", Tensor.ones(3, 4), "bias", Tensor.ones(3))));
            assertTrue(back.getMessage().contains("are pruned but the checkpoint's are not"), back.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void safetensorsRoundTripKeepsOutputs(Device device, @TempDir Path dir) throws IOException {
        Path file = dir.resolve("pruned.safetensors");
        try (Sequential saved = new Sequential(new Linear(6, 5, DType.FLOAT32, device), new ReLU(),
                new Linear(5, 2, DType.FLOAT32, device));
             Sequential loaded = new Sequential(new Linear(6, 5, DType.FLOAT32, device), new ReLU(),
                     new Linear(5, 2, DType.FLOAT32, device));
             Scope s = Scope.open()) {
            Prune.lnStructured(saved.children().get("0"), "weight", 0.4, 1, 0);
            Prune.l1Unstructured(saved.children().get("2"), "weight", 0.5);
            Checkpoint.saveModel(file, saved);
            assertEquals(saved.stateDict().keySet(), SafeTensors.load(file).tensors().keySet());
            IOException e = assertThrows(IOException.class, () -> Checkpoint.loadModel(file, loaded));
            assertTrue(e.getMessage().contains("prune the same parameters"), e.getMessage());
            Prune.identity(loaded.children().get("0"), "weight");
            Prune.identity(loaded.children().get("2"), "weight");
            Checkpoint.loadModel(file, loaded);
            Tensor x = Tensor.randn(new Generator(4), 3, 6).to(device);
            assertArrayEquals(saved.forward(x).toDoubleArray(), loaded.forward(x).toDoubleArray());
            assertEquals(Prune.sparsity(saved).zeros(), Prune.sparsity(loaded).zeros());
        }
        assertTrue(Files.size(file) > 0);
    }
}
