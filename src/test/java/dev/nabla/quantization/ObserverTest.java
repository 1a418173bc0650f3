package dev.nabla.quantization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nabla.DType;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The observers against PyTorch's (MinMaxObserver, MovingAverageMinMaxObserver, HistogramObserver,
 * PerChannelMinMaxObserver) on the same batches: the same scale (float32 bits) and zero point.
 */
class ObserverTest {
    private static Observer make(String kind, DType dtype, boolean reduceRange) {
        return switch (kind) {
            case "minmax" -> new MinMaxObserver(dtype, false, reduceRange);
            case "movingAverage" -> new MovingAverageMinMaxObserver(dtype, false, reduceRange,
                    MovingAverageMinMaxObserver.DEFAULT_AVERAGING_CONSTANT);
            case "histogram" -> new HistogramObserver(dtype, reduceRange);
            default -> throw new IllegalArgumentException(kind);
        };
    }

    @Test
    void observersMatchPyTorch() {
        JsonNode data = QuantFixtures.STATIC.get("observerData");
        int checked = 0;
        for (JsonNode c : QuantFixtures.STATIC.get("observers")) {
            DType dtype = c.get("dtype").asText().equals("uint8") ? DType.UINT8 : DType.INT8;
            Observer obs = make(c.get("kind").asText(), dtype, c.get("reduceRange").asBoolean());
            try (Scope s = Scope.open()) {
                for (JsonNode batch : data.get(c.get("data").asText())) {
                    obs.observe(Tensor.of(QuantFixtures.floats(batch), batch.size()));
                }
            }
            QParams p = obs.qparams();
            String what = c.get("kind").asText() + " on " + c.get("data").asText() + " " + dtype + " reduceRange="
                    + c.get("reduceRange").asBoolean();
            assertEquals((float) c.get("scale").asDouble(), (float) p.scale(), what);
            assertEquals(c.get("zeroPoint").asLong(), p.zeroPoint(), what);
            checked++;
        }
        assertEquals(60, checked);
    }

    @Test
    void perChannelWeightsMatchPyTorch() {
        for (JsonNode c : QuantFixtures.STATIC.get("perChannel")) {
            long[] shape = QuantFixtures.longs(c.get("shape"));
            PerChannelMinMaxObserver obs = new PerChannelMinMaxObserver();
            try (Scope s = Scope.open()) {
                obs.observe(Tensor.of(QuantFixtures.floats(c.get("w")), shape));
            }
            QParams[] p = obs.qparams();
            float[] scales = new float[p.length];
            long[] zeroPoints = new long[p.length];
            for (int i = 0; i < p.length; i++) {
                scales[i] = (float) p[i].scale();
                zeroPoints[i] = p[i].zeroPoint();
            }
            assertArrayEquals(QuantFixtures.floats(c.get("scales")), scales);
            assertArrayEquals(QuantFixtures.longs(c.get("zeroPoints")), zeroPoints);
        }
    }

    @Test
    void noDataIsNamed() {
        for (Observer o : new Observer[] {new MinMaxObserver(), new MovingAverageMinMaxObserver(),
            new HistogramObserver()}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, o::qparams);
            assertTrue(e.getMessage().contains("saw no data"), e.getMessage());
        }
        assertThrows(IllegalStateException.class, () -> new PerChannelMinMaxObserver().qparams());
        assertThrows(IllegalArgumentException.class, () -> new MinMaxObserver(DType.FLOAT32, false, false));
    }
}
