package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ReLU's backward (the one-pass kernel where a backend has it, the composed rule elsewhere) against a reference
 * written here, {@code g * (x > 0 ? 1 : 0)} in the dtype, bit for bit: zeros of both signs in the input, a gradient
 * of -0 and infinite gradients where the unit is off (which give NaN, as PyTorch's composed rule would), a length that
 * is no multiple of a vector's, a large tensor split over threads; and the double backward through the composed rule.
 */
class ReluBackwardTest {

    @ParameterizedTest
    @MethodSource("dev.nabla.TestSupport#devicesAndDtypes")
    void matchesTheMaskedProductBitForBit(Device device, DType dtype) {
        for (int n : new int[] {37, 1 << 20}) {
            double[] x = TestSupport.random(5, n, -1, 1, dtype);
            double[] g = TestSupport.random(6, n, -2, 2, dtype);
            x[0] = 0.0;
            x[1] = -0.0;
            x[2] = -1;
            g[2] = Double.POSITIVE_INFINITY;
            x[3] = 1;
            g[3] = Double.NEGATIVE_INFINITY;
            g[4] = -0.0;
            try (Scope s = Scope.open()) {
                Tensor xt = Tensor.of(x, dtype, device, n).requiresGrad_(true);
                xt.relu().backward(Tensor.of(g, dtype, device, n));
                double[] grad = xt.grad().toDoubleArray();
                for (int i = 0; i < n; i++) {
                    double expected = TestSupport.round(dtype, g[i] * (x[i] > 0 ? 1.0 : 0.0));
                    assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(grad[i]),
                            "n " + n + " element " + i + ": x " + x[i] + ", g " + g[i]);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.nabla.TestSupport#devicesAndDtypes")
    void doubleBackwardGoesThroughTheComposedRule(Device device, DType dtype) {
        double[] x = {-1.5, 0.5, 2.0, -0.25, 3.0};
        try (Scope s = Scope.open()) {
            Tensor xt = Tensor.of(x, dtype, device, 5).requiresGrad_(true);
            Tensor g = Tensor.of(new double[] {1, 2, 3, 4, 5}, dtype, device, 5).requiresGrad_(true);
            Tensor gx = Autograd.grad(xt.relu(), new Tensor[] {xt}, g, true, true)[0];
            // d/dg of sum(gx * c) is c * (x > 0): the gradient's own gradient exists only through the composed rule
            gx.mul(Tensor.of(new double[] {10, 20, 30, 40, 50}, dtype, device, 5)).sum().backward();
            double[] expected = {0, 20, 30, 0, 50};
            double[] got = g.grad().toDoubleArray();
            for (int i = 0; i < 5; i++) {
                assertEquals(expected[i], got[i], 0.0, "element " + i);
            }
        }
    }
}
