package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.fixtures.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RNN, LSTM and GRU against {@code torch.nn.RNN/LSTM/GRU} (fixtures from {@code scripts/make_nn_fixtures.py}):
 * PyTorch's parameters are loaded with {@link Module#loadStateDict}, the fixture's input and initial states are run
 * forward, and the output sequence, final states and the gradients (of the input, the initial states and every
 * parameter, for the fixture's upstream gradients) are compared, in float64 and float32, on every host device.
 *
 * <p>An element passes when {@code |a - e| <= rtol |e| + atol max|e|} (the same rule as the op-level parity
 * tests): float64 {@code rtol = atol = 1e-10}, float32 {@code 1e-5}. The recurrences here are 4-6 steps of 2
 * layers; rounding differences from summation order and from folding {@code b_ih + b_hh} stay far inside.
 */
@SuppressWarnings("try") // scopes opened only to release what the test allocates
class RecurrentParityTest {
    private static final Map<String, Double> WORST = new TreeMap<>();

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
            Map<String, Object> root = resource("rnn_" + dtype + ".json");
            for (Object c : Json.list(root.get("cases"))) {
                for (Device device : Device.values()) {
                    out.add(Arguments.of(Json.map(c).get("name"), dtype, device, c));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void matchesPyTorch(String name, DType dtype, Device device, Object raw) {
        Map<String, Object> c = Json.map(raw);
        double tol = dtype == DType.FLOAT64 ? 1e-10 : 1e-5;
        String kind = (String) c.get("module");
        long in = ((Double) c.get("input_size")).longValue();
        long hidden = ((Double) c.get("hidden_size")).longValue();
        int layers = ((Double) c.get("num_layers")).intValue();
        boolean bias = (Boolean) c.get("bias");
        boolean batchFirst = (Boolean) c.get("batch_first");
        Generator g = new Generator(1);
        RNNBase net = switch (kind) {
            case "RNN" -> new RNN(in, hidden, layers, "relu".equals(c.get("nonlinearity"))
                    ? RNN.Nonlinearity.RELU : RNN.Nonlinearity.TANH, bias, batchFirst, 0.0, g, dtype, device);
            case "LSTM" -> new LSTM(in, hidden, layers, bias, batchFirst, 0.0, g, dtype, device);
            case "GRU" -> new GRU(in, hidden, layers, bias, batchFirst, 0.0, g, dtype, device);
            default -> throw new IllegalArgumentException(kind);
        };
        try (net; Scope scope = Scope.open()) {
            Map<String, Tensor> state = new LinkedHashMap<>();
            Json.map(c.get("params")).forEach((k, v) -> state.put(k, tensor(v, dtype, device)));
            net.loadStateDict(state); // strict: PyTorch's names and shapes are exactly ours

            Map<String, Tensor> inputs = new LinkedHashMap<>();
            Json.map(c.get("inputs")).forEach((k, v) ->
                    inputs.put(k, tensor(v, dtype, device).requiresGrad_(true)));
            RnnOutput r = switch (net) {
                case LSTM lstm -> lstm.forward(inputs.get("input"), inputs.get("h0"), inputs.get("c0"));
                case RNN rnn -> rnn.forward(inputs.get("input"), inputs.get("h0"));
                case GRU gru -> gru.forward(inputs.get("input"), inputs.get("h0"));
            };
            Map<String, Tensor> outs = new LinkedHashMap<>();
            outs.put("output", r.output());
            outs.put("h", r.h());
            if (r.c() != null) {
                outs.put("c", r.c());
            }
            Map<String, Object> expectedOuts = Json.map(c.get("outputs"));
            assertArrayEquals(expectedOuts.keySet().toArray(), outs.keySet().toArray(), name + ": outputs");
            Map<String, Object> gouts = Json.map(c.get("gouts"));
            Tensor loss = null;
            for (var e : outs.entrySet()) {
                check(name, kind, e.getKey(), expectedOuts.get(e.getKey()), e.getValue(), tol);
                Tensor term = e.getValue().mul(tensor(gouts.get(e.getKey()), dtype, device)).sum();
                loss = loss == null ? term : loss.add(term);
            }
            loss.backward();

            Map<String, Tensor> named = new LinkedHashMap<>(inputs);
            named.putAll(net.namedParameters());
            Map<String, Object> grads = Json.map(c.get("grads"));
            assertArrayEquals(grads.keySet().stream().sorted().toArray(), named.keySet().stream().sorted().toArray(),
                    name + ": differentiated tensors");
            for (var e : grads.entrySet()) {
                Tensor grad = named.get(e.getKey()).grad();
                assertNotNull(grad, name + ": no gradient for " + e.getKey());
                check(name, kind, "grad " + e.getKey(), e.getValue(), grad, tol);
            }
        }
    }

    private static void check(String name, String kind, String what, Object expected, Tensor actual, double tol) {
        Tensor e = tensor(expected, DType.FLOAT64, Device.CPU);
        assertArrayEquals(e.shape(), actual.shape(), name + " " + what + ": shape");
        double[] ev = e.toDoubleArray();
        double[] av = actual.toDoubleArray();
        double scale = 0;
        for (double v : ev) {
            scale = Math.max(scale, Math.abs(v));
        }
        scale = scale == 0 ? 1 : scale;
        double worst = 0;
        for (int k = 0; k < ev.length; k++) {
            double d = Math.abs(av[k] - ev[k]);
            if (!(d <= tol * Math.abs(ev[k]) + tol * scale)) {
                fail(String.format(Locale.ROOT, "%s %s %s: element %d is %s, PyTorch has %s (difference %.3g)", name,
                        actual.dtype(), what, k, av[k], ev[k], d));
            }
            worst = Math.max(worst, d);
        }
        synchronized (WORST) {
            WORST.merge(kind + " " + actual.dtype() + (what.startsWith("grad") ? " gradients" : " outputs"), worst,
                    Math::max);
        }
    }

    /** The parsed resource {@code /fixtures/nn/<name>}. */
    private static Map<String, Object> resource(String name) {
        String path = "/fixtures/nn/" + name;
        return Json.map(Json.resource(path, path + " is not on the test classpath; regenerate with "
                + "/usr/bin/python3 scripts/make_nn_fixtures.py src/test/resources/fixtures/nn"));
    }

    /** A fixture tensor {@code {"shape": [...], "data": [...]}} as a Nabla tensor. */
    private static Tensor tensor(Object o, DType dtype, Device device) {
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
        return s.length == 0 ? Tensor.scalar(d[0], dtype, device) : Tensor.of(d, dtype, device, s);
    }

    @AfterAll
    static void printWorstDifferences() {
        StringBuilder s = new StringBuilder("RecurrentParityTest: worst absolute differences from PyTorch");
        WORST.forEach((k, v) -> s.append(String.format(Locale.ROOT, "%n  %-28s %.3g", k, v)));
        System.out.println(s);
    }
}
