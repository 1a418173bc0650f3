package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.base.Elements;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Type promotion and dtype conversions against PyTorch (fixtures from scripts/make_dtype_fixtures.py). */
class DTypePromotionTest {

    static JsonNode fixture(String name) throws IOException {
        try (InputStream in = DTypePromotionTest.class.getResourceAsStream("/fixtures/dtype/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing fixture " + name + "; run make fixtures");
            }
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void promoteTypesMatchesPyTorchForEveryPair() throws IOException {
        JsonNode pairs = fixture("promotion.json").get("promoteTypes");
        assertEquals(100, pairs.size());
        for (JsonNode p : pairs) {
            DType a = DType.fromName(p.get(0).asText());
            DType b = DType.fromName(p.get(1).asText());
            assertEquals(DType.fromName(p.get(2).asText()), DType.promoteTypes(a, b), a + " with " + b);
        }
    }

    @Test
    void resultTypeOfTensorsMatchesPyTorch() throws IOException {
        for (JsonNode c : fixture("promotion.json").get("resultType")) {
            try (Scope scope = Scope.open()) {
                Tensor a = operand(c.get("a").asText(), c.get("aDim").asBoolean());
                Tensor b = operand(c.get("b").asText(), c.get("bDim").asBoolean());
                assertEquals(DType.fromName(c.get("result").asText()), Tensor.resultType(a, b), c.toString());
            }
        }
    }

    @Test
    void resultTypeWithJavaScalarsMatchesPythonScalars() throws IOException {
        for (JsonNode c : fixture("promotion.json").get("scalarResultType")) {
            try (Scope scope = Scope.open()) {
                Tensor a = operand(c.get("a").asText(), c.get("aDim").asBoolean());
                DType got = c.get("scalar").asText().equals("float") ? Promotion.resultType(a, 2.5)
                        : Promotion.resultType(a, 2L);
                assertEquals(DType.fromName(c.get("result").asText()), got, c.toString());
            }
        }
    }

    private static Tensor operand(String dtype, boolean dims) {
        return dims ? Tensor.ones(DType.fromName(dtype), Device.CPU, 2) : Tensor.ones(DType.fromName(dtype), Device.CPU);
    }

    @Test
    void conversionsMatchPyTorch() throws IOException {
        for (Device device : new Device[] {Device.CPU, Device.JAVA}) {
            for (JsonNode c : fixture("conversions.json").get("cases")) {
                try (Scope scope = Scope.open()) {
                    DType from = DType.fromName(c.get("from").asText());
                    DType to = DType.fromName(c.get("to").asText());
                    JsonNode in = c.get("input");
                    Tensor src;
                    if (from == DType.INT64) {
                        long[] v = new long[in.size()];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = in.get(i).asLong();
                        }
                        src = Tensor.of(v, DType.INT64, device);
                    } else {
                        double[] v = new double[in.size()];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = number(in.get(i));
                        }
                        src = Tensor.of(v, from, device);
                    }
                    Tensor out = src.to(to);
                    assertEquals(to, out.dtype());
                    String what = device + " " + from + " -> " + to;
                    JsonNode expected = c.get("output");
                    if (to == DType.BOOL) {
                        boolean[] got = out.toBooleanArray();
                        for (int i = 0; i < got.length; i++) {
                            assertEquals(expected.get(i).asBoolean(), got[i], what + " of " + in.get(i));
                        }
                    } else if (to.isFloatingPoint()) {
                        double[] got = out.toDoubleArray();
                        for (int i = 0; i < got.length; i++) {
                            assertEquals(number(expected.get(i)), got[i], 0.0, what + " of " + in.get(i));
                        }
                    } else {
                        long[] got = out.toLongArray();
                        for (int i = 0; i < got.length; i++) {
                            assertEquals(expected.get(i).asLong(), got[i], what + " of " + in.get(i));
                        }
                    }
                }
            }
        }
    }

    @Test
    void roundingToSixteenBitFloatsGivesPyTorchsBitPatterns() throws IOException {
        for (JsonNode c : fixture("conversions.json").get("cases")) {
            if (!c.get("from").asText().equals("float32") || !c.has("bits")) {
                continue;
            }
            boolean bf16 = c.get("to").asText().equals("bfloat16");
            JsonNode in = c.get("input");
            int[] expected = new int[in.size()];
            int[] got = new int[in.size()];
            for (int i = 0; i < got.length; i++) {
                float f = (float) number(in.get(i));
                expected[i] = c.get("bits").get(i).asInt();
                got[i] = (bf16 ? Elements.floatToBfloat16(f) : Float.floatToFloat16(f)) & 0xFFFF;
                if (Float.isNaN(f)) {
                    // any NaN pattern is right: PyTorch's vector path writes 0xFFFF, its scalar path (ours) 0x7FC0
                    float back = bf16 ? Elements.bfloat16ToFloat((short) got[i]) : Float.float16ToFloat((short) got[i]);
                    assertEquals(true, Float.isNaN(back), "NaN stays NaN");
                    got[i] = expected[i];
                }
            }
            assertArrayEquals(expected, got, c.get("to").asText());
        }
    }

    @Test
    void fastHalfConversionsAgreeWithTheElementwiseRule() {
        java.util.Random r = new java.util.Random(3);
        float[] v = new float[4099];
        for (int i = 0; i < v.length; i++) {
            // random bit patterns cover ties, subnormals, infinities and NaNs
            v[i] = i % 3 == 0 ? (float) r.nextGaussian() : Float.intBitsToFloat(r.nextInt());
        }
        for (Device device : new Device[] {Device.CPU, Device.JAVA}) {
            try (Scope scope = Scope.open()) {
                Tensor x = Tensor.of(v).to(device);
                for (DType half : new DType[] {DType.BFLOAT16, DType.FLOAT16}) {
                    Tensor h = x.to(half);
                    float[] back = h.toFloatArray();
                    Tensor strided = Tensor.of(v).to(device).view(4099, 1).expand(4099, 2).to(half).select(1, 1);
                    float[] backStrided = strided.toFloatArray();
                    for (int i = 0; i < v.length; i++) {
                        short bits = half == DType.BFLOAT16 ? Elements.floatToBfloat16(v[i]) : Float.floatToFloat16(v[i]);
                        float expected = half == DType.BFLOAT16 ? Elements.bfloat16ToFloat(bits)
                                : Float.float16ToFloat(bits);
                        assertEquals(expected, back[i], 0f, device + " " + half + " of " + v[i]);
                        assertEquals(expected, backStrided[i], 0f, device + " strided " + half + " of " + v[i]);
                    }
                }
            }
        }
    }

    @Test
    void fastMaskAndLabelConversionsAgreeWithTheElementwiseRule() {
        float[] v = {0f, -0f, 1f, -2.5f, Float.NaN, Float.POSITIVE_INFINITY, 1e-45f, 3f};
        long[] labels = {0, 1, -7, (1L << 24) + 1, Long.MAX_VALUE, Long.MIN_VALUE, 255, 9};
        try (Scope scope = Scope.open()) {
            boolean[] mask = Tensor.of(v).to(DType.BOOL).toBooleanArray();
            assertArrayEquals(new boolean[] {false, false, true, true, true, true, true, true}, mask);
            assertArrayEquals(new float[] {0, 0, 1, 1, 1, 1, 1, 1}, Tensor.of(v).to(DType.BOOL).toFloatArray());
            float[] asFloat = Tensor.of(labels).to(DType.FLOAT32).toFloatArray();
            for (int i = 0; i < labels.length; i++) {
                assertEquals((float) labels[i], asFloat[i], 0f, "int64 " + labels[i]);
            }
        }
    }

    private static double number(JsonNode n) {
        return JsonArrays.number(n);
    }

    @Test
    void integerTensorsRoundTripExactlyBeyondDoublePrecision() {
        try (Scope scope = Scope.open()) {
            long[] values = {Long.MAX_VALUE, Long.MIN_VALUE, (1L << 53) + 1, -7};
            Tensor t = Tensor.of(values);
            assertEquals(DType.INT64, t.dtype());
            assertArrayEquals(values, t.toLongArray());
            assertArrayEquals(new long[] {-1, 0, 1, -7}, t.to(DType.INT32).toLongArray(), "wraps like a C cast");
            assertEquals((1L << 53) + 1, t.narrow(0, 2, 1).itemLong());
            assertArrayEquals(new boolean[] {true, false, true}, Tensor.of(new boolean[] {true, false, true})
                    .toBooleanArray());
        }
    }

    @Test
    void onlyFloatingTensorsRequireGradients() {
        try (Scope scope = Scope.open()) {
            Tensor labels = Tensor.of(new long[] {1, 2});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> labels.requiresGrad_(true));
            assertEquals(true, e.getMessage().contains("int64"), e.getMessage());
        }
    }

    @Test
    void mixedDtypesPromoteAndGradientsKeepTheirInputsDtype() {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.of(new float[] {1, 2, 3}).requiresGrad_(true);
            Tensor b = Tensor.of(new double[] {0.5, 0.25, 2});
            Tensor y = a.mul(b);
            assertEquals(DType.FLOAT64, y.dtype());
            y.sum().backward();
            assertEquals(DType.FLOAT32, a.grad().dtype());
            assertArrayEquals(new float[] {0.5f, 0.25f, 2f}, a.grad().toFloatArray());
            Tensor half = Tensor.of(new double[] {1, 2}, DType.FLOAT16, Device.CPU);
            Tensor scalar64 = Tensor.scalar(3, DType.FLOAT64, Device.CPU);
            assertEquals(DType.FLOAT16, half.mul(scalar64).dtype(), "a 0-d tensor does not promote its category");
            assertArrayEquals(new double[] {3, 6}, half.mul(scalar64).toDoubleArray());
            Tensor ints = Tensor.of(new long[] {1, 2, 3});
            assertEquals(DType.FLOAT32, ints.div(Tensor.of(new long[] {2})).dtype(), "true division");
            assertArrayEquals(new float[] {0.5f, 1f, 1.5f}, ints.div(Tensor.of(new long[] {2})).toFloatArray());
            assertArrayEquals(new float[] {3.5f, 4.5f, 5.5f}, ints.add(2.5).toFloatArray());
        }
    }
}
