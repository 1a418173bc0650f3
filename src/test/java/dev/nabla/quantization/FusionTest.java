package dev.nabla.quantization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.BatchNorm;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Identity;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Conv+BN and Linear+BN folding against PyTorch's fuse_conv_bn_eval / fuse_linear_bn_eval (bit for bit), and fused models giving
 * the unfused outputs (the Fashion CNN's layout) in eval mode.
 */
class FusionTest {
    private static void assertClose(float[] expected, float[] actual, double rel, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], rel * Math.max(1, Math.abs(expected[i])), what + " [" + i + "]");
        }
    }

    @Test
    void foldingMatchesPyTorch() {
        for (JsonNode c : QuantFixtures.STATIC.get("fuse")) {
            boolean conv = c.get("kind").asText().equals("conv");
            boolean bias = !c.get("bias").isNull();
            int in = c.get("in").asInt();
            int out = c.get("out").asInt();
            Module layer = conv ? new Conv2d(in, out, new int[] {3, 3}, new int[] {1, 1}, new int[] {1, 1},
                    new int[] {1, 1}, 1, bias, DType.FLOAT32, Device.CPU) : new Linear(in, out, bias, DType.FLOAT32,
                    Device.CPU);
            BatchNorm bn = conv ? new BatchNorm2d(out) : new BatchNorm1d(out);
            try (Scope s = Scope.open()) {
                Map<String, Tensor> w = new HashMap<>();
                long[] wShape = conv ? new long[] {out, in, 3, 3} : new long[] {out, in};
                w.put("weight", Tensor.of(QuantFixtures.floats(c.get("weight")), wShape));
                if (bias) {
                    w.put("bias", Tensor.of(QuantFixtures.floats(c.get("bias")), out));
                }
                layer.loadStateDict(w);
                bn.loadStateDict(Map.of("weight", Tensor.of(QuantFixtures.floats(c.get("bnWeight")), out),
                        "bias", Tensor.of(QuantFixtures.floats(c.get("bnBias")), out),
                        "running_mean", Tensor.of(QuantFixtures.floats(c.get("mean")), out),
                        "running_var", Tensor.of(QuantFixtures.floats(c.get("var")), out)), false);
                Sequential model = new Sequential(layer, bn);
                model.eval();
                StaticQuantization.fuseModules(model, List.of(List.of("0", "1")));
                assertInstanceOf(Identity.class, model.get(1));
                Map<String, Tensor> fused = model.get(0).stateDict();
                String what = c.get("kind").asText() + " bias=" + bias;
                assertArrayEquals(QuantFixtures.floats(c.get("fusedWeight")), fused.get("weight").toFloatArray(), what);
                assertArrayEquals(QuantFixtures.floats(c.get("fusedBias")), fused.get("bias").toFloatArray(), what);
            }
        }
    }

    @Test
    void fusedFashionCnnGivesTheUnfusedOutputs() {
        Generator g = new Generator(7);
        int[] k3 = {3, 3};
        int[] s1 = {1, 1};
        Sequential cnn = new Sequential(
                new Conv2d(1, 8, k3, s1, s1, s1, 1, false, g, DType.FLOAT32, Device.CPU), new BatchNorm2d(8),
                new ReLU(), new MaxPool2d(2),
                new Conv2d(8, 16, k3, s1, s1, s1, 1, true, g, DType.FLOAT32, Device.CPU), new BatchNorm2d(16),
                new ReLU(), new MaxPool2d(2), new Flatten(),
                new Linear(16 * 7 * 7, 32, false, g, DType.FLOAT32, Device.CPU), new BatchNorm1d(32), new ReLU(),
                new Dropout(0.3, g.split()), new Linear(32, 10, true, g, DType.FLOAT32, Device.CPU));
        try (Scope s = Scope.open()) {
            // a few training steps' worth of running statistics, so that folding is not the identity
            cnn.train();
            for (int i = 0; i < 3; i++) {
                cnn.forward(Tensor.randn(g, 16, 1, 28, 28).mul(2.0).add(0.5));
            }
            cnn.eval();
            Tensor x = Tensor.randn(g, 5, 1, 28, 28);
            float[] unfused = cnn.forward(x).toFloatArray();
            StaticQuantization.fuseModules(cnn, List.of(List.of("0", "1", "2"), List.of("4", "5", "6"),
                    List.of("9", "10", "11")));
            assertInstanceOf(ConvReLU2d.class, cnn.get(0));
            assertInstanceOf(ConvReLU2d.class, cnn.get(4));
            assertInstanceOf(LinearReLU.class, cnn.get(9));
            assertInstanceOf(Identity.class, cnn.get(10));
            assertClose(unfused, cnn.forward(x).toFloatArray(), 1e-4, "fused vs unfused");
        }
    }
}
