package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Module;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The layers composed into models: dotted names, state dicts, train/eval switching, the printed tree. */
@SuppressWarnings("try") // scopes opened only to release what the test allocates
class ModuleCompositionTest {
    private static final DType F64 = DType.FLOAT64;

    /** A small CNN + LSTM head, registered under stable names the way a user model would be. */
    static final class Net extends Module {
        final Sequential features;
        final LSTM rnn;
        final Linear head;

        Net(long seed) {
            Generator g = new Generator(seed);
            features = registerModule("features", new Sequential(
                    new Conv2d(1, 4, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1, true,
                            g, F64, Device.CPU),
                    new BatchNorm2d(4, 1e-5, 0.1, true, true, F64, Device.CPU),
                    new ReLU(),
                    new MaxPool2d(2),
                    new Dropout(0.5, g)));
            rnn = registerModule("rnn", new LSTM(8, 5, 1, true, true, 0, g, F64, Device.CPU));
            head = registerModule("head", new Linear(5, 3, true, g, F64, Device.CPU));
        }

        /** x [N, 1, 4, 4] -> features [N, 4, 2, 2] -> a sequence of 2 rows of 8 -> LSTM -> logits [N, 3]. */
        @Override
        public Tensor forward(Tensor x) {
            Tensor f = features.forward(x); // [N, 4, 2, 2]
            Tensor seq = f.permute(0, 2, 1, 3).reshape(x.size(0), 2, 8);
            RnnOutput r = rnn.forward(seq, null, null);
            return head.forward(r.h().select(0, 0));
        }
    }

    @Test
    void namesAreDottedPathsThroughContainers() {
        try (Net net = new Net(1)) {
            assertEquals(List.of("features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
                    "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.weight",
                    "head.bias"), List.copyOf(net.namedParameters().keySet()));
            assertEquals(List.of("features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked"),
                    List.copyOf(net.namedBuffers().keySet()));
            long expected = 4 * 9 + 4 + 4 + 4 + 20 * 8 + 20 * 5 + 20 + 20 + 15 + 3;
            assertEquals(expected, net.parameterCount());
            String tree = net.toString();
            assertTrue(tree.contains("(0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"), tree);
            assertTrue(tree.contains("(rnn): LSTM(8, 5, batch_first=True)"), tree);
            assertTrue(tree.contains("(4): Dropout(p=0.5)"), tree);
        }
    }

    @Test
    void stateDictRoundTripReproducesTheModel() {
        try (Net a = new Net(1); Net b = new Net(2); Scope s = Scope.open()) {
            Tensor x = Tensor.normal(new Generator(3), 0, 1, F64, Device.CPU, 6, 1, 4, 4);
            a.forward(x); // a training step moves the batch-norm statistics
            a.forward(x);
            a.eval();
            b.eval();
            double[] before = a.forward(x).toDoubleArray();
            assertFalse(java.util.Arrays.equals(before, b.forward(x).toDoubleArray()));

            Map<String, Tensor> state = new LinkedHashMap<>();
            a.stateDict().forEach((k, v) -> state.put(k, v.clone()));
            assertEquals(2, state.get("features.1.num_batches_tracked").item());
            b.loadStateDict(state);
            assertArrayEquals(before, b.forward(x).toDoubleArray(), 0);
            assertEquals(2, b.namedBuffers().get("features.1.num_batches_tracked").item());

            state.put("rnn.weight_hh_l0", Tensor.zeros(F64, Device.CPU, 20, 4));
            state.remove("head.bias");
            var e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(state));
            assertTrue(e.getMessage().contains("head.bias") && e.getMessage().contains("rnn.weight_hh_l0"),
                    e.getMessage());
        }
    }

    @Test
    void trainAndEvalReachEveryLayer() {
        try (Net net = new Net(4); Scope s = Scope.open()) {
            Tensor x = Tensor.normal(new Generator(5), 0, 1, F64, Device.CPU, 3, 1, 4, 4);
            double[] t1 = net.forward(x).toDoubleArray();
            double[] t2 = net.forward(x).toDoubleArray();
            assertNotEquals(java.util.Arrays.toString(t1), java.util.Arrays.toString(t2), "dropout in training");
            net.eval();
            assertFalse(net.features.get(4).isTraining());
            assertFalse(net.rnn.isTraining());
            Tensor rm = net.namedBuffers().get("features.1.running_mean");
            double[] stats = rm.toDoubleArray();
            double[] e1 = net.forward(x).toDoubleArray();
            assertArrayEquals(e1, net.forward(x).toDoubleArray(), 0, "evaluation is deterministic");
            assertArrayEquals(stats, rm.toDoubleArray(), 0, "evaluation leaves running statistics alone");
            net.train();
            assertTrue(net.features.get(1).isTraining());
        }
    }

    @Test
    void gradientsReachEveryParameter() {
        try (Net net = new Net(6); Scope s = Scope.open()) {
            Tensor x = Tensor.normal(new Generator(7), 0, 1, F64, Device.CPU, 3, 1, 4, 4);
            Tensor labels = Tensor.of(new long[] {0, 2, 1});
            new CrossEntropyLoss().forward(net.forward(x), labels).backward();
            for (var e : net.namedParameters().entrySet()) {
                assertTrue(e.getValue().grad() != null, e.getKey());
            }
            net.zeroGrad();
            assertTrue(net.parameters().stream().allMatch(p -> p.grad() == null));
        }
    }
}
