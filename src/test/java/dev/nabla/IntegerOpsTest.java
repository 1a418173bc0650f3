package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Integer and bool element-wise ops, comparisons to bool, logical ops, where/maskedFill and integer reductions against
 * PyTorch (fixtures/dtype/int_ops.json from scripts/make_int_fixtures.py), on the java and cpu devices.
 */
class IntegerOpsTest {

    private static Device device(String name) {
        return name.equals("java") ? Device.JAVA : Device.CPU;
    }

    private static Tensor tensor(JsonNode values, String dtype, Device device) {
        DType t = DType.fromName(dtype);
        int n = values.size();
        if (t.isFloatingPoint()) {
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = Double.parseDouble(values.get(i).asText());
            }
            return Tensor.of(v, t, device, n);
        }
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = Long.parseLong(values.get(i).asText());
        }
        return Tensor.of(v, t, device, n);
    }

    private static void assertMatches(JsonNode c, Tensor r) {
        String what = c.get("op").asText() + " " + c.get("aDtype").asText() + " " + c.get("a") + " "
                + (c.has("b") ? c.get("bDtype").asText() + " " + c.get("b") : "");
        assertEquals(DType.fromName(c.get("outDtype").asText()), r.dtype(), what);
        JsonNode out = c.get("out");
        if (r.dtype().isFloatingPoint()) {
            double[] got = r.toDoubleArray();
            for (int i = 0; i < out.size(); i++) {
                assertEquals(Double.parseDouble(out.get(i).asText()), got[i], 0.0, what + " at " + i);
            }
        } else {
            long[] got = r.to(DType.INT64).toLongArray();
            long[] want = new long[out.size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = Long.parseLong(out.get(i).asText());
            }
            assertArrayEquals(want, got, what);
        }
    }

    private static BinaryOperator<Tensor> binary(String op) {
        return switch (op) {
            case "add" -> Tensor::add;
            case "sub" -> Tensor::sub;
            case "mul" -> Tensor::mul;
            case "maximum" -> Tensor::maximum;
            case "minimum" -> Tensor::minimum;
            case "floorDivide" -> Tensor::floorDivide;
            case "divTrunc" -> (a, b) -> a.div(b, "trunc");
            case "remainder" -> Tensor::remainder;
            case "bitwiseAnd" -> Tensor::bitwiseAnd;
            case "bitwiseOr" -> Tensor::bitwiseOr;
            case "bitwiseXor" -> Tensor::bitwiseXor;
            case "bitwiseLeftShift" -> Tensor::bitwiseLeftShift;
            case "bitwiseRightShift" -> Tensor::bitwiseRightShift;
            case "eq" -> Tensor::eq;
            case "ne" -> Tensor::ne;
            case "gt" -> Tensor::gt;
            case "ge" -> Tensor::ge;
            case "lt" -> Tensor::lt;
            case "le" -> Tensor::le;
            case "logicalAnd" -> Tensor::logicalAnd;
            case "logicalOr" -> Tensor::logicalOr;
            case "logicalXor" -> Tensor::logicalXor;
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static UnaryOperator<Tensor> unary(String op) {
        return switch (op) {
            case "neg" -> Tensor::neg;
            case "abs" -> Tensor::abs;
            case "sign" -> Tensor::sign;
            case "square" -> Tensor::square;
            case "relu" -> Tensor::relu;
            case "bitwiseNot" -> Tensor::bitwiseNot;
            case "logicalNot" -> Tensor::logicalNot;
            case "clamp" -> t -> t.clamp(-5, 100);
            case "sum" -> Tensor::sum;
            case "max" -> Tensor::max;
            case "min" -> Tensor::min;
            case "all" -> Tensor::all;
            case "any" -> Tensor::any;
            case "sumDim0" -> t -> t.reshape(-1, 1).sum(0, false);
            case "addLong" -> t -> t.add(300);
            case "mulLong" -> t -> t.mul(3);
            case "subLong" -> t -> t.sub(2);
            case "floorDivideLong" -> t -> t.floorDivide(-3);
            case "remainderLong" -> t -> t.remainder(-3L);
            default -> throw new IllegalArgumentException(op);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "cpu"})
    void binaryOpsMatchPyTorch(String dev) throws IOException {
        Device d = device(dev);
        for (JsonNode c : DTypePromotionTest.fixture("int_ops.json").get("binary")) {
            Tensor a = tensor(c.get("a"), c.get("aDtype").asText(), d);
            Tensor b = tensor(c.get("b"), c.get("bDtype").asText(), d);
            assertMatches(c, binary(c.get("op").asText()).apply(a, b));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "cpu"})
    void unaryOpsScalarOpsAndReductionsMatchPyTorch(String dev) throws IOException {
        Device d = device(dev);
        for (JsonNode c : DTypePromotionTest.fixture("int_ops.json").get("unary")) {
            Tensor a = tensor(c.get("a"), c.get("aDtype").asText(), d);
            Tensor r = unary(c.get("op").asText()).apply(a);
            assertEquals(c.get("outShape").size(), r.dim(), c.get("op").asText());
            assertMatches(c, r);
        }
    }

    @Test
    void whereAndMaskedFillMatchPyTorch() throws IOException {
        JsonNode w = DTypePromotionTest.fixture("int_ops.json").get("where");
        Tensor cond = tensor(w.get("cond"), "bool", Device.CPU);
        Tensor r = Tensor.where(cond, tensor(w.get("a"), "int8", Device.CPU), tensor(w.get("b"), "int32", Device.CPU));
        assertEquals(DType.INT32, r.dtype());
        assertArrayEquals(longs(w.get("out")), r.to(DType.INT64).toLongArray());
        Tensor filled = Tensor.of(new long[] {1L << 62, 2, 3, 4}).maskedFill(cond, (1L << 62) + 1);
        assertArrayEquals(longs(w.get("maskedFill")), filled.toLongArray());
        Tensor inPlace = Tensor.of(new long[] {1L << 62, 2, 3, 4});
        inPlace.maskedFill_(cond, (1L << 62) + 1);
        assertArrayEquals(longs(w.get("maskedFill")), inPlace.toLongArray());
    }

    private static long[] longs(JsonNode values) {
        long[] v = new long[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = Long.parseLong(values.get(i).asText());
        }
        return v;
    }

    @Test
    void whereIsDifferentiableInBothBranches() {
        Tensor a = Tensor.of(new double[] {1, 2, 3}, DType.FLOAT64, Device.CPU, 3).requiresGrad_(true);
        Tensor b = Tensor.of(new double[] {4, 5, 6}, DType.FLOAT64, Device.CPU, 3).requiresGrad_(true);
        Tensor cond = Tensor.of(new boolean[] {true, false, true});
        Tensor.where(cond, a, b).mul(Tensor.of(new double[] {1, 10, 100}, DType.FLOAT64, Device.CPU, 3)).sum()
                .backward();
        assertArrayEquals(new double[] {1, 0, 100}, a.grad().toDoubleArray());
        assertArrayEquals(new double[] {0, 10, 0}, b.grad().toDoubleArray());
    }

    @Test
    void comparisonsGiveBoolAndExactInt64() {
        Tensor big = Tensor.of(new long[] {Long.MAX_VALUE, Long.MAX_VALUE - 1});
        Tensor r = big.eq(Long.MAX_VALUE);
        assertEquals(DType.BOOL, r.dtype());
        assertArrayEquals(new boolean[] {true, false}, r.toBooleanArray()); // through double both would be equal
        Tensor f = Tensor.of(new float[] {0.5f, 2f}).gt(1.0);
        assertEquals(DType.BOOL, f.dtype());
        assertArrayEquals(new boolean[] {false, true}, f.toBooleanArray());
    }

    @Test
    void integerDivisionByZeroThrowsNamingTheOp() {
        Tensor a = Tensor.of(new long[] {1, 2});
        Tensor zero = Tensor.of(new long[] {1, 0});
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> a.floorDivide(zero));
        assertTrue(e.getMessage().contains("floorDivide"), e.getMessage());
        e = assertThrows(ArithmeticException.class, () -> a.remainder(zero));
        assertTrue(e.getMessage().contains("remainder"), e.getMessage());
        assertThrows(ArithmeticException.class, () -> a.div(zero, "trunc"));
    }

    @Test
    void badInputGetsClearErrors() {
        Tensor f = Tensor.of(new float[] {1f, 2f});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.bitwiseAnd(f));
        assertTrue(e.getMessage().contains("bitwiseAnd") && e.getMessage().contains("float32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, f::bitwiseNot);
        e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new long[] {1, 2}).mean());
        assertEquals("mean(): could not infer output dtype. Input dtype must be either a floating point or complex "
                + "dtype. Got: Long", e.getMessage());
        Tensor bools = Tensor.of(new boolean[] {true});
        assertThrows(IllegalArgumentException.class, bools::neg);
        assertThrows(IllegalArgumentException.class, () -> bools.sub(bools));
        assertThrows(IllegalArgumentException.class, () -> Tensor.where(f, f, f));
        assertThrows(IllegalArgumentException.class, () -> f.div(f, "round"));
    }

    @Test
    void longScalarsOnFloatTensorsEqualDoubleScalars() {
        Tensor x = Tensor.of(new float[] {0.1f, -2.5f, 3e7f});
        assertArrayEquals(x.add(2.0).toFloatArray(), x.add(2).toFloatArray());
        assertArrayEquals(x.mul(3.0).toFloatArray(), x.mul(3).toFloatArray());
        assertArrayEquals(x.sub(7.0).toFloatArray(), x.sub(7).toFloatArray());
        assertArrayEquals(x.clamp(-1.0, 1.0).toFloatArray(), x.clamp(-1, 1).toFloatArray());
        assertEquals(DType.FLOAT32, x.add(2).dtype());
    }

    @Test
    void int64StaysExactBeyondDoublePrecision() {
        Tensor x = Tensor.of(new long[] {(1L << 53) + 1});
        assertArrayEquals(new long[] {(1L << 53) + 2}, x.add(1).toLongArray());
        assertArrayEquals(new long[] {(1L << 53) + 1}, Tensor.zeros(DType.INT64, Device.CPU, 1).fill_((1L << 53) + 1)
                .toLongArray());
    }
}
