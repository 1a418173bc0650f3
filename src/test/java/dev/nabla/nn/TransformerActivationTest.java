package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.Scope;
import dev.nabla.Tensor;
import org.junit.jupiter.api.Test;

/** Each transformer activation is its formula: relu, erf GELU, tanh GELU (0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))). */
class TransformerActivationTest {
    @Test
    void activationsFollowTheirFormulas() {
        double[] xs = {-3, -1, -0.25, 0, 0.5, 2};
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(xs, 6);
            double[] relu = TransformerActivation.RELU.apply(x).toDoubleArray();
            double[] tanh = TransformerActivation.GELU_TANH.apply(x).toDoubleArray();
            double[] exact = TransformerActivation.GELU.apply(x).toDoubleArray();
            for (int i = 0; i < xs.length; i++) {
                double v = xs[i];
                assertEquals(Math.max(v, 0), relu[i], 0);
                double approx = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
                assertEquals(approx, tanh[i], 1e-12, "tanh GELU at " + v);
                assertEquals(approx, exact[i], 1e-3, "exact GELU near the approximation at " + v);
            }
            assertArrayEquals(x.gelu().toDoubleArray(), exact);
        }
    }
}
