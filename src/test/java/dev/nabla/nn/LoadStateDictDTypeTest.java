package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * loadStateDict converts each saved tensor to the dtype it lands in, and with {@link LossyConversion} WARN or FAIL
 * reports a conversion that changes a value (expected values are plain Java casts and IEEE facts).
 */
class LoadStateDictDTypeTest {
    private static final LoadOptions FAIL = LoadOptions.DEFAULT.lossy(LossyConversion.FAIL);

    /** A float32 weight [2, 2], an int64 buffer [3] and an int8 buffer [1]. */
    private static final class Mixed extends Module {
        Mixed(DType weightType) {
            registerParameter("weight", Tensor.zeros(weightType, Device.CPU, 2, 2));
            registerBuffer("steps", Tensor.of(new long[] {0, 0, 0}));
            registerBuffer("small", Tensor.of(new long[] {0}, DType.INT8, Device.CPU, 1));
        }

        @Override
        public Tensor forward(Tensor input) {
            return input;
        }
    }

    private static Map<String, Tensor> state(Tensor weight, Tensor steps, Tensor small) {
        return Map.of("weight", weight, "steps", steps, "small", small);
    }

    private static Tensor f64(double... v) {
        return Tensor.of(v, DType.FLOAT64, Device.CPU, 2, 2);
    }

    @Test
    void convertsIntoTheModuleDtypesSilentlyByDefault() {
        try (Mixed m = new Mixed(DType.FLOAT32)) {
            m.loadStateDict(state(f64(0.1, -1e300, 3, Double.NaN), Tensor.of(new double[] {2.9, -1, 1e3}),
                    Tensor.of(new long[] {300})));
            float[] w = m.stateDict().get("weight").toFloatArray();
            assertArrayEquals(new float[] {0.1f, Float.NEGATIVE_INFINITY, 3f, Float.NaN}, w, 0f);
            assertEquals(DType.FLOAT32, m.stateDict().get("weight").dtype());
            assertEquals(DType.INT64, m.stateDict().get("steps").dtype());
            assertArrayEquals(new long[] {2, -1, 1000}, m.stateDict().get("steps").toLongArray());
            assertArrayEquals(new long[] {(byte) 300}, m.stateDict().get("small").toLongArray());
        }
    }

    @Test
    void failNamesKeyDtypesAndFirstChangedValueAndChangesNothing() {
        try (Mixed m = new Mixed(DType.FLOAT32)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(
                    state(f64(0.5, 2, 0.1, 4), Tensor.of(new double[] {1, 2.5, 3}), Tensor.of(new long[] {300})),
                    FAIL));
            String msg = e.getMessage();
            assertTrue(msg.contains("'weight' float64 -> float32 changes element [1, 0]: 0.1 becomes "
                    + (double) 0.1f), msg);
            assertTrue(msg.contains("'steps' float64 -> int64 changes element [1]: 2.5 becomes 2"), msg);
            assertTrue(msg.contains("'small' int64 -> int8 changes element [0]: 300 becomes 44"), msg);
            assertArrayEquals(new float[4], m.stateDict().get("weight").toFloatArray(), 0f);
            assertArrayEquals(new long[3], m.stateDict().get("steps").toLongArray());
        }
    }

    @Test
    void exactConversionsPassFail() {
        try (Mixed m = new Mixed(DType.BFLOAT16)) {
            m.loadStateDict(state(f64(0.5, -0.0, Double.NaN, Double.POSITIVE_INFINITY),
                    Tensor.of(new double[] {-0.0, 9.007199254740992E15, 3}), Tensor.of(new long[] {-128})), FAIL);
            assertArrayEquals(new long[] {0, 9007199254740992L, 3}, m.stateDict().get("steps").toLongArray());
            assertArrayEquals(new long[] {-128}, m.stateDict().get("small").toLongArray());
            assertArrayEquals(new float[] {0.5f, -0f, Float.NaN, Float.POSITIVE_INFINITY},
                    m.stateDict().get("weight").toFloatArray(), 0f);
        }
    }

    @Test
    void lossyCasesFail() {
        Object[][] cases = {
            // weight source, message fragment
            {f64(1, 1, 1, 1.0 / 256 + 1), "float64 -> bfloat16 changes element [1, 1]: 1.00390625 becomes 1.0"},
            {Tensor.of(new long[] {1, 2, 3, 16_777_217}, DType.INT64, Device.CPU, 2, 2),
                "int64 -> bfloat16 changes element [1, 1]: 16777217 becomes 1.6777216E7"},
        };
        for (Object[] c : cases) {
            try (Mixed m = new Mixed(DType.BFLOAT16)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(
                        state((Tensor) c[0], Tensor.of(new long[3]), Tensor.of(new long[1])), FAIL));
                assertTrue(e.getMessage().contains((String) c[1]), e.getMessage());
            }
        }
        try (Mixed m = new Mixed(DType.FLOAT32)) {
            for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 1e19, 0.25}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(
                        state(f64(0, 0, 0, 0), Tensor.of(new double[] {0, 0, bad}), Tensor.of(new long[1])), FAIL));
                assertTrue(e.getMessage().contains("'steps' float64 -> int64 changes element [2]: " + bad), bad
                        + ": " + e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(
                    state(Tensor.of(new long[] {0, 0, 0, (1L << 24) + 1}, DType.INT64, Device.CPU, 2, 2),
                            Tensor.of(new long[3]), Tensor.of(new long[1])), FAIL));
            assertTrue(e.getMessage().contains("int64 -> float32 changes element [1, 1]: 16777217 becomes 1.6777216E7"),
                    e.getMessage());
        }
    }

    @Test
    void warnLoadsAndLogsEachLossyKey() {
        Logger logger = Logger.getLogger(Module.class.getName());
        List<String> seen = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                seen.add(java.text.MessageFormat.format(r.getMessage(), r.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(h);
        try (Mixed m = new Mixed(DType.FLOAT32)) {
            m.loadStateDict(state(f64(0.5, 0.1, 1, 1), Tensor.of(new long[] {1, 2, 3}), Tensor.of(new long[] {5})),
                    LoadOptions.DEFAULT.lossy(LossyConversion.WARN));
            assertArrayEquals(new float[] {0.5f, 0.1f, 1, 1}, m.stateDict().get("weight").toFloatArray(), 0f);
            assertEquals(1, seen.size(), seen.toString());
            assertTrue(seen.get(0).contains("'weight' float64 -> float32 changes element [0, 1]: 0.1"), seen.get(0));
        } finally {
            logger.removeHandler(h);
        }
    }

    @Test
    void strictOptionStillReportsKeys() {
        try (Mixed m = new Mixed(DType.FLOAT32)) {
            Map<String, Tensor> partial = Map.of("weight", f64(1, 2, 3, 4), "extra", Tensor.of(new long[] {1}));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.loadStateDict(partial, FAIL));
            assertTrue(e.getMessage().contains("missing key 'steps'") && e.getMessage().contains(
                    "unexpected key 'extra'"), e.getMessage());
            m.loadStateDict(partial, FAIL.strict(false));
            assertArrayEquals(new float[] {1, 2, 3, 4}, m.stateDict().get("weight").toFloatArray(), 0f);
            assertThrows(IllegalArgumentException.class, () -> new LoadOptions(true, null));
        }
    }
}
