package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Grad;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link ClipGrad} against hand-computed values (the trajectory fixtures compare it with PyTorch inside training).
 */
class ClipGradTest {

    /** Two parameters with gradients [3, -4] and [12], plus one without a gradient. */
    private static List<Tensor> params(DType dtype, Device device, double... extra) {
        Tensor a = Tensor.zeros(dtype, device, 2).requiresGrad_(true);
        Tensor b = Tensor.zeros(dtype, device, 1).requiresGrad_(true);
        Tensor c = Tensor.zeros(dtype, device, 1).requiresGrad_(true);
        a.setGrad(Tensor.of(new double[] {3, -4}, dtype, device, 2));
        b.setGrad(Tensor.of(new double[] {extra.length > 0 ? extra[0] : 12}, dtype, device, 1));
        return List.of(a, b, c);
    }

    private static double[] grads(List<Tensor> ps) {
        return new double[] {ps.get(0).grad().toDoubleArray()[0], ps.get(0).grad().toDoubleArray()[1],
                ps.get(1).grad().toDoubleArray()[0]};
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"FLOAT32", "FLOAT64"})
    void l2NormScalesAllGradientsTogether(DType dtype) {
        for (Device device : Device.values()) {
            List<Tensor> ps = params(dtype, device);
            double total = ClipGrad.norm(ps, 6.5);
            assertEquals(13.0, total, 0.0);
            double coef = 6.5 / (13 + 1e-6);
            double tol = dtype == DType.FLOAT32 ? 1e-6 : 1e-15;
            assertArrayEquals(new double[] {3 * coef, -4 * coef, 12 * coef}, grads(ps), tol);
            assertNull(ps.get(2).grad(), "a parameter without a gradient stays without one");
        }
    }

    @Test
    void belowTheBoundNothingChanges() {
        List<Tensor> ps = params(DType.FLOAT32, Device.CPU);
        assertEquals(13.0, ClipGrad.norm(ps, 20.0), 0.0);
        assertArrayEquals(new double[] {3, -4, 12}, grads(ps), 0.0);
        assertEquals(13.0, ClipGrad.norm(ps, 13.0), 0.0); // coef = 13/(13+1e-6) < 1: PyTorch scales, barely
        assertTrue(grads(ps)[2] < 12);
    }

    @Test
    void otherNorms() {
        assertEquals(12.0, ClipGrad.norm(params(DType.FLOAT64, Device.CPU), 100, Double.POSITIVE_INFINITY, true));
        assertEquals(3.0, ClipGrad.norm(params(DType.FLOAT64, Device.CPU), 100, Double.NEGATIVE_INFINITY, true));
        assertEquals(19.0, ClipGrad.norm(params(DType.FLOAT64, Device.CPU), 100, 1, true));
        assertEquals(Math.pow(27 + 64 + 1728, 1.0 / 3), ClipGrad.norm(params(DType.FLOAT64, Device.CPU), 100, 3,
                true), 1e-12);
        assertEquals(2.0, ClipGrad.norm(params(DType.FLOAT64, Device.CPU), 100, 0, true));
        List<Tensor> ps = params(DType.FLOAT64, Device.JAVA);
        assertEquals(12.0, ClipGrad.norm(ps, 1.2, Double.POSITIVE_INFINITY, false));
        double coef = 1.2 / (12 + 1e-6);
        assertArrayEquals(new double[] {3 * coef, -4 * coef, 12 * coef}, grads(ps), 1e-15);
    }

    @Test
    void noGradientsGiveZero() {
        Tensor p = Tensor.zeros(3).requiresGrad_(true);
        assertEquals(0.0, ClipGrad.norm(List.of(p), 1.0));
        ClipGrad.value(List.of(p), 1.0);
        assertNull(p.grad());
    }

    @Test
    void nonFiniteNormThrowsWhenAskedAndChangesNothing() {
        List<Tensor> ps = params(DType.FLOAT32, Device.CPU, Double.NaN);
        var e = assertThrows(ArithmeticException.class, () -> ClipGrad.norm(ps, 1.0, 2.0, true));
        assertTrue(e.getMessage().contains("non-finite") || e.getMessage().contains("NaN"), e.getMessage());
        assertArrayEquals(new double[] {3, -4}, ps.get(0).grad().toDoubleArray(), 0.0);
        List<Tensor> inf = params(DType.FLOAT32, Device.CPU, Double.POSITIVE_INFINITY);
        assertThrows(ArithmeticException.class, () -> ClipGrad.norm(inf, 1.0, Double.POSITIVE_INFINITY, true));
    }

    @Test
    void nonFiniteNormWarnsAndScalesLikePyTorch() {
        Logger log = Logger.getLogger(ClipGrad.class.getName());
        List<LogRecord> records = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(h);
        try {
            // an infinite total: coef = max_norm / inf = 0, so finite gradients become 0 and the infinite one NaN
            List<Tensor> ps = params(DType.FLOAT32, Device.CPU, Double.POSITIVE_INFINITY);
            assertEquals(Double.POSITIVE_INFINITY, ClipGrad.norm(ps, 1.0));
            double[] g = grads(ps);
            assertEquals(0.0, Math.abs(g[0]));
            assertEquals(0.0, Math.abs(g[1]));
            assertTrue(Double.isNaN(g[2]));
            // a NaN total: everything becomes NaN
            List<Tensor> nan = params(DType.FLOAT64, Device.CPU, Double.NaN);
            assertTrue(Double.isNaN(ClipGrad.norm(nan, 1.0, 2.0, false)));
            assertTrue(Double.isNaN(grads(nan)[0]));
        } finally {
            log.removeHandler(h);
        }
        assertEquals(2, records.size());
        assertEquals(Level.WARNING, records.get(0).getLevel());
        assertTrue(records.get(0).getMessage().contains("Infinity"), records.get(0).getMessage());
    }

    @Test
    void valueClampsInPlace() {
        for (Device device : Device.values()) {
            List<Tensor> ps = params(DType.FLOAT32, device);
            ClipGrad.value(ps, 3.5);
            assertArrayEquals(new double[] {3, -3.5, 3.5}, grads(ps), 0.0);
            assertNull(ps.get(2).grad());
        }
        assertThrows(IllegalArgumentException.class, () -> ClipGrad.value(params(DType.FLOAT32, Device.CPU), -1));
    }

    @Test
    void clippingIsNotRecordedByAutograd() {
        Tensor w = Tensor.of(new double[] {1, 2}, DType.FLOAT64, Device.CPU, 2).requiresGrad_(true);
        w.square().sum().backward();
        assertTrue(Grad.isEnabled());
        ClipGrad.norm(List.of(w), 1.0);
        ClipGrad.value(List.of(w), 0.1);
        assertNull(w.grad().gradFn());
        assertFalse(w.grad().requiresGrad());
        assertTrue(Grad.isEnabled());
    }
}
