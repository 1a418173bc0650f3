package dev.nabla.base;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.ChildJvm;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link LazyLogger} starts the logging system only when something is logged, and the record then names the class that
 * logged (the JDK's caller inference skips the wrapper). The cpu device's start-up (OpenBLAS found and loaded, and a
 * 64 x 64 product, which loads oneDNN where it is installed) does not start it either. Checked in child JVMs, where
 * {@code java.util.logging.config.class} announces when the logging system starts.
 */
class LazyLoggerTest {

    @Test
    void startsLoggingOnlyWhenSomethingIsLogged() throws Exception {
        String quiet = runChild("quiet");
        assertTrue(quiet.contains("done"), quiet);
        assertEquals(-1, quiet.indexOf("logging-started"), quiet);

        String logs = runChild("log");
        assertTrue(logs.contains("logging-started"), logs);
        assertTrue(logs.indexOf("logging-started") < logs.indexOf("lazy-logger-message"), logs);
        assertTrue(logs.contains(LoggingMain.class.getName() + " main"), logs); // SimpleFormatter's source line
    }

    @Test
    void answersItsName() {
        assertEquals(LazyLoggerTest.class.getName(), LazyLogger.of(LazyLoggerTest.class).getName());
    }

    private static String runChild(String mode) throws Exception {
        return ChildJvm.run(List.of("--enable-native-access=ALL-UNNAMED",
                "-Djava.util.logging.config.class=" + AnnounceConfig.class.getName()), LoggingMain.class, mode);
    }

    /** Named by {@code java.util.logging.config.class}: {@code LogManager} creates it when logging starts. */
    public static final class AnnounceConfig {
        /** Announces, then reads the JDK's default configuration as LogManager would have. */
        public AnnounceConfig() throws Exception {
            System.out.println("logging-started");
            try (var in = java.nio.file.Files.newInputStream(java.nio.file.Path.of(System.getProperty("java.home"),
                    "conf", "logging.properties"))) {
                java.util.logging.LogManager.getLogManager().readConfiguration(in);
            }
        }
    }

    /** Child JVM: a lazy logger, a 64 x 64 matrix product on the cpu device, and one WARNING if asked. */
    static final class LoggingMain {
        private static final System.Logger LOG = LazyLogger.of(LoggingMain.class);

        private LoggingMain() {
        }

        /** {@code quiet}: nothing logged; {@code log}: one WARNING. Prints {@code done}. */
        public static void main(String[] args) {
            // 64 x 64: large enough for oneDNN's matmul where it is installed, so its loading is covered too
            try (Tensor a = Tensor.ones(DType.FLOAT32, Device.CPU, 64, 64); Tensor b = a.matmul(a); Tensor s = b.sum()) {
                if (s.item() != 64 * 64 * 64) {
                    throw new AssertionError("64x64 ones squared should sum to 262144, got " + s.item());
                }
            }
            if (args[0].equals("log")) {
                LOG.log(System.Logger.Level.WARNING, "lazy-logger-message");
            }
            System.out.println("done");
        }
    }
}
