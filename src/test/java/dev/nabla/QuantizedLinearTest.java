package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link F#quantizedLinear} (the int8 GEMM: oneDNN on cpu, the Java kernel on java) against sums written out here in
 * {@code long}: the integer part must be exact, the float result one float32 rounding of {@code sum * scale}.
 */
class QuantizedLinearTest {

    private static long[] randomInts(long seed, int count, int lo, int hi) {
        SplittableRandom r = new SplittableRandom(seed);
        long[] v = new long[count];
        for (int i = 0; i < count; i++) {
            v[i] = r.nextInt(lo, hi + 1);
        }
        return v;
    }

    /** {@code scale[j] * sum_p (x[i][p] - z) * w[j][p] (+ bias[j])}, the sum exact, one float rounding per step. */
    private static float[] reference(long[] x, long z, long[] w, float[] scales, float[] bias, int m, int n, int k) {
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += (x[i * k + p] - z) * w[j * k + p];
                }
                float y = (float) sum * scales[scales.length == 1 ? 0 : j];
                out[i * n + j] = bias == null ? y : y + bias[j];
            }
        }
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            float tol = Math.ulp(Math.abs(expected[i])) * 2; // oneDNN may order the scale and bias steps differently
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + " at " + i + ": expected " + expected[i] + ", got " + actual[i]);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2}x{3}x{4} zeroPoint={5} perChannel={6} bias={7}")
    @CsvSource({
            "cpu,  uint8,   1,  1,   1,   0, false, false",
            "java, uint8,   1,  1,   1,   0, false, false",
            "cpu,  uint8, 128, 64, 784, 128, true,  true",
            "java, uint8, 128, 64, 784, 128, true,  true",
            "cpu,  uint8,  17, 10,  33,  37, false, true",
            "java, uint8,  17, 10,  33,  37, false, true",
            "cpu,  int8,    9, 31,  70,  -5, true,  false",
            "java, int8,    9, 31,  70,  -5, true,  false",
            "cpu,  uint8,  33, 19, 4099, 255, true, true",
            "java, uint8,  33, 19, 4099, 255, true, true"})
    void matchesExactIntegerSums(String device, String xType, int m, int n, int k, int zeroPoint, boolean perChannel,
                                 boolean withBias) {
        Device d = device.equals("java") ? Device.JAVA : Device.CPU;
        DType xt = DType.fromName(xType);
        long[] x = xt == DType.UINT8 ? randomInts(1, m * k, 0, 255) : randomInts(1, m * k, -128, 127);
        long[] w = randomInts(2, n * k, -128, 127);
        SplittableRandom r = new SplittableRandom(3);
        float[] scales = new float[perChannel ? n : 1];
        for (int j = 0; j < scales.length; j++) {
            scales[j] = (float) (1e-4 + 1e-3 * r.nextDouble());
        }
        float[] bias = null;
        if (withBias) {
            bias = new float[n];
            for (int j = 0; j < n; j++) {
                bias[j] = (float) (r.nextDouble() - 0.5);
            }
        }
        try (Scope s = Scope.open()) {
            Tensor tx = Tensor.of(x, xt, d, m, k);
            Tensor tw = Tensor.of(w, DType.INT8, d, n, k);
            Tensor ts = floats(scales, d);
            Tensor tb = bias == null ? null : floats(bias, d);
            Tensor y = F.quantizedLinear(tx, zeroPoint, tw, ts, tb);
            assertArrayEquals(new long[] {m, n}, y.shape());
            assertEquals(DType.FLOAT32, y.dtype());
            assertClose(reference(x, zeroPoint, w, scales, bias, m, n, k), y.toFloatArray(), device + " " + xType);
        }
    }

    @Test
    void batchedAndStridedInputsGiveTheSameRows() {
        int n = 5, k = 12;
        long[] x = randomInts(4, 2 * 3 * k, 0, 255);
        long[] w = randomInts(5, n * k, -128, 127);
        float[] scales = {0.01f};
        float[] expected = reference(x, 3, w, scales, null, 6, n, k);
        for (Device d : new Device[] {Device.CPU, Device.JAVA}) {
            try (Scope s = Scope.open()) {
                Tensor tx = Tensor.of(x, DType.UINT8, d, 2, 3, k);
                Tensor tw = Tensor.of(w, DType.INT8, d, n, k);
                Tensor y = F.quantizedLinear(tx, 3, tw, floats(scales, d), null);
                assertArrayEquals(new long[] {2, 3, n}, y.shape());
                assertClose(expected, y.toFloatArray(), d + " batched");
                // the transposed weight's transpose: not contiguous, same values
                Tensor strided = tw.t().contiguous().t();
                assertClose(expected, F.quantizedLinear(tx, 3, strided, floats(scales, d), null).toFloatArray(),
                        d + " strided weight");
            }
        }
    }

    /** The cpu device packs a weight once and keeps the packing per storage, offset, shape and version. */
    @Test
    void aWeightWrittenInPlaceOrAnotherViewIsNotServedAStalePacking() {
        int m = 6, n = 7, k = 40;
        long[] x = randomInts(6, m * k, 0, 127);
        long[] w = randomInts(7, 2 * n * k, -128, 127);
        long[] first = java.util.Arrays.copyOfRange(w, 0, n * k);
        long[] second = java.util.Arrays.copyOfRange(w, n * k, 2 * n * k);
        float[] scales = {0.01f};
        float[] bias = {1, 2, 3, 4, 5, 6, 7};
        for (Device d : new Device[] {Device.CPU, Device.JAVA}) {
            try (Scope s = Scope.open(); Grad off = Grad.disabled()) {
                Tensor tx = Tensor.of(x, DType.UINT8, d, m, k);
                Tensor both = Tensor.of(w, DType.INT8, d, 2 * n, k);
                Tensor top = both.narrow(0, 0, n);
                Tensor bottom = both.narrow(0, n, n);
                Tensor ts = floats(scales, d);
                Tensor tb = floats(bias, d);
                assertClose(reference(x, 5, first, scales, bias, m, n, k),
                        F.quantizedLinear(tx, 5, top, ts, tb).toFloatArray(), d + " first view");
                assertClose(reference(x, 5, second, scales, bias, m, n, k),
                        F.quantizedLinear(tx, 5, bottom, ts, tb).toFloatArray(), d + " second view");
                top.copy_(bottom);
                assertClose(reference(x, 5, second, scales, bias, m, n, k),
                        F.quantizedLinear(tx, 5, top, ts, tb).toFloatArray(), d + " first view after copy_");
            }
        }
    }

    @Test
    void badOperandsAreNamed() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(new long[] {1, 2, 3, 4}, DType.UINT8, Device.CPU, 2, 2);
            Tensor w = Tensor.of(new long[] {1, 2, 3, 4}, DType.INT8, Device.CPU, 2, 2);
            Tensor scale = floats(new float[] {0.5f}, Device.CPU);
            assertMessage("input must be uint8 or int8", () -> F.quantizedLinear(x.to(DType.FLOAT32), 0, w, scale, null));
            assertMessage("weight must be a 2-D int8", () -> F.quantizedLinear(x, 0, x, scale, null));
            assertMessage("zero point 256 is outside uint8", () -> F.quantizedLinear(x, 256, w, scale, null));
            assertMessage("zero point -1 is outside uint8", () -> F.quantizedLinear(x, -1, w, scale, null));
            assertMessage("do not fit", () -> F.quantizedLinear(x.reshape(4, 1), 0, w, scale, null));
            assertMessage("scales must be a float32 vector of 1 or 2",
                    () -> F.quantizedLinear(x, 0, w, floats(new float[] {1, 2, 3}, Device.CPU), null));
            assertMessage("bias must be a float32 vector of 2",
                    () -> F.quantizedLinear(x, 0, w, scale, floats(new float[] {1}, Device.CPU)));
            assertMessage("one device", () -> F.quantizedLinear(x, 0, w.to(Device.JAVA), scale, null));
            Tensor bias = floats(new float[] {1, 2}, Device.CPU).requiresGrad_(true);
            assertMessage("inference only", () -> F.quantizedLinear(x, 0, w, scale, bias));
            Tensor closed = Tensor.of(new long[] {1, 2, 3, 4}, DType.INT8, Device.CPU, 2, 2);
            closed.close();
            assertThrows(IllegalStateException.class, () -> F.quantizedLinear(x, 0, closed, scale, null));
        }
    }

    private static Tensor floats(float[] values, Device device) {
        return Tensor.of(values, values.length).to(device);
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
    }
}
