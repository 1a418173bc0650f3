package dev.nabla.backend.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.ChildJvm;
import java.util.ArrayList;
import java.util.List;
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
        var jvmOptions = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED"));
        jvmOptions.addAll(options);
        String output = ChildJvm.run(jvmOptions, BothBackendsMain.class);
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
