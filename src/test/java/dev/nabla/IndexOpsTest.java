package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * int64 indices: argmax/argmin, gather/index_select/embedding with int64 and int32 indices, and the class losses'
 * PyTorch arguments (ignore_index, weight, reduction, label_smoothing, probability targets), against PyTorch
 * (fixtures from scripts/make_index_fixtures.py), with GradCheck for the new loss paths and the errors.
 */
class IndexOpsTest {
    private static final double TOL = 1e-12;

    static JsonNode fixture() {
        try {
            return DTypePromotionTest.fixture("index.json");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> cases(String list) {
        List<Arguments> out = new ArrayList<>();
        for (JsonNode c : fixture().get(list)) {
            for (Device d : Device.values()) {
                if (d.isHost()) {
                    out.add(Arguments.of(c.has("name") ? c.get("name").asText() : c.get("op").asText(), c, d));
                }
            }
        }
        return out.stream();
    }

    static Stream<Arguments> argReduceCases() {
        return cases("argReduce");
    }

    static Stream<Arguments> indexCases() {
        return cases("index");
    }

    static Stream<Arguments> lossCases() {
        return cases("losses");
    }

    private static long[] longs(JsonNode n) {
        return JsonArrays.longs(n);
    }

    private static double[] doubles(JsonNode n) {
        return JsonArrays.doubles(n);
    }

    private static Tensor f64(JsonNode values, JsonNode shape, Device d) {
        long[] s = longs(shape);
        double[] v = doubles(values);
        return s.length == 0 ? Tensor.scalar(v[0], DType.FLOAT64, d) : Tensor.of(v, DType.FLOAT64, d, s);
    }

    private static void assertClose(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            boolean ok = Double.isNaN(e) ? Double.isNaN(a) : Math.abs(a - e) <= TOL * (1 + Math.abs(e));
            assertTrue(ok, what + "[" + i + "]: expected " + e + ", got " + a);
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("argReduceCases")
    void argmaxAndArgminGiveInt64LikePyTorch(String name, JsonNode c, Device d) {
        try (Scope scope = Scope.open()) {
            Tensor x = f64(c.get("x"), c.get("shape"), d);
            for (DType t : new DType[] {DType.FLOAT64, DType.FLOAT32}) {
                Tensor xt = x.to(t);
                int dim = c.get("dim").asInt();
                boolean keep = c.get("keepdim").asBoolean();
                Tensor out = name.equals("argmax") ? xt.argmax(dim, keep) : xt.argmin(dim, keep);
                assertEquals(DType.INT64, out.dtype());
                assertArrayEquals(longs(c.get("outShape")), out.shape());
                assertArrayEquals(longs(c.get("out")), out.toLongArray(), name + " dim " + dim + " " + t);
            }
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("indexCases")
    void indexOpsReadInt64AndInt32Indices(String name, JsonNode c, Device d) {
        try (Scope scope = Scope.open()) {
            Tensor x = f64(c.get("x"), c.get("xShape"), d);
            DType it = DType.fromName(c.get("indexDtype").asText());
            Tensor index = Tensor.of(longs(c.get("index")), DType.INT64, d, longs(c.get("indexShape"))).to(it);
            int dim = c.get("dim").asInt();
            Tensor out = switch (name) {
                case "gather" -> x.gather(dim, index);
                case "index_select" -> x.indexSelect(dim, index);
                default -> F.embedding(index, x);
            };
            assertArrayEquals(longs(c.get("outShape")), out.shape());
            assertClose(name + " " + it, doubles(c.get("out")), out.toDoubleArray());
        }
    }

    private static Tensor loss(JsonNode c, Tensor input, Tensor target, Tensor weight) {
        Reduction r = Reduction.valueOf(c.get("reduction").asText().toUpperCase(java.util.Locale.ROOT));
        long ignore = c.get("ignoreIndex").asLong();
        return c.get("op").asText().equals("cross_entropy")
                ? F.crossEntropy(input, target, weight, ignore, r, c.get("labelSmoothing").asDouble())
                : F.nllLoss(input, target, weight, ignore, r);
    }

    private static Tensor target(JsonNode c, Device d) {
        return c.get("targetKind").asText().equals("index")
                ? Tensor.of(longs(c.get("target")), DType.INT64, d, longs(c.get("targetShape")))
                : f64(c.get("target"), c.get("targetShape"), d);
    }

    private static Tensor weight(JsonNode c, Device d) {
        JsonNode w = c.get("weight");
        return w.isNull() ? null : Tensor.of(doubles(w), DType.FLOAT64, d, w.size());
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("lossCases")
    void classLossesMatchPyTorchInValueAndGradient(String name, JsonNode c, Device d) {
        try (Scope scope = Scope.open()) {
            Tensor input = f64(c.get("input"), c.get("inputShape"), d).requiresGrad_(true);
            Tensor out = loss(c, input, target(c, d), weight(c, d));
            assertArrayEquals(longs(c.get("outShape")), out.shape());
            assertClose(name + " output", doubles(c.get("out")), out.toDoubleArray());
            out.backward(f64(c.get("gout"), c.get("outShape"), d));
            assertClose(name + " grad", doubles(c.get("grad")), input.grad().toDoubleArray());
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("lossCases")
    void classLossGradientsPassGradCheck(String name, JsonNode c, Device d) {
        if (d != Device.CPU || name.contains("all_ignored")) {
            return; // one device is enough for finite differences; an all-ignored mean is NaN by definition
        }
        try (Scope scope = Scope.open()) {
            Tensor input = f64(c.get("input"), c.get("inputShape"), d).requiresGrad_(true);
            Tensor target = target(c, d);
            Tensor weight = weight(c, d);
            GradCheck.Result r = GradCheck.check(in -> loss(c, in[0], target, weight), input);
            assertTrue(r.passed(), name + ": " + r);
        }
    }

    static Stream<Arguments> newOpCases() {
        return cases("newOps");
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("newOpCases")
    void indexProducingOpsMatchPyTorch(String name, JsonNode c, Device d) {
        try (Scope scope = Scope.open()) {
            Tensor values = null;
            Tensor indices;
            switch (name) {
                case "sort", "topk" -> {
                    Tensor x = f64(c.get("x"), c.get("shape"), d).requiresGrad_(true);
                    int dim = c.get("dim").asInt();
                    ValuesAndIndices r = name.equals("sort") ? x.sort(dim, c.get("descending").asBoolean())
                            : x.topk(c.get("k").asInt(), dim, c.get("largest").asBoolean(), true);
                    values = r.values();
                    indices = r.indices();
                    if (name.equals("sort")) {
                        assertArrayEquals(longs(c.get("indices")),
                                x.argsort(dim, c.get("descending").asBoolean()).toLongArray(), "argsort");
                    }
                    if (values.numel() > 0) {
                        values.sum().backward();
                        // each selected position gets gradient 1, the others 0 (NaN positions included)
                        double[] g = x.grad().toDoubleArray();
                        double total = 0;
                        for (double v : g) {
                            total += v;
                        }
                        assertEquals(values.numel(), total, 0.0, "gradient flows to the selected values");
                    }
                }
                case "one_hot" -> indices = F.oneHot(Tensor.of(longs(c.get("x")), DType.INT64, d,
                        longs(c.get("shape"))), c.get("numClasses").asLong());
                case "nonzero" -> indices = f64(c.get("x"), c.get("shape"), d).nonzero();
                case "bincount" -> {
                    Tensor x = Tensor.of(longs(c.get("x")), DType.INT64, d, longs(c.get("shape")));
                    Tensor w = c.get("weights").isNull() ? null : f64(c.get("weights"), c.get("shape"), d);
                    values = x.bincount(w, c.get("minlength").asLong());
                    assertEquals(DType.fromName(c.get("dtype").asText()), values.dtype());
                    indices = null;
                }
                default -> {
                    indices = Tensor.arange(c.get("start").asLong(), c.get("end").asLong(), c.get("step").asLong(),
                            DType.INT64, d);
                    assertEquals(DType.fromName(c.get("dtype").asText()), indices.dtype());
                }
            }
            if (values != null) {
                assertArrayEquals(longs(c.get("outShape")), values.shape());
                assertClose(name + " values", doubles(c.get("values")), values.toDoubleArray());
            }
            if (indices != null) {
                assertEquals(DType.INT64, indices.dtype());
                assertArrayEquals(longs(c.get("outShape")), indices.shape());
                assertArrayEquals(longs(c.get("indices")), indices.toLongArray(), name + " indices");
            }
        }
    }

    @Test
    void randintAndRandpermAreDeterministicInTheirRange() {
        try (Scope scope = Scope.open()) {
            Tensor a = Tensor.randint(new Generator(3), -2, 5, 4, 50);
            assertEquals(DType.INT64, a.dtype());
            assertArrayEquals(new long[] {4, 50}, a.shape());
            assertArrayEquals(a.toLongArray(), Tensor.randint(new Generator(3), -2, 5, 4, 50).toLongArray());
            boolean[] seen = new boolean[7];
            for (long v : a.toLongArray()) {
                assertTrue(v >= -2 && v < 5, "randint value " + v);
                seen[(int) v + 2] = true;
            }
            for (boolean s : seen) {
                assertTrue(s, "200 draws cover all 7 values");
            }
            long[] p = Tensor.randperm(new Generator(4), 20).toLongArray();
            long[] sorted = p.clone();
            java.util.Arrays.sort(sorted);
            assertArrayEquals(Tensor.arange(0, 20, 1, DType.INT64, Device.CPU).toLongArray(), sorted);
            assertArrayEquals(p, Tensor.randperm(new Generator(4), 20).toLongArray());
            assertThrows(IllegalArgumentException.class, () -> Tensor.randint(new Generator(1), 3, 3, 2));
        }
    }

    @Test
    void indexProducingOpsRejectBadArguments() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(new float[] {3, 1, 2});
            var e = assertThrows(IllegalArgumentException.class, () -> x.topk(4, 0, true, true));
            assertTrue(e.getMessage().contains("topk: k (4) is larger than dimension 0"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> F.oneHot(x, 3));
            assertEquals("oneHot: labels must be an integer tensor (int64 or int32), got float32", e.getMessage());
            var oob = assertThrows(IndexOutOfBoundsException.class, () -> F.oneHot(Tensor.of(new long[] {0, 3}), 3));
            assertEquals("oneHot: class 3 is out of range for 3 classes", oob.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new long[] {1, -1}).bincount(null, 0));
            assertTrue(e.getMessage().contains("non-negative"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> Tensor.arange(0, 5, -1, DType.INT64, Device.CPU));
            assertTrue(e.getMessage().startsWith("arange: step -1 cannot go"), e.getMessage());
        }
    }

    @Test
    void floatingIndicesAreRejectedByName() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
            Tensor floatIndex = Tensor.of(new float[] {0, 1, 1, 0}, 2, 2);
            var e = assertThrows(IllegalArgumentException.class, () -> x.gather(1, floatIndex));
            assertEquals("gather: index must be an integer tensor (int64 or int32), got float32", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> x.scatterAdd(1, floatIndex, x));
            assertTrue(e.getMessage().startsWith("scatterAdd: index must be an integer tensor"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> x.indexSelect(0, Tensor.of(new float[] {1})));
            assertTrue(e.getMessage().startsWith("indexSelect: index must be an integer tensor"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> F.embedding(Tensor.of(new double[] {1}, DType.FLOAT64, Device.CPU, 1), x));
            assertTrue(e.getMessage().startsWith("embedding: ids must be an integer tensor"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> x.gather(1, Tensor.of(new boolean[] {true,
                    false, true, true}, 2, 2)));
            assertTrue(e.getMessage().endsWith("got bool"), e.getMessage());
            Tensor floatLabels = Tensor.of(new float[] {0, 1});
            e = assertThrows(IllegalArgumentException.class, () -> F.crossEntropy(x, floatLabels));
            assertEquals("crossEntropy: target must be an integer tensor (int64 or int32), got float32",
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> F.nllLoss(x, floatLabels));
            assertTrue(e.getMessage().startsWith("nllLoss: target must be an integer tensor"), e.getMessage());
        }
    }

    @Test
    void indicesOutOfRangeNameTheValue() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            var e = assertThrows(IndexOutOfBoundsException.class,
                    () -> x.gather(1, Tensor.of(new long[] {0, 3}, 2, 1)));
            assertTrue(e.getMessage().contains("gather: index 3 is out of range for a dimension of size 3"),
                    e.getMessage());
            e = assertThrows(IndexOutOfBoundsException.class, () -> x.indexSelect(0, Tensor.of(new int[] {-1})));
            assertTrue(e.getMessage().contains("index -1"), e.getMessage());
            e = assertThrows(IndexOutOfBoundsException.class, () -> F.crossEntropy(x, Tensor.of(new long[] {0, 5})));
            assertEquals("crossEntropy: target 5 is out of range for 3 classes", e.getMessage());
            e = assertThrows(IndexOutOfBoundsException.class, () -> F.nllLoss(x, Tensor.of(new long[] {-2, 0})));
            assertEquals("nllLoss: target -2 is out of range for 3 classes", e.getMessage());
        }
    }

    @Test
    void probabilityTargetsRejectANonNegativeIgnoreIndex() {
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
            var e = assertThrows(IllegalArgumentException.class,
                    () -> F.crossEntropy(x, x.softmax(1), null, 1, Reduction.MEAN, 0.0));
            assertTrue(e.getMessage().contains("ignore_index (1) is not supported for class-probability targets"),
                    e.getMessage());
        }
    }

    @Test
    void lossModulesPassIgnoreIndexThrough() {
        try (Scope scope = Scope.open()) {
            Tensor logits = Tensor.of(new float[] {1, 2, 3, 4, 0, -1}, 3, 2);
            Tensor labels = Tensor.of(new long[] {1, 7, 0});
            var ce = new dev.nabla.nn.CrossEntropyLoss(null, 7, Reduction.SUM, 0.0);
            assertEquals(F.crossEntropy(logits, labels, null, 7, Reduction.SUM, 0.0).item(),
                    ce.forward(logits, labels).item());
            assertEquals("CrossEntropyLoss(reduction=sum, ignore_index=7, label_smoothing=0.0)", ce.toString());
            var nll = new dev.nabla.nn.NLLLoss(null, 7, Reduction.NONE);
            assertArrayEquals(F.nllLoss(logits, labels, null, 7, Reduction.NONE).toDoubleArray(),
                    nll.forward(logits, labels).toDoubleArray());
            assertEquals(0.0, nll.forward(logits, labels).toDoubleArray()[1], 0.0, "an ignored target has no loss");
        }
    }
}
