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

/**
 * The library is quiet: a plain run logs nothing (what it loaded is in {@code Nabla.info()}), and a fallback the user
 * should know about is one WARNING.
 */
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

    /**
     * Control: the same run with an OpenBLAS path that cannot be used shows the library's WARNING on stderr (the search
     * then goes on and finds the system's OpenBLAS), so the test above can fail.
     */
    @Test
    void aFallbackIsAWarning(@TempDir Path dir) throws Exception {
        Path notALibrary = Files.writeString(dir.resolve("libopenblas.so.0"), "not an ELF file");
        String err = stderrOf(List.of("-Dnabla.openblas.path=" + notALibrary));
        assertTrue(err.lines().anyMatch(l -> l.startsWith("WARNING:") && l.contains("nabla.openblas.path")), err);
        assertTrue(err.contains("dev.nabla"), err); // the source line names the library's class
    }
}
