package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.fixtures.Json;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code F.unfold}/{@code F.fold} against PyTorch's {@code torch.nn.functional.unfold}/{@code fold} (fixture from
 * scripts/make_unfold_fixture.py): forward values, fold of the columns, and the input's gradient, on both host
 * devices in float64 and float32.
 */
class UnfoldFoldTest extends ScopedTest {
    private static final String PATH = "/fixtures/nn/unfold_fold.json";

    static Stream<Arguments> cases() {
        List<Object> cases = Json.list(Json.map(Json.resource(PATH, PATH + " is missing; regenerate it with "
                + "/usr/bin/python3 scripts/make_unfold_fixture.py src/test/resources/fixtures/nn")).get("cases"));
        return cases.stream().flatMap(c -> Stream.of(Device.CPU, Device.JAVA).flatMap(d ->
                Stream.of(DType.FLOAT64, DType.FLOAT32).map(t -> Arguments.of(Json.map(c).get("name"), c, d, t))));
    }

    @ParameterizedTest(name = "{0} on {2} {3}")
    @MethodSource("cases")
    void matchesPyTorch(String name, Object raw, Device device, DType dtype) {
        Map<String, Object> c = Json.map(raw);
        int[] k = ints(c.get("kernel"));
        int[] dil = ints(c.get("dilation"));
        int[] pad = ints(c.get("padding"));
        int[] str = ints(c.get("stride"));
        double tol = dtype == DType.FLOAT64 ? 1e-12 : 1e-5;
        Tensor x = tensor(c.get("x"), dtype, device).requiresGrad_(true);
        Tensor cols = F.unfold(x, k, dil, pad, str);
        assertClose(c.get("unfold"), cols, tol);
        Tensor folded = F.fold(cols.detach(), new long[] {x.size(2), x.size(3)}, k, dil, pad, str);
        assertClose(c.get("fold"), folded, tol);
        cols.mul(tensor(c.get("gcols"), dtype, device)).sum().backward();
        assertClose(c.get("grad_x"), x.grad(), tol);
    }

    @Test
    void badArgumentsAreNamed() {
        Tensor x = Tensor.zeros(1, 1, 4, 4);
        var e = assertThrows(IllegalArgumentException.class,
                () -> F.unfold(x, new int[] {3}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}));
        assertTrue(e.getMessage().contains("unfold") && e.getMessage().contains("[3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> F.unfold(x, new int[] {5, 5}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        Tensor cols = Tensor.zeros(1, 5, 9);
        e = assertThrows(IllegalArgumentException.class, () -> F.fold(cols, new long[] {4, 4}, new int[] {2, 2},
                new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}));
        assertTrue(e.getMessage().contains("fold") && e.getMessage().contains("C*2*2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.fold(Tensor.zeros(1, 4, 9), new long[] {4},
                new int[] {2, 2}, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}));
        assertTrue(e.getMessage().contains("outputSize"), e.getMessage());
        // the pooling and convolution entry points share the same check of their {height, width} pairs
        e = assertThrows(IllegalArgumentException.class,
                () -> F.maxPool2d(x, new int[] {2, 2}, new int[] {2}, new int[] {0, 0}, new int[] {1, 1}));
        assertTrue(e.getMessage().startsWith("maxPool2d:") && e.getMessage().contains("[2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> F.conv2d(x, Tensor.zeros(1, 1, 2, 2), null,
                new int[] {1, 1}, new int[] {0}, new int[] {1, 1}, 1));
        assertTrue(e.getMessage().startsWith("conv2d:") && e.getMessage().contains("[0]"), e.getMessage());
    }

    private static int[] ints(Object o) {
        return Json.list(o).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
    }

    private static Tensor tensor(Object o, DType dtype, Device device) {
        Map<String, Object> m = Json.map(o);
        long[] shape = Json.list(m.get("shape")).stream().mapToLong(v -> ((Number) v).longValue()).toArray();
        double[] data = Json.list(m.get("data")).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
        return Tensor.of(data, dtype, device, shape);
    }

    private static void assertClose(Object expected, Tensor actual, double tol) {
        Map<String, Object> m = Json.map(expected);
        long[] shape = Json.list(m.get("shape")).stream().mapToLong(v -> ((Number) v).longValue()).toArray();
        assertArrayEquals(shape, actual.shape());
        double[] want = Json.list(m.get("data")).stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
        double[] got = actual.toDoubleArray();
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), "element " + i);
        }
    }
}
