package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@code isCausal} path of MultiheadAttention, TransformerEncoderLayer and TransformerEncoder against the same
 * modules given the equivalent explicit mask (bool, true above the diagonal: PyTorch-checked in
 * TransformerModulesTest): equal outputs, attention weights and parameter gradients, and outputs at a position
 * that do not depend on later positions.
 */
class CausalAttentionTest {
    private static final long L = 7;
    private static final long D = 8;

    enum Dev {
        CPU(Device.CPU), JAVA(Device.JAVA);

        final Device device;

        Dev(Device device) {
            this.device = device;
        }
    }

    private static TransformerEncoder encoder(Device device) {
        Generator g = new Generator(5);
        return new TransformerEncoder(() -> new TransformerEncoderLayer(D, 2, 16, 0, TransformerActivation.GELU, 1e-5,
                true, true, g, DType.FLOAT64, device), 2, null);
    }

    private static Tensor upperTriangle(Device device) {
        boolean[] above = new boolean[(int) (L * L)];
        for (int i = 0; i < L; i++) {
            for (int j = i + 1; j < L; j++) {
                above[(int) (i * L + j)] = true;
            }
        }
        return Tensor.of(above, L, L).to(device);
    }

    @ParameterizedTest
    @EnumSource(Dev.class)
    void encoderIsCausalEqualsTheExplicitMask(Dev dev) {
        Device device = dev.device;
        try (TransformerEncoder causal = encoder(device); TransformerEncoder masked = encoder(device);
             Scope s = Scope.open()) {
            Tensor x = Tensor.normal(new Generator(2), 0, 1, DType.FLOAT64, device, 3, L, D);
            causal.forward(x, null, null, true).square().sum().backward();
            Tensor yc = causal.forward(x, null, null, true);
            masked.forward(x, upperTriangle(device), null).square().sum().backward();
            Tensor ym = masked.forward(x, upperTriangle(device), null);
            assertClose(ym, yc, "output");
            List<Tensor> pc = causal.parameters();
            List<Tensor> pm = masked.parameters();
            for (int i = 0; i < pc.size(); i++) {
                assertClose(pm.get(i).grad(), pc.get(i).grad(), "gradient of parameter " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Dev.class)
    void laterPositionsDoNotChangeEarlierOutputs(Dev dev) {
        Device device = dev.device;
        try (TransformerEncoder model = encoder(device); Scope s = Scope.open()) {
            double[] data = Tensor.normal(new Generator(3), 0, 1, DType.FLOAT64, device, 1, L, D).toDoubleArray();
            Tensor before = model.forward(Tensor.of(data, DType.FLOAT64, device, 1, L, D), null, null, true);
            for (int i = (int) ((L - 1) * D); i < data.length; i++) {
                data[i] += 1; // the last position only
            }
            Tensor after = model.forward(Tensor.of(data, DType.FLOAT64, device, 1, L, D), null, null, true);
            assertClose(before.narrow(1, 0, L - 1), after.narrow(1, 0, L - 1), "earlier positions");
            double change = after.narrow(1, L - 1, 1).sub(before.narrow(1, L - 1, 1)).abs().sum().item();
            assertEquals(true, change > 1e-3, "the last position's output changed by " + change);
        }
    }

    @ParameterizedTest
    @EnumSource(Dev.class)
    void returnedWeightsHideTheFuture(Dev dev) {
        Device device = dev.device;
        try (var mha = new MultiheadAttention(D, 2, 0, true, true, new Generator(4), DType.FLOAT64, device);
             Scope s = Scope.open()) {
            Tensor x = Tensor.normal(new Generator(6), 0, 1, DType.FLOAT64, device, 2, L, D);
            var causal = mha.forward(x, x, x, null, null, true, true);
            var masked = mha.forward(x, x, x, null, upperTriangle(device), true);
            assertClose(masked.output(), causal.output(), "output");
            assertClose(masked.weights(), causal.weights(), "weights");
        }
    }

    private static void assertClose(Tensor expected, Tensor actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        double[] want = expected.toDoubleArray();
        double[] got = actual.toDoubleArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-12 * Math.max(1, Math.abs(want[i])), what + " element " + i);
        }
    }
}
