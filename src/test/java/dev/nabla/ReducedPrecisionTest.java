package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * bfloat16 and float16 ops against PyTorch (fixtures/dtype/reduced_ops.json from
 * scripts/make_reduced_precision_fixtures.py): computed in float32, each result rounded once to the 16-bit type.
 * Results agree within one unit in the last place of the 16-bit type (PyTorch's float32 kernels round differently
 * from ours in the last float32 bits, which can tip a 16-bit rounding).
 */
class ReducedPrecisionTest {

    @ParameterizedTest
    @EnumSource(value = Device.Kind.class, names = {"CPU", "JAVA"})
    void opsMatchPyTorchAtTheirPrecision(Device.Kind kind) throws IOException {
        Device device = kind == Device.Kind.CPU ? Device.CPU : Device.JAVA;
        for (JsonNode c : DTypePromotionTest.fixture("reduced_ops.json").get("cases")) {
            DType dtype = DType.fromName(c.get("dtype").asText());
            try (Scope scope = Scope.open()) {
                Tensor a = tensor(c.get("a"), dtype, device, 6, 5);
                Tensor b = tensor(c.get("b"), dtype, device, 6, 5);
                Tensor m = tensor(c.get("m"), dtype, device, 5, 7);
                Tensor row = tensor(c.get("row"), dtype, device, 5);
                Tensor big = tensor(c.get("big"), dtype, device, 4096);
                Map<String, Function<Void, Tensor>> ops = Map.ofEntries(
                        Map.entry("add", v -> a.add(b)), Map.entry("sub", v -> a.sub(b)),
                        Map.entry("mul", v -> a.mul(b)), Map.entry("div", v -> a.div(b)),
                        Map.entry("add_row", v -> a.add(row)), Map.entry("exp", v -> a.div(4).exp()),
                        Map.entry("tanh", v -> a.tanh()), Map.entry("sigmoid", v -> a.sigmoid()),
                        Map.entry("relu", v -> a.relu()), Map.entry("sqrt", v -> a.abs().sqrt()),
                        Map.entry("neg", v -> a.neg()), Map.entry("mul_scalar", v -> a.mul(0.3)),
                        Map.entry("sum_dim1", v -> a.sum(1, false)), Map.entry("mean_dim0", v -> a.mean(0, false)),
                        Map.entry("max_dim1", v -> a.max(1, false)), Map.entry("sum_big", v -> big.sum()),
                        Map.entry("matmul", v -> a.matmul(m)), Map.entry("softmax", v -> a.softmax(1)),
                        Map.entry("log_softmax", v -> a.logSoftmax(1)));
                for (Iterator<Map.Entry<String, JsonNode>> it = c.get("ops").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String what = device + " " + dtype + " " + e.getKey();
                    Tensor got = ops.get(e.getKey()).apply(null);
                    assertEquals(dtype, got.dtype(), what + " keeps the dtype");
                    double[] expected = doubles(e.getValue().get("values"));
                    double[] values = got.toDoubleArray();
                    assertEquals(expected.length, values.length, what);
                    for (int i = 0; i < values.length; i++) {
                        double tol = ulp(dtype, expected[i]);
                        assertTrue(Math.abs(values[i] - expected[i]) <= tol,
                                what + "[" + i + "]: expected " + expected[i] + ", got " + values[i]);
                    }
                }
            }
        }
    }

    /** One unit in the last place of {@code dtype} at {@code v}'s magnitude. */
    static double ulp(DType dtype, double v) {
        int mantissaBits = dtype == DType.BFLOAT16 ? 7 : 10;
        int e = Math.max(Math.getExponent(v), dtype == DType.BFLOAT16 ? -126 : -14);
        return Math.scalb(1.0, e - mantissaBits);
    }

    static Tensor tensor(JsonNode values, DType dtype, Device device, long... shape) {
        return Tensor.of(doubles(values), dtype, device, shape);
    }

    static double[] doubles(JsonNode n) {
        return JsonArrays.doubles(n);
    }
}
