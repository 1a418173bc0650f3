package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused max-pooling kernels against a plain nested-loop reference written here: values with many ties (the
 * first maximum in window order must win, as in PyTorch), padding, dilation and uneven strides, forward and the
 * scattered gradient; on every device and dtype.
 */
class MaxPoolKernelTest {

    private record Case(int n, int c, int h, int w, int[] k, int[] s, int[] p, int[] d) {
    }

    private static final Case[] CASES = {
        new Case(2, 3, 8, 8, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}),
        new Case(1, 2, 7, 9, new int[] {3, 3}, new int[] {1, 2}, new int[] {1, 1}, new int[] {1, 1}),
        new Case(2, 1, 9, 8, new int[] {2, 3}, new int[] {2, 1}, new int[] {1, 1}, new int[] {2, 2}),
        new Case(3, 64, 14, 14, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}),
        // rows of 20 windows (more than one vector's 16) and an odd height and width (the last row/column unused)
        new Case(2, 3, 7, 41, new int[] {2, 2}, new int[] {2, 2}, new int[] {0, 0}, new int[] {1, 1}),
    };

    @ParameterizedTest
    @MethodSource("dev.nabla.TestSupport#devicesAndDtypes")
    void matchesNestedLoopReference(Device device, DType dtype) {
        for (Case k : CASES) {
            int planes = k.n * k.c;
            int oh = (k.h + 2 * k.p[0] - k.d[0] * (k.k[0] - 1) - 1) / k.s[0] + 1;
            int ow = (k.w + 2 * k.p[1] - k.d[1] * (k.k[1] - 1) - 1) / k.s[1] + 1;
            double[] x = TestSupport.random(17, planes * k.h * k.w, 0, 4, dtype);
            for (int i = 0; i < x.length; i++) {
                x[i] = Math.floor(x[i]); // 4 levels: ties in almost every window
            }
            double[] gOut = TestSupport.random(18, planes * oh * ow, -1, 1, dtype);
            double[] expectOut = new double[planes * oh * ow];
            double[] expectGrad = new double[x.length];
            for (int b = 0; b < planes; b++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double best = Double.NEGATIVE_INFINITY;
                        int at = -1;
                        for (int i = 0; i < k.k[0]; i++) {
                            for (int j = 0; j < k.k[1]; j++) {
                                int iy = oy * k.s[0] - k.p[0] + i * k.d[0];
                                int ix = ox * k.s[1] - k.p[1] + j * k.d[1];
                                if (iy >= 0 && iy < k.h && ix >= 0 && ix < k.w) {
                                    int pos = (b * k.h + iy) * k.w + ix;
                                    if (at < 0 || x[pos] > best) {
                                        best = x[pos];
                                        at = pos;
                                    }
                                }
                            }
                        }
                        int o = (b * oh + oy) * ow + ox;
                        expectOut[o] = best;
                        expectGrad[at] += gOut[o];
                    }
                }
            }
            try (Scope s = Scope.open()) {
                Tensor xt = Tensor.of(x, dtype, device, k.n, k.c, k.h, k.w).requiresGrad_(true);
                Tensor y = F.maxPool2d(xt, k.k, k.s, k.p, k.d);
                assertArrayEquals(new long[] {k.n, k.c, oh, ow}, y.shape());
                assertArrayEquals(expectOut, y.toDoubleArray(), 0.0, k.toString());
                y.backward(Tensor.of(gOut, dtype, device, k.n, k.c, oh, ow));
                double[] grad = xt.grad().toDoubleArray();
                for (int i = 0; i < grad.length; i++) {
                    // sums of up to 4 rounded gradients: equal to the reference up to rounding
                    assertEquals(TestSupport.round(dtype, expectGrad[i]), grad[i], 4 * TestSupport.unitRoundoff(dtype),
                            k + " gradient element " + i);
                }
            }
        }
    }

    /** Infinities, NaN (the last NaN of a window wins, as in PyTorch's kernel) and signed zeros in 2x2 windows. */
    @ParameterizedTest
    @MethodSource("dev.nabla.TestSupport#devicesAndDtypes")
    void specialValuesFollowPyTorchsRule(Device device, DType dtype) {
        double inf = Double.POSITIVE_INFINITY;
        double nan = Double.NaN;
        double[] x = {
            1, inf, -inf, -inf, nan, 1, -0.0, 0.0,
            2, 3, -inf, -inf, nan, 2, -1, -2,
        };
        try (Scope s = Scope.open()) {
            Tensor xt = Tensor.of(x, dtype, device, 1, 1, 2, 8).requiresGrad_(true);
            Tensor y = F.maxPool2d(xt, 2, 2);
            double[] out = y.toDoubleArray();
            assertEquals(inf, out[0]);
            assertEquals(-inf, out[1]);
            assertEquals(nan, out[2]);
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(out[3]), "sign of the zero");
            y.backward(Tensor.of(new double[] {1, 2, 3, 4}, dtype, device, 1, 1, 1, 4));
            double[] expected = new double[16];
            expected[1] = 1;  // inf at row 0, column 1
            expected[2] = 2;  // all -inf: the window's first element
            expected[12] = 3; // the second NaN (row 1, column 4)
            expected[6] = 4;  // -0.0 before 0.0: the first of equal values
            assertArrayEquals(expected, xt.grad().toDoubleArray(), 0.0);
        }
    }
}
