package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Autocast regions: which ops cast to what, and a small MLP against torch.autocast("cpu", torch.bfloat16). */
class AutocastTest {

    @Test
    void mlpUnderAutocastMatchesPyTorch() throws IOException {
        JsonNode f = DTypePromotionTest.fixture("autocast.json");
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(ReducedPrecisionTest.doubles(f.get("x")), DType.FLOAT32, Device.CPU, 8, 12);
            long[] labels = new long[8];
            for (int i = 0; i < 8; i++) {
                labels[i] = f.get("y").get(i).asLong();
            }
            Tensor y = Tensor.of(labels);
            Tensor w1 = param(f, "w1", 16, 12);
            Tensor b1 = param(f, "b1", 16);
            Tensor w2 = param(f, "w2", 3, 16);
            Tensor b2 = param(f, "b2", 3);
            Tensor h;
            Tensor logits;
            Tensor loss;
            try (Autocast amp = Autocast.enable(DType.BFLOAT16)) {
                h = F.linear(x, w1, b1).relu();
                logits = F.linear(h, w2, b2);
                loss = F.crossEntropy(logits, y);
            }
            assertEquals(DType.fromName(f.get("hiddenDtype").asText()), h.dtype());
            assertEquals(DType.fromName(f.get("logitsDtype").asText()), logits.dtype());
            assertEquals(DType.fromName(f.get("lossDtype").asText()), loss.dtype());
            double[] expectedLogits = ReducedPrecisionTest.doubles(f.get("logits"));
            double[] gotLogits = logits.toDoubleArray();
            for (int i = 0; i < gotLogits.length; i++) {
                // bf16 output; the bias add may round once more than PyTorch's fused addmm
                double tol = 2 * ReducedPrecisionTest.ulp(DType.BFLOAT16, expectedLogits[i]) + 1e-3;
                assertEquals(expectedLogits[i], gotLogits[i], tol, "logits[" + i + "]");
            }
            assertEquals(f.get("loss").asDouble(), loss.item(), 1e-2, "loss");
            loss.backward();
            for (String[] g : new String[][] {{"gw1", "w1"}, {"gb1", "b1"}, {"gw2", "w2"}, {"gb2", "b2"}}) {
                Tensor p = g[1].equals("w1") ? w1 : g[1].equals("b1") ? b1 : g[1].equals("w2") ? w2 : b2;
                assertEquals(DType.FLOAT32, p.grad().dtype(), "gradients reach the float32 parameters in float32");
                double[] expected = ReducedPrecisionTest.doubles(f.get(g[0]));
                double[] got = p.grad().toDoubleArray();
                double scale = 0;
                for (double v : expected) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < got.length; i++) {
                    // bf16 has 8 significant bits: a few roundings on the way back leave ~2^-6 of the largest value
                    assertEquals(expected[i], got[i], 0.03 * scale, g[0] + "[" + i + "]");
                }
            }
        }
    }

    private static Tensor param(JsonNode f, String key, long... shape) {
        return Tensor.of(ReducedPrecisionTest.doubles(f.get(key)), DType.FLOAT32, Device.CPU, shape)
                .requiresGrad_(true);
    }

    @Test
    void regionsCastOnlyTheirOpsAndRestoreOnClose() {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.ones(2, 3);
            Tensor b = Tensor.ones(3, 2);
            assertNull(Autocast.dtype());
            try (Autocast outer = Autocast.enable(DType.FLOAT16)) {
                assertEquals(DType.FLOAT16, a.matmul(b).dtype());
                assertEquals(DType.FLOAT32, a.add(b.t()).dtype(), "element-wise ops keep their inputs' dtype");
                Tensor half = a.to(DType.FLOAT16);
                assertEquals(DType.FLOAT32, half.softmax(1).dtype(), "softmax runs in float32");
                assertEquals(DType.FLOAT32, half.logSoftmax(1).dtype());
                assertEquals(DType.FLOAT32, half.add(a).dtype(), "mixed dtypes promote");
                Tensor image = Tensor.ones(2, 3, 4, 4).to(DType.FLOAT16);
                Tensor mean = Tensor.zeros(3);
                Tensor var = Tensor.ones(3);
                assertEquals(DType.FLOAT32, F.batchNorm(image, mean, var, Tensor.ones(3), Tensor.zeros(3), true, 0.1,
                        1e-5).dtype(), "batch norm runs in float32 with its float32 statistics");
                try (Autocast inner = Autocast.disable()) {
                    assertEquals(DType.FLOAT32, a.matmul(b).dtype());
                    assertTrue(!Autocast.isEnabled());
                }
                assertEquals(DType.FLOAT16, Autocast.dtype(), "closing the inner region restores the outer one");
            }
            assertEquals(DType.FLOAT32, a.matmul(b).dtype());
            assertEquals(DType.FLOAT64, a.to(DType.FLOAT64).matmul(b.to(DType.FLOAT64)).dtype());
        }
    }

    @Test
    void onlySixteenBitFloatsMakeARegion() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Autocast.enable(DType.INT8));
        assertTrue(e.getMessage().contains("int8"), e.getMessage());
    }
}
