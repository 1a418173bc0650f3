package dev.nabla.backend.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A JVM without {@code --add-modules jdk.incubator.vector} gets one WARNING that names the flag when its first CPU
 * backend is created, however many are used; a JVM with it gets none. Checked in child JVMs.
 */
class VectorApiWarningTest {

    @Test
    void warnsOnceWithoutTheVectorModule() throws Exception {
        String output = runChild(List.of());
        assertEquals(1, count(output, "--add-modules jdk.incubator.vector"), output);
        assertTrue(output.contains("WARNING"), output);
    }

    @Test
    void staysQuietWithTheVectorModule() throws Exception {
        String output = runChild(List.of("--add-modules", "jdk.incubator.vector"));
        assertEquals(0, count(output, "Vector API"), output);
    }

    private static String runChild(List<String> options) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        var command = new java.util.ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED"));
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), BothBackendsMain.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes());
        }
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "child JVM did not finish");
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("backends=ok"), output);
        return output;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    /** Child JVM: creates the cpu and java backends. */
    static final class BothBackendsMain {
        private BothBackendsMain() {
        }

        /** Creates both backends and prints {@code backends=ok}. */
        public static void main(String[] args) {
            Backends.cpu();
            Backends.java();
            System.out.println("backends=ok");
        }
    }
}
