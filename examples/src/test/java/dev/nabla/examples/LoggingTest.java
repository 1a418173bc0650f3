package dev.nabla.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.examples.tutorial.TutorialNetwork;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The library is quiet by default: a plain run logs nothing at INFO; its details are there at DEBUG (JUL's FINE). */
class LoggingTest {
    /** Runs a small example in a fresh JVM (the library logs its native-library search once per JVM). */
    private static String stderrOf(List<String> jvmOptions) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TutorialNetwork.class.getName(),
                "--epochs", "1", "--train", "20", "--test", "10"));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return err;
    }

    @Test
    void aPlainRunPrintsNoInfoLine() throws Exception {
        String err = stderrOf(List.of());
        // JUL's console format puts the level first on the message line ("INFO: ..."); the JVM's own
        // "WARNING: Using incubator modules" is not the library's
        assertTrue(err.lines().noneMatch(l -> l.startsWith("INFO:") || l.contains("dev.nabla")), err);
    }

    /** Control: the same run with dev.nabla at FINE (DEBUG) shows the library loading, so the test above can fail. */
    @Test
    void theLoadingIsLoggedAtDebug(@TempDir Path dir) throws Exception {
        Path config = Files.writeString(dir.resolve("logging.properties"), """
                handlers=java.util.logging.ConsoleHandler
                java.util.logging.ConsoleHandler.level=ALL
                dev.nabla.level=FINE
                """);
        String err = stderrOf(List.of("-Djava.util.logging.config.file=" + config));
        assertTrue(err.contains("FINE: Loaded OpenBLAS") || err.contains("FINE: OpenBLAS"), err);
    }
}
