package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import org.junit.jupiter.api.Test;

/** Sinusoidal positions against their formula; learned positions add their table's rows and train them. */
class PositionalEmbeddingTest {

    @Test
    void sinusoidalAddsTheFormulasTable() {
        try (var pe = new SinusoidalPositionalEmbedding(10, 6, DType.FLOAT64, Device.CPU); Scope s = Scope.open()) {
            double[] y = pe.forward(Tensor.zeros(DType.FLOAT64, Device.CPU, 2, 4, 6)).toDoubleArray();
            for (int n = 0; n < 2; n++) {
                for (int p = 0; p < 4; p++) {
                    for (int i = 0; i < 6; i++) {
                        double angle = p / Math.pow(10000, (i / 2 * 2) / 6.0);
                        assertEquals(i % 2 == 0 ? Math.sin(angle) : Math.cos(angle), y[(n * 4 + p) * 6 + i], 1e-15);
                    }
                }
            }
            assertTrue(pe.parameters().isEmpty());
            var e = assertThrows(IllegalArgumentException.class,
                    () -> pe.forward(Tensor.zeros(DType.FLOAT64, Device.CPU, 11, 6)));
            assertTrue(e.getMessage().contains("L <= 10"), e.getMessage());
        }
    }

    @Test
    void learnedAddsItsRowsAndGetsTheirGradient() {
        try (var pe = new LearnedPositionalEmbedding(8, 3, new Generator(1), DType.FLOAT64, Device.CPU);
             Scope s = Scope.open()) {
            Tensor table = pe.namedParameters().get("embedding.weight");
            double[] w = table.toDoubleArray();
            Tensor y = pe.forward(Tensor.ones(DType.FLOAT64, Device.CPU, 2, 5, 3));
            double[] got = y.toDoubleArray();
            for (int k = 0; k < got.length; k++) {
                assertEquals(1 + w[k % 15], got[k], 0);
            }
            y.sum().backward();
            double[] g = table.grad().toDoubleArray();
            for (int k = 0; k < g.length; k++) {
                assertEquals(k < 15 ? 2 : 0, g[k], 0, "row " + k / 3);
            }
        }
    }
}
