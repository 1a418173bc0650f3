package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Autograd;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.GradCheck;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.memory.MemoryPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** RNN, LSTM and GRU: shapes, options, a plain-array reference recurrence, gradients by finite differences. */
@SuppressWarnings("try") // scopes opened only to release what the test allocates
class RecurrentTest {
    private static final DType F64 = DType.FLOAT64;

    private static RNNBase make(String kind, long in, long hidden, int layers, boolean bias, boolean batchFirst,
                                double dropout, long seed) {
        Generator g = new Generator(seed);
        return switch (kind) {
            case "RNN" -> new RNN(in, hidden, layers, RNN.Nonlinearity.TANH, bias, batchFirst, dropout, g, F64,
                    Device.CPU);
            case "RNN_RELU" -> new RNN(in, hidden, layers, RNN.Nonlinearity.RELU, bias, batchFirst, dropout, g, F64,
                    Device.CPU);
            case "LSTM" -> new LSTM(in, hidden, layers, bias, batchFirst, dropout, g, F64, Device.CPU);
            case "GRU" -> new GRU(in, hidden, layers, bias, batchFirst, dropout, g, F64, Device.CPU);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static RnnOutput run(RNNBase net, Tensor x, Tensor h0, Tensor c0) {
        return switch (net) {
            case LSTM l -> l.forward(x, h0, c0);
            case RNN r -> r.forward(x, h0);
            case GRU g -> g.forward(x, h0);
        };
    }

    private static Tensor randn(long seed, long... shape) {
        return Tensor.normal(new Generator(seed), 0, 1, F64, Device.CPU, shape);
    }

    @Test
    void parameterNamesAndShapesFollowPyTorch() {
        try (var lstm = new LSTM(3, 5, 2)) {
            Map<String, Tensor> p = lstm.namedParameters();
            assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_ih_l1",
                    "weight_hh_l1", "bias_ih_l1", "bias_hh_l1"), new ArrayList<>(p.keySet()));
            assertArrayEquals(new long[] {20, 3}, p.get("weight_ih_l0").shape());
            assertArrayEquals(new long[] {20, 5}, p.get("weight_hh_l0").shape());
            assertArrayEquals(new long[] {20, 5}, p.get("weight_ih_l1").shape());
            assertArrayEquals(new long[] {20}, p.get("bias_hh_l1").shape());
        }
        try (var gru = new GRU(3, 5, 1, false, false, 0, new Generator(1), F64, Device.CPU)) {
            assertEquals(List.of("weight_ih_l0", "weight_hh_l0"), new ArrayList<>(gru.namedParameters().keySet()));
            assertArrayEquals(new long[] {15, 3}, gru.namedParameters().get("weight_ih_l0").shape());
        }
        try (var rnn = new RNN(3, 5)) {
            assertArrayEquals(new long[] {5, 3}, rnn.namedParameters().get("weight_ih_l0").shape());
        }
    }

    @Test
    void shapesForEveryLayout() {
        for (String kind : List.of("RNN", "LSTM", "GRU")) {
            try (RNNBase seqFirst = make(kind, 3, 4, 2, true, false, 0, 7);
                 RNNBase batchFirst = make(kind, 3, 4, 2, true, true, 0, 7);
                 Scope s = Scope.open()) {
                Tensor x = randn(1, 6, 2, 3); // [T, B, in]
                RnnOutput a = run(seqFirst, x, null, null);
                assertArrayEquals(new long[] {6, 2, 4}, a.output().shape(), kind);
                assertArrayEquals(new long[] {2, 2, 4}, a.h().shape(), kind);
                assertEquals(kind.equals("LSTM"), a.c() != null, kind);
                // the same weights batch-first give the transposed output and the same states
                RnnOutput b = run(batchFirst, x.transpose(0, 1), null, null);
                assertArrayEquals(new long[] {2, 6, 4}, b.output().shape(), kind);
                assertArrayEquals(a.output().transpose(0, 1).toDoubleArray(), b.output().toDoubleArray(), 0, kind);
                assertArrayEquals(a.h().toDoubleArray(), b.h().toDoubleArray(), 0, kind);
                // forward(x) is the output sequence
                assertArrayEquals(a.output().toDoubleArray(), seqFirst.forward(x).toDoubleArray(), 0, kind);
                // an unbatched sequence is batch element 0 on its own
                RnnOutput u = run(seqFirst, x.select(1, 0), null, null);
                assertArrayEquals(new long[] {6, 4}, u.output().shape(), kind);
                assertArrayEquals(new long[] {2, 4}, u.h().shape(), kind);
                assertArrayEquals(a.output().select(1, 0).toDoubleArray(), u.output().toDoubleArray(), 1e-14, kind);
            }
        }
    }

    @Test
    void initialStatesAreCheckedAndUsed() {
        try (LSTM lstm = (LSTM) make("LSTM", 3, 4, 2, true, false, 0, 3); Scope s = Scope.open()) {
            Tensor x = randn(1, 5, 2, 3);
            Tensor zeros = Tensor.zeros(F64, Device.CPU, 2, 2, 4);
            assertArrayEquals(lstm.forward(x, null, null).output().toDoubleArray(),
                    lstm.forward(x, zeros, zeros).output().toDoubleArray(), 0);
            Tensor h0 = randn(2, 2, 2, 4);
            assertFalse(java.util.Arrays.equals(lstm.forward(x, null, null).output().toDoubleArray(),
                    lstm.forward(x, h0, zeros).output().toDoubleArray()));
            var e = assertThrows(IllegalArgumentException.class, () -> lstm.forward(x, randn(3, 1, 2, 4), null));
            assertTrue(e.getMessage().contains("h0") && e.getMessage().contains("[2, 2, 4]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> lstm.forward(randn(4, 5, 2, 7), null, null));
            assertTrue(e.getMessage().contains("LSTM") && e.getMessage().contains("3]"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> lstm.forward(Tensor.zeros(DType.FLOAT32, Device.CPU, 5, 2, 3), null, null));
            assertTrue(e.getMessage().contains("float64"), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- plain-array reference (one layer)

    private static double sig(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    /** {@code w [rows, cols]} times {@code v [cols]} plus optional bias. */
    private static double[] affine(double[] w, double[] v, double[] b, int rows) {
        int cols = v.length;
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            double acc = b == null ? 0 : b[r];
            for (int k = 0; k < cols; k++) {
                acc += w[r * cols + k] * v[k];
            }
            out[r] = acc;
        }
        return out;
    }

    /** The hidden states of one batch element over time, from the layer's PyTorch equations. */
    private static double[][] reference(String kind, Map<String, Tensor> p, double[][] xs, int hidden) {
        double[] wih = p.get("weight_ih_l0").toDoubleArray();
        double[] whh = p.get("weight_hh_l0").toDoubleArray();
        double[] bih = p.get("bias_ih_l0").toDoubleArray();
        double[] bhh = p.get("bias_hh_l0").toDoubleArray();
        int gates = kind.equals("LSTM") ? 4 : kind.equals("GRU") ? 3 : 1;
        double[] h = new double[hidden];
        double[] c = new double[hidden];
        double[][] out = new double[xs.length][];
        for (int t = 0; t < xs.length; t++) {
            double[] gi = affine(wih, xs[t], bih, gates * hidden);
            double[] gh = affine(whh, h, bhh, gates * hidden);
            double[] next = new double[hidden];
            for (int j = 0; j < hidden; j++) {
                switch (kind) {
                    case "RNN" -> next[j] = Math.tanh(gi[j] + gh[j]);
                    case "RNN_RELU" -> next[j] = Math.max(0, gi[j] + gh[j]);
                    case "LSTM" -> {
                        double i = sig(gi[j] + gh[j]);
                        double f = sig(gi[hidden + j] + gh[hidden + j]);
                        double g = Math.tanh(gi[2 * hidden + j] + gh[2 * hidden + j]);
                        double o = sig(gi[3 * hidden + j] + gh[3 * hidden + j]);
                        c[j] = f * c[j] + i * g;
                        next[j] = o * Math.tanh(c[j]);
                    }
                    default -> { // GRU
                        double r = sig(gi[j] + gh[j]);
                        double z = sig(gi[hidden + j] + gh[hidden + j]);
                        double n = Math.tanh(gi[2 * hidden + j] + r * gh[2 * hidden + j]);
                        next[j] = (1 - z) * n + z * h[j];
                    }
                }
            }
            h = next;
            out[t] = h;
        }
        return out;
    }

    @Test
    void oneLayerMatchesTheEquationsOnPlainArrays() {
        for (String kind : List.of("RNN", "RNN_RELU", "LSTM", "GRU")) {
            try (RNNBase net = make(kind, 3, 4, 1, true, false, 0, 11); Scope s = Scope.open()) {
                Tensor x = randn(5, 4, 2, 3);
                Tensor out = net.forward(x);
                double[] got = out.toDoubleArray(); // [T, B, H]
                for (int b = 0; b < 2; b++) {
                    double[][] xs = new double[4][];
                    for (int t = 0; t < 4; t++) {
                        xs[t] = x.select(0, t).select(0, b).toDoubleArray();
                    }
                    double[][] want = reference(kind, net.namedParameters(), xs, 4);
                    for (int t = 0; t < 4; t++) {
                        for (int j = 0; j < 4; j++) {
                            assertEquals(want[t][j], got[(t * 2 + b) * 4 + j], 1e-14, kind + " t=" + t + " b=" + b);
                        }
                    }
                }
            }
        }
    }

    @Test
    void dropoutBetweenLayersOnlyWhileTraining() {
        try (RNNBase net = make("GRU", 3, 8, 3, true, false, 0.5, 5); Scope s = Scope.open()) {
            Tensor x = randn(9, 4, 2, 3);
            net.eval();
            double[] a = net.forward(x).toDoubleArray();
            assertArrayEquals(a, net.forward(x).toDoubleArray(), 0, "evaluation is deterministic");
            net.train();
            double[] b = net.forward(x).toDoubleArray();
            double[] c = net.forward(x).toDoubleArray();
            assertFalse(java.util.Arrays.equals(a, b), "training applies dropout");
            assertFalse(java.util.Arrays.equals(b, c), "fresh masks each call");
        }
        // a one-layer network has no between-layer dropout
        try (RNNBase net = make("LSTM", 3, 8, 1, true, false, 0.5, 5); Scope s = Scope.open()) {
            Tensor x = randn(9, 4, 2, 3);
            double[] train = net.forward(x).toDoubleArray();
            net.eval();
            assertArrayEquals(train, net.forward(x).toDoubleArray(), 0);
        }
    }

    @Test
    void reprListsNonDefaultOptions() {
        try (var a = new LSTM(10, 20, 2, true, true, 0.5, new Generator(1), DType.FLOAT32, Device.CPU);
             var b = new RNN(3, 4, 1, RNN.Nonlinearity.RELU, false, false, 0, new Generator(1), F64, Device.CPU)) {
            assertTrue(a.toString().startsWith("LSTM(10, 20, num_layers=2, batch_first=True, dropout=0.5)"),
                    a.toString());
            assertTrue(b.toString().startsWith("RNN(3, 4, nonlinearity='relu', bias=False)"), b.toString());
        }
    }

    // ---------------------------------------------------------------- gradients

    private static void gradCheck(String kind, boolean batchFirst, boolean withStates) {
        try (RNNBase net = make(kind, 2, 3, 2, true, batchFirst, 0, 21); Scope s = Scope.open()) {
            Tensor x = randn(1, batchFirst ? 2 : 3, batchFirst ? 3 : 2, 2).requiresGrad_(true);
            Tensor h0 = withStates ? randn(2, 2, 2, 3).mul(0.5).requiresGrad_(true) : null;
            Tensor c0 = withStates && kind.equals("LSTM") ? randn(3, 2, 2, 3).mul(0.5).requiresGrad_(true) : null;
            List<Tensor> inputs = new ArrayList<>(List.of(x));
            if (h0 != null) {
                inputs.add(h0);
            }
            if (c0 != null) {
                inputs.add(c0);
            }
            inputs.addAll(net.parameters());
            GradCheck.Result r = GradCheck.check(in -> {
                RnnOutput o = run(net, x, h0, c0);
                Tensor all = Tensor.cat(0, o.output().flatten(), o.h().flatten());
                return o.c() == null ? all : Tensor.cat(0, all, o.c().flatten());
            }, inputs.toArray(Tensor[]::new));
            assertTrue(r.passed(), kind + ": " + r);
        }
    }

    @Test
    void rnnGradientsMatchFiniteDifferences() {
        gradCheck("RNN", false, true);
        gradCheck("RNN_RELU", true, false);
    }

    @Test
    void lstmGradientsMatchFiniteDifferences() {
        gradCheck("LSTM", false, true);
        gradCheck("LSTM", true, false);
    }

    @Test
    void gruGradientsMatchFiniteDifferences() {
        gradCheck("GRU", true, true);
    }

    @Test
    void unbindGradientIsLinearAndSupportsRetainAndCreateGraph() {
        try (Scope s = Scope.open()) {
            Tensor x = randn(1, 4, 3).requiresGrad_(true);
            Tensor w = randn(2, 4, 3);
            Tensor[] parts = TimeSplit.unbind(x.mul(1.0)); // a non-leaf, as the input projection is
            Tensor y = null;
            for (int t = 0; t < 4; t += 2) { // steps 1 and 3 unused: their gradient is zero
                Tensor term = parts[t].square().mul(w.select(0, t)).sum();
                y = y == null ? term : y.add(term);
            }
            // dy/dx = 2 w x on the used steps
            double[] xv = x.toDoubleArray();
            double[] wv = w.toDoubleArray();
            for (int pass = 0; pass < 2; pass++) { // the second pass reuses the retained graph
                Tensor g = Autograd.grad(y, new Tensor[] {x}, null, true, pass == 1)[0];
                double[] gv = g.toDoubleArray();
                for (int k = 0; k < 12; k++) {
                    int t = k / 3;
                    assertEquals(t % 2 == 0 ? 2 * wv[k] * xv[k] : 0, gv[k], 1e-15, "pass " + pass + " element " + k);
                }
                if (pass == 1) { // create_graph: d(sum(dy/dx))/dx = 2 w on the used steps
                    double[] gg = Autograd.grad(g.sum(), new Tensor[] {x}, null, false, false)[0].toDoubleArray();
                    for (int k = 0; k < 12; k++) {
                        assertEquals(k / 3 % 2 == 0 ? 2 * wv[k] : 0, gg[k], 1e-15, "second derivative " + k);
                    }
                }
            }
            // without grad the slices are plain views
            Tensor[] plain = TimeSplit.unbind(w);
            assertNull(plain[0].gradFn());
        }
    }

    @Test
    void longSequencesBackpropagateInLinearMemory() {
        // 400 steps of an input projection [400, 8, 64] float32 (0.8 MB). Had each step's slice sent back a
        // gradient of the projection's full shape (what select's backward does), backward would hold 400 of them:
        // about 750 MB measured. Split by TimeSplit it peaks near 19 MB.
        try (LSTM lstm = new LSTM(4, 16, 1, true, false, 0, new Generator(3), DType.FLOAT32, Device.CPU);
             Scope s = Scope.open()) {
            MemoryPool.host().resetPeak();
            long before = MemoryPool.host().stats().bytesInUse();
            Tensor x = Tensor.normal(new Generator(4), 0, 1, DType.FLOAT32, Device.CPU, 400, 8, 4);
            RnnOutput r = lstm.forward(x, null, null);
            r.h().sum().backward();
            long peak = MemoryPool.host().stats().peakBytesInUse() - before;
            assertTrue(peak < 100_000_000L, "peak " + peak + " bytes");
            Tensor g = lstm.namedParameters().get("weight_ih_l0").grad();
            assertTrue(java.util.Arrays.stream(g.toDoubleArray()).allMatch(Double::isFinite));
            assertTrue(java.util.Arrays.stream(g.toDoubleArray()).anyMatch(v -> v != 0));
        }
    }
}
