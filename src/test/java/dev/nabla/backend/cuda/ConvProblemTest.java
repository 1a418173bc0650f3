package dev.nabla.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import org.junit.jupiter.api.Test;

/** Convolution shapes checked and turned into descriptor and algorithm cache keys. */
class ConvProblemTest {
    private static final ConvGeometry G = new ConvGeometry(3, 3, 2, 1, 1, 0, 1, 2);

    private static ConvProblem problem(ScalarType t, ConvGeometry g, boolean tf32) {
        // H: (9 + 2 - 2 - 1) / 2 + 1 = 5; W: (7 + 0 - 4 - 1) / 1 + 1 = 3
        return ConvProblem.of(t, new long[] {2, 4, 9, 7}, new long[] {6, 2, 3, 3}, g, 2, new long[] {2, 6, 5, 3}, tf32);
    }

    @Test
    void theKeysDescribeEveryOperand() {
        ConvProblem p = problem(ScalarType.FLOAT32, G, false);
        assertEquals(new TensorKey(ScalarType.FLOAT32, 2, 4, 9, 7), p.x());
        assertEquals(new FilterKey(ScalarType.FLOAT32, 6, 2, 3, 3), p.w());
        assertEquals(new TensorKey(ScalarType.FLOAT32, 2, 6, 5, 3), p.y());
        assertEquals(new ConvKey(ScalarType.FLOAT32, G, 2, false), p.conv());
        assertEquals(new TensorKey(ScalarType.FLOAT32, 1, 6, 1, 1), p.bias());
        assertTrue(p.describe().contains("groups=2"), p.describe());
    }

    @Test
    void equalProblemsShareAKeyAndAnyDifferenceSeparatesThem() {
        ConvProblem p = problem(ScalarType.FLOAT32, G, false);
        assertEquals(p, problem(ScalarType.FLOAT32, new ConvGeometry(3, 3, 2, 1, 1, 0, 1, 2), false));
        assertEquals(p.hashCode(), problem(ScalarType.FLOAT32, G, false).hashCode());
        assertNotEquals(p, problem(ScalarType.FLOAT64, G, false));
        assertNotEquals(p, problem(ScalarType.FLOAT32, G, true));
        var forward = ConvAlgorithms.Key.current(p, ConvDirection.FORWARD);
        assertNotEquals(forward, ConvAlgorithms.Key.current(p, ConvDirection.BACKWARD_DATA));
        assertEquals(forward, ConvAlgorithms.Key.current(problem(ScalarType.FLOAT32, G, false), ConvDirection.FORWARD));
    }

    @Test
    void mismatchedShapesAreNamed() {
        ConvGeometry g = new ConvGeometry(3, 3, 1, 1, 1, 1, 1, 1);
        String groups = assertThrows(IllegalArgumentException.class, () -> ConvProblem.of(ScalarType.FLOAT32,
                new long[] {1, 4, 8, 8}, new long[] {6, 4, 3, 3}, g, 2, new long[] {1, 6, 8, 8}, false)).getMessage();
        assertTrue(groups.contains("groups=2"), groups);
        String kernel = assertThrows(IllegalArgumentException.class, () -> ConvProblem.of(ScalarType.FLOAT32,
                new long[] {1, 4, 8, 8}, new long[] {6, 4, 5, 5}, g, 1, new long[] {1, 6, 8, 8}, false)).getMessage();
        assertTrue(kernel.contains("kernel 3x3"), kernel);
        String out = assertThrows(IllegalArgumentException.class, () -> ConvProblem.of(ScalarType.FLOAT32,
                new long[] {1, 4, 8, 8}, new long[] {6, 4, 3, 3}, g, 1, new long[] {1, 6, 7, 8}, false)).getMessage();
        assertTrue(out.contains("should be [1, 6, 8, 8]"), out);
        String rank = assertThrows(IllegalArgumentException.class, () -> ConvProblem.of(ScalarType.FLOAT32,
                new long[] {4, 8, 8}, new long[] {6, 4, 3, 3}, g, 1, new long[] {1, 6, 8, 8}, false)).getMessage();
        assertTrue(rank.contains("[N, C, H, W]"), rank);
    }

    @Test
    void keysRejectOtherDtypesAndEmptySizes() {
        String dtype = assertThrows(IllegalArgumentException.class,
                () -> new TensorKey(ScalarType.INT32, 1, 1, 1, 1)).getMessage();
        assertTrue(dtype.contains("float32 and float64 only"), dtype);
        assertThrows(IllegalArgumentException.class, () -> new FilterKey(ScalarType.FLOAT64, 0, 1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new ConvKey(ScalarType.FLOAT64, G, 0, false));
    }
}
