package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The {@code nabla.attention.training=composite} switch of {@link ScaledDotProductAttention}: a recorded op runs as
 * the composite (a MatMulBackward node) with the fused op's values and gradients; without the property the fused
 * kernel runs.
 */
class AttentionTrainingPathTest {
    @Test
    void compositeSwitchGivesTheFusedValuesAndGradients() {
        try (Scope s = Scope.open()) {
            Generator g = new Generator(7);
            Tensor q = Tensor.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 2, 3, 9, 4).requiresGrad_(true);
            Tensor k = Tensor.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 2, 3, 9, 4).requiresGrad_(true);
            Tensor v = Tensor.normal(g, 0, 1, DType.FLOAT64, Device.CPU, 2, 3, 9, 4).requiresGrad_(true);
            Tensor fused = F.scaledDotProductAttention(q, k, v, null, 0, true);
            assertEquals("ScaledDotProductAttentionBackward", fused.gradFn().name());
            Tensor[] want = Autograd.grad(fused.square().sum(), new Tensor[] {q, k, v}, null, false, false);
            System.setProperty(ScaledDotProductAttention.TRAINING_PATH, ScaledDotProductAttention.COMPOSITE);
            try {
                Tensor composite = F.scaledDotProductAttention(q, k, v, null, 0, true);
                assertEquals("MatMulBackward", composite.gradFn().name());
                assertClose(fused, composite);
                Tensor[] got = Autograd.grad(composite.square().sum(), new Tensor[] {q, k, v}, null, false, false);
                for (int i = 0; i < 3; i++) {
                    assertClose(want[i], got[i]);
                }
            } finally {
                System.clearProperty(ScaledDotProductAttention.TRAINING_PATH);
            }
        }
    }

    private static void assertClose(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        double[] want = expected.toDoubleArray();
        double[] got = actual.toDoubleArray();
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-12 * Math.max(1, Math.abs(want[i])), "element " + i);
        }
    }
}
