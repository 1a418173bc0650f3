package dev.nabla.examples.fashion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogProgressTest {
    /** An epoch of 10,000 images in steps of 100 images, one step per simulated second (100 img/s). */
    private static List<String> lines(double intervalSeconds) {
        StringWriter text = new StringWriter();
        long[] now = {0};
        try (var p = new LogProgress("epoch 2/5", 10_000, new PrintWriter(text), intervalSeconds, () -> now[0])) {
            for (int i = 0; i < 100; i++) {
                now[0] += 1_000_000_000L;
                p.step(100, 0.5);
            }
        }
        assertFalse(text.toString().contains("\r"), text.toString());
        return text.toString().lines().toList();
    }

    @Test
    void aPlainLineEveryIntervalWithOneSpeedAndAnEta() {
        List<String> lines = lines(30);
        // at 30, 60 and 90 s; not at the end of the epoch (its summary line is the caller's)
        assertEquals(3, lines.size(), lines.toString());
        assertEquals("epoch 2/5: 3000/10000 img (30%), loss 0.5000, 100 img/s, ETA 70 s", lines.get(0));
        assertTrue(lines.get(2).startsWith("epoch 2/5: 9000/10000 img (90%)"), lines.get(2));
    }

    @Test
    void anEpochShorterThanTheIntervalPrintsNothing() {
        assertEquals(List.of(), lines(1000));
    }
}
