package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.fixtures.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Prune} against {@code torch.nn.utils.prune} (fixtures from {@code scripts/make_prune_fixtures.py}): each
 * case's steps run on Linear/Conv2d weights in float64 on every host device, and the final masks must equal
 * PyTorch's exactly and the weights the layers see ({@code weight_orig * weight_mask}) to the last bit. Also the
 * forward output and gradients of a pruned Linear, and the clear errors for bad arguments.
 */
@SuppressWarnings("try") // scopes opened only to release what the test allocates
class PruneTest {
    private static final Map<String, Object> FIXTURE = Json.map(Json.resource("/fixtures/prune/prune.json",
            "/fixtures/prune/prune.json is missing; regenerate with "
                    + "/usr/bin/python3 scripts/make_prune_fixtures.py src/test/resources/fixtures/prune"));

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Object c : Json.list(FIXTURE.get("cases"))) {
            for (Device device : Device.values()) {
                out.add(Arguments.of(Json.map(c).get("name"), device, c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void masksMatchPyTorch(String name, Device device, Object raw) {
        Map<String, Object> c = Json.map(raw);
        List<Module> layers = new ArrayList<>();
        try (Scope scope = Scope.open()) {
            for (Object l : Json.list(c.get("layers"))) {
                Map<String, Object> layer = Json.map(l);
                Module m = "linear".equals(layer.get("kind")) ? new Linear(6, 4, DType.FLOAT64, device)
                        : new Conv2d(3, 4, 2, DType.FLOAT64, device);
                m.loadStateDict(Map.of("weight", tensor(layer.get("weight"), device)), false);
                layers.add(m);
            }
            for (Object s : Json.list(c.get("steps"))) {
                step(layers, Json.map(s));
            }
            List<Object> masks = Json.list(c.get("masks"));
            List<Object> weights = Json.list(c.get("weights"));
            for (int i = 0; i < layers.size(); i++) {
                Module m = layers.get(i);
                assertArrayEquals(tensor(masks.get(i), device).toDoubleArray(),
                        m.namedBuffers().get("weight_mask").toDoubleArray(), name + ": mask of layer " + i);
                assertArrayEquals(tensor(weights.get(i), device).toDoubleArray(), m.paramOrNull("weight")
                        .toDoubleArray(), name + ": weight of layer " + i);
            }
        } finally {
            layers.forEach(Module::close);
        }
    }

    private static void step(List<Module> layers, Map<String, Object> s) {
        boolean count = "int".equals(s.get("amountKind"));
        double amount = (Double) s.get("amount");
        switch ((String) s.get("method")) {
            case "l1_unstructured" -> {
                Module m = layers.get(((Double) s.get("layer")).intValue());
                if (count) {
                    Prune.l1Unstructured(m, "weight", (int) amount);
                } else {
                    Prune.l1Unstructured(m, "weight", amount);
                }
            }
            case "ln_structured" -> {
                Module m = layers.get(((Double) s.get("layer")).intValue());
                double n = "inf".equals(s.get("n")) ? Double.POSITIVE_INFINITY : (Double) s.get("n");
                int dim = ((Double) s.get("dim")).intValue();
                if (count) {
                    Prune.lnStructured(m, "weight", (int) amount, n, dim);
                } else {
                    Prune.lnStructured(m, "weight", amount, n, dim);
                }
            }
            case "global_l1" -> Prune.globalUnstructured(
                    layers.stream().map(m -> new ParameterRef(m, "weight")).toList(), PruningMethod.L1, amount);
            default -> throw new IllegalArgumentException("unknown step " + s);
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void prunedLinearForwardAndGradientMatchPyTorch(Device device) {
        Map<String, Object> f = Json.map(FIXTURE.get("forward"));
        try (Linear fc = new Linear(5, 3, DType.FLOAT64, device); Scope scope = Scope.open()) {
            fc.loadStateDict(Map.of("weight", tensor(f.get("weight"), device), "bias", tensor(f.get("bias"), device)));
            Prune.l1Unstructured(fc, "weight", (Double) f.get("amount"));
            Tensor out = fc.forward(tensor(f.get("x"), device));
            assertClose(tensor(f.get("out"), device), out, "output");
            out.mul(tensor(f.get("gout"), device)).sum().backward();
            Map<String, Tensor> params = fc.namedParameters();
            assertArrayEquals(tensor(f.get("mask"), device).toDoubleArray(),
                    fc.namedBuffers().get("weight_mask").toDoubleArray(), "mask");
            assertClose(tensor(f.get("gradOrig"), device), params.get("weight_orig").grad(), "grad of weight_orig");
            assertClose(tensor(f.get("gradBias"), device), params.get("bias").grad(), "grad of bias");
            double[] mask = tensor(f.get("mask"), device).toDoubleArray();
            double[] grad = params.get("weight_orig").grad().toDoubleArray();
            for (int i = 0; i < mask.length; i++) {
                if (mask[i] == 0) {
                    assertEquals(0.0, Math.abs(grad[i]), "gradient of a pruned entry " + i);
                }
            }
        }
    }

    static Stream<Device> devices() {
        return Stream.of(Device.values());
    }

    @Test
    void stateDictKeysArePyTorchs() {
        Map<String, Object> keys = Json.map(FIXTURE.get("stateKeys"));
        try (Sequential model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2))) {
            Module first = model.children().get("0");
            Prune.l1Unstructured(first, "weight", 0.5);
            assertEquals(sorted(Json.list(keys.get("pruned"))), sorted(model.stateDict().keySet()));
            Prune.remove(first, "weight");
            assertEquals(sorted(Json.list(keys.get("removed"))), sorted(model.stateDict().keySet()));
        }
    }

    private static List<String> sorted(java.util.Collection<?> keys) {
        return keys.stream().map(Object::toString).sorted().toList();
    }

    @Test
    void badArgumentsAreNamedAndLeaveTheModuleUnchanged() {
        try (Linear fc = new Linear(4, 3); BatchNorm1d bn = new BatchNorm1d(3)) {
            assertMessage(() -> Prune.l1Unstructured(fc, "wieght", 0.5), "no parameter 'wieght'");
            assertMessage(() -> Prune.l1Unstructured(fc, "weight", 1.5), "amount=1.5");
            assertMessage(() -> Prune.l1Unstructured(fc, "weight", -0.1), "range [0, 1]");
            assertMessage(() -> Prune.l1Unstructured(fc, "weight", Double.NaN), "amount=NaN");
            assertMessage(() -> Prune.l1Unstructured(fc, "weight", -1), "non-negative integer");
            assertMessage(() -> Prune.l1Unstructured(fc, "weight", 13), "amount=13 should be at most");
            assertMessage(() -> Prune.lnStructured(fc, "weight", 0.5, 2, 2), "dim 2 is out of range");
            assertMessage(() -> Prune.lnStructured(fc, "weight", 0.5, 2, -3), "dim -3 is out of range");
            assertMessage(() -> Prune.lnStructured(fc, "bias", 0.5, 2, 0), "multidimensional");
            assertMessage(() -> Prune.lnStructured(fc, "weight", 4, 2, 0), "channels");
            assertMessage(() -> Prune.lnStructured(fc, "weight", 0.5, 0, 0), "positive norm order");
            assertMessage(() -> Prune.l1Unstructured(bn, "num_batches_tracked", 0.5), "'num_batches_tracked' of BatchNorm1d is a buffer");
            assertMessage(() -> Prune.remove(fc, "weight"), "has to be pruned before pruning can be removed");
            assertMessage(() -> Prune.randomUnstructured(fc, "weight", 0.5, null), "generator");
            assertMessage(() -> Prune.customFromMask(fc, "weight", Tensor.ones(3, 3)), "does not match");
            assertMessage(() -> Prune.globalUnstructured(List.of(), PruningMethod.L1, 0.5), "no parameters");
            assertMessage(() -> Prune.globalUnstructured(List.of(new ParameterRef(fc, "weight"),
                    new ParameterRef(fc, "weight")), PruningMethod.L1, 0.5), "listed twice");
            assertFalse(Prune.isPruned(fc), "failed calls prune nothing");
            assertEquals(List.of("weight", "bias"), List.copyOf(fc.namedParameters().keySet()));

            Prune.l1Unstructured(fc, "weight", 0.5);
            Prune.remove(fc, "weight");
            assertMessage(() -> Prune.remove(fc, "weight"), "has to be pruned");
        }
        Linear closed = new Linear(2, 2);
        closed.close();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Prune.l1Unstructured(closed, "weight", 0.5));
        assertTrue(e.getMessage().contains("has been released"), e.getMessage());
    }

    private static void assertMessage(Runnable call, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }

    private static void assertClose(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 1e-12 * Math.max(1, Math.abs(e[i])), what + " element " + i);
        }
    }

    /** A fixture tensor {@code {"shape", "data"}} in float64 on {@code device}. */
    static Tensor tensor(Object o, Device device) {
        Map<String, Object> m = Json.map(o);
        List<Object> shape = Json.list(m.get("shape"));
        List<Object> data = Json.list(m.get("data"));
        long[] s = new long[shape.size()];
        for (int k = 0; k < s.length; k++) {
            s[k] = ((Double) shape.get(k)).longValue();
        }
        double[] d = new double[data.size()];
        for (int k = 0; k < d.length; k++) {
            d[k] = (Double) data.get(k);
        }
        return Tensor.of(d, DType.FLOAT64, device, s);
    }
}
