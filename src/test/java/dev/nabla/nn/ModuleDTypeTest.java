package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.optim.SGD;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Module.to(DType) and its shorthands convert floating parameters, gradients and buffers in place and leave integer
 * buffers alone; Tensor.to(Device, DType); layer constructors taking a dtype and device without a generator.
 * References: widening conversions are exact, narrowing ones are checked against Java's own IEEE rounding
 * ({@link Float#floatToFloat16}) and a bit-level bfloat16 rounding written here.
 */
@SuppressWarnings("try") // scopes opened only to release what the test allocates
class ModuleDTypeTest {

    /** A linear layer plus an int64 buffer, like a counter PyTorch would keep as a long tensor. */
    private static final class Counted extends Module {
        final Linear linear = registerModule("linear", new Linear(3, 2));

        Counted() {
            registerBuffer("count", Tensor.of(new long[] {Long.MAX_VALUE, -3}));
            registerBuffer("scale", Tensor.of(new double[] {0.1, -2.5}, DType.FLOAT32, Device.CPU));
        }

        @Override
        public Tensor forward(Tensor input) {
            return linear.forward(input);
        }
    }

    /** float32 to bfloat16, round to nearest even (finite, non-NaN inputs). */
    private static float bf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
        return Float.intBitsToFloat(rounded);
    }

    private static float f16(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void float64KeepsTheTensorObjectsAndConvertsValuesAndGradientsExactly() {
        try (Counted m = new Counted()) {
            Tensor w = m.linear.namedParameters().get("weight");
            float[] before = w.toFloatArray();
            try (Scope s = Scope.open()) {
                m.forward(Tensor.ones(4, 3)).sum().backward();
            }
            Tensor grad = w.grad();
            float[] gradBefore = grad.toFloatArray();
            assertSame(m, m.float64());
            assertSame(w, m.linear.namedParameters().get("weight"));
            assertEquals(DType.FLOAT64, w.dtype());
            assertTrue(w.requiresGrad());
            assertArrayEquals(widen(before), w.toDoubleArray(), 0.0);
            assertSame(grad, w.grad(), "the gradient converts in place, as PyTorch converts .grad");
            assertEquals(DType.FLOAT64, grad.dtype());
            assertArrayEquals(widen(gradBefore), grad.toDoubleArray(), 0.0);
            assertEquals(DType.FLOAT64, m.namedBuffers().get("scale").dtype());
        }
    }

    @Test
    void integerBuffersKeepTheirDtypeAndValues() {
        try (Counted m = new Counted()) {
            m.to(Device.JAVA, DType.BFLOAT16);
            Tensor count = m.namedBuffers().get("count");
            assertEquals(DType.INT64, count.dtype());
            assertSame(Device.JAVA, count.device());
            assertArrayEquals(new long[] {Long.MAX_VALUE, -3}, count.toLongArray());
            assertEquals(DType.BFLOAT16, m.namedBuffers().get("scale").dtype());
            assertSame(Device.JAVA, m.namedBuffers().get("scale").device());
            m.float32();
            assertEquals(DType.INT64, count.dtype());
            assertArrayEquals(new long[] {Long.MAX_VALUE, -3}, count.toLongArray());
        }
    }

    @Test
    void halfAndBfloat16RoundLikeIeeeAndPyTorch() {
        for (boolean half : new boolean[] {true, false}) {
            try (Linear m = new Linear(7, 5)) {
                float[] before = m.namedParameters().get("weight").toFloatArray();
                Module r = half ? m.half() : m.bfloat16();
                assertSame(m, r);
                Tensor w = m.namedParameters().get("weight");
                assertEquals(half ? DType.FLOAT16 : DType.BFLOAT16, w.dtype());
                float[] after = w.toFloatArray();
                for (int i = 0; i < before.length; i++) {
                    float want = half ? f16(before[i]) : bf16(before[i]);
                    assertEquals(want, after[i], 0f, "element " + i + " of " + (half ? "half" : "bfloat16"));
                }
            }
        }
    }

    @Test
    void onlyFloatingDtypesAreAccepted() {
        try (Linear m = new Linear(2, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.to(DType.INT64));
            assertTrue(e.getMessage().contains("int64"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> m.to(Device.CPU, DType.BOOL));
            assertThrows(IllegalArgumentException.class, () -> m.to((DType) null));
            assertEquals(DType.FLOAT32, m.namedParameters().get("weight").dtype());
        }
    }

    @Test
    void optimizerStateFollowsTheParameterDtypeOnTheNextStep() {
        // dyadic values: every step is exact in float32 and float64, so the expected values are exact
        try (Linear m = new Linear(2, 1, false, DType.FLOAT32, Device.CPU)) {
            Tensor w = m.namedParameters().get("weight");
            m.loadStateDict(Map.of("weight", Tensor.of(new double[] {0.25, 1.5}, DType.FLOAT32, Device.CPU, 1, 2)));
            try (SGD opt = new SGD(m.parameters(), 0.5, 0.5, 0, 0, false)) {
                Supplier<Tensor> loss = () -> m.forward(Tensor.of(new double[] {1, 2}, w.dtype(), Device.CPU, 1, 2))
                        .sum();
                try (Scope s = Scope.open()) {
                    loss.get().backward();
                    opt.step(); // buf = g = [1, 2]; w = [0.25, 1.5] - 0.5 * buf
                }
                assertArrayEquals(new double[] {-0.25, 0.5}, w.toDoubleArray(), 0.0);
                m.float64();
                opt.zeroGrad();
                try (Scope s = Scope.open()) {
                    loss.get().backward();
                    opt.step(); // buf = 0.5 * [1, 2] + [1, 2]; w -= 0.5 * buf
                }
                Tensor buf = opt.stateDict().get("state.0.0");
                assertEquals(DType.FLOAT64, buf.dtype());
                assertArrayEquals(new double[] {1.5, 3}, buf.toDoubleArray(), 0.0);
                assertEquals(DType.FLOAT64, w.dtype());
                assertArrayEquals(new double[] {-1.0, -1.0}, w.toDoubleArray(), 0.0);
            }
        }
    }

    @Test
    void tensorToDeviceAndDtype() {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.of(new double[] {1.5, -2.75, 1e300}, DType.FLOAT64, Device.CPU, 3);
            assertSame(t, t.to(Device.CPU, DType.FLOAT64));
            Tensor u = t.to(Device.JAVA, DType.FLOAT32);
            assertSame(Device.JAVA, u.device());
            assertEquals(DType.FLOAT32, u.dtype());
            assertArrayEquals(new float[] {1.5f, -2.75f, Float.POSITIVE_INFINITY}, u.toFloatArray(), 0f);
            Tensor i = u.narrow(0, 0, 2).to(Device.CPU, DType.INT16);
            assertSame(Device.CPU, i.device());
            assertEquals(DType.INT16, i.dtype());
            assertArrayEquals(new long[] {1, -2}, i.toLongArray()); // truncated toward zero
            Tensor g = Tensor.of(new double[] {1, 2}, DType.FLOAT32, Device.CPU, 2).requiresGrad_(true);
            Tensor y = g.to(Device.JAVA, DType.FLOAT64);
            y.mul(3).sum().backward();
            assertEquals(DType.FLOAT32, g.grad().dtype());
            assertArrayEquals(new float[] {3, 3}, g.grad().toFloatArray(), 0f);
            assertThrows(IllegalArgumentException.class, () -> t.to(Device.CPU, null));
        }
    }

    @Test
    void layerConstructorsWithoutGeneratorDrawFromTheGlobalOneLikeTheDefaults() {
        Map<String, Supplier<Module>> withDtype = Map.of(
                "Linear", () -> new Linear(4, 3, DType.FLOAT64, Device.JAVA),
                "Conv2d", () -> new Conv2d(2, 3, 3, DType.FLOAT64, Device.JAVA),
                "Embedding", () -> new Embedding(5, 4, DType.FLOAT64, Device.JAVA),
                "RNN", () -> new RNN(3, 4, 2, DType.FLOAT64, Device.JAVA),
                "LSTM", () -> new LSTM(3, 4, 1, DType.FLOAT64, Device.JAVA),
                "GRU", () -> new GRU(3, 4, 1, DType.FLOAT64, Device.JAVA));
        Map<String, Supplier<Module>> defaults = Map.of(
                "Linear", () -> new Linear(4, 3),
                "Conv2d", () -> new Conv2d(2, 3, 3),
                "Embedding", () -> new Embedding(5, 4),
                "RNN", () -> new RNN(3, 4, 2),
                "LSTM", () -> new LSTM(3, 4, 1),
                "GRU", () -> new GRU(3, 4, 1));
        for (String name : withDtype.keySet()) {
            Generator.global().manualSeed(42);
            try (Module typed = withDtype.get(name).get()) {
                Generator.global().manualSeed(42);
                try (Module plain = defaults.get(name).get()) {
                    for (var e : plain.stateDict().entrySet()) {
                        Tensor t = typed.stateDict().get(e.getKey());
                        assertEquals(DType.FLOAT64, t.dtype(), name + " " + e.getKey());
                        assertSame(Device.JAVA, t.device(), name + " " + e.getKey());
                        // the float32 default holds the same draws rounded to float32
                        float[] want = e.getValue().toFloatArray();
                        assertArrayEquals(want, t.to(DType.FLOAT32).toFloatArray(), 0f, name + " " + e.getKey());
                    }
                    assertEquals(plain.stateDict().keySet(), typed.stateDict().keySet(), name);
                }
            }
        }
    }

    @Test
    void normLayerConstructorsWithDtype() {
        try (BatchNorm1d b1 = new BatchNorm1d(3, DType.FLOAT16, Device.JAVA);
             BatchNorm2d b2 = new BatchNorm2d(2, DType.FLOAT64, Device.CPU);
             LayerNorm ln = new LayerNorm(new long[] {2, 3}, DType.BFLOAT16, Device.JAVA)) {
            for (Module m : new Module[] {b1, b2, ln}) {
                DType want = m == b1 ? DType.FLOAT16 : m == b2 ? DType.FLOAT64 : DType.BFLOAT16;
                for (var e : m.stateDict().entrySet()) {
                    assertEquals(want, e.getValue().dtype(), m.getClass().getSimpleName() + " " + e.getKey());
                }
            }
            assertArrayEquals(new float[] {1, 1, 1}, b1.stateDict().get("running_var").toFloatArray(), 0f);
            assertArrayEquals(new long[] {2, 3}, ln.stateDict().get("weight").shape());
            assertNotSame(b1.stateDict().get("weight"), b1.stateDict().get("bias"));
        }
    }
}
