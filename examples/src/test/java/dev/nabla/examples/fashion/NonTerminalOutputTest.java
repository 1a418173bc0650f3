package dev.nabla.examples.fashion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NonTerminalOutputTest {
    @Test
    void oneLinePerEpochAndNoCarriageReturns(@TempDir Path dir) {
        assertFalse(Progress.onTerminal(), "the test JVM must not have a terminal");
        FashionRuns.Run r = FashionRuns.train(dir, "--epochs", "2");
        assertEquals(0, r.status(), r.toString());
        assertFalse(r.out().contains("\r") || r.err().contains("\r"), "\\r in the output: " + r);
        assertEquals(2, r.epochLines().size(), r.out());
        assertTrue(r.epochLines().get(1).matches("epoch 2/2: train loss \\d\\.\\d{4}, test loss \\d\\.\\d{4}, "
                + "test accuracy \\d\\.\\d{4} \\(\\d+\\.\\d s, \\d+ img/s\\)"), r.epochLines().get(1));
        // the progress of epochs shorter than --progress-seconds (60) adds nothing
        assertFalse(r.err().contains("epoch "), r.err());
    }
}
