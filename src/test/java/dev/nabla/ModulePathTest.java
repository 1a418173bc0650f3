package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The library as the JPMS module {@code dev.nabla}: a program on the module path trains a small network with only
 * {@code --enable-native-access=dev.nabla}, sees only the API packages exported and cannot reach the internals.
 * (The other tests run on the class path, where the library works as before.)
 */
class ModulePathTest {

    @Test
    void trainsOnTheModulePathAndExportsOnlyTheApi() throws Exception {
        List<String> modulePath = new ArrayList<>();
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (Files.exists(p.resolve("module-info.class"))) {
                modulePath.add(entry); // the library's classes: the exploded module
            } else if (p.getFileName().toString().startsWith("jackson-")) {
                modulePath.add(entry);
            } else if (!Files.isDirectory(p) && !p.getFileName().toString().startsWith("junit")) {
                classPath.add(entry); // e.g. the OpenBLAS natives jar, read as resources
            }
        }
        assertTrue(modulePath.stream().anyMatch(e -> Files.exists(Path.of(e, "module-info.class"))),
                "the library's classes with module-info.class on " + System.getProperty("java.class.path"));
        Path probe = Path.of(getClass().getResource("/modulepath/ModulePathProbe.java").toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--module-path", String.join(File.pathSeparator, modulePath),
                "--add-modules", "dev.nabla", "--enable-native-access=dev.nabla"));
        if (!classPath.isEmpty()) {
            cmd.addAll(List.of("-cp", String.join(File.pathSeparator, classPath)));
        }
        cmd.add(probe.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "probe failed:\n" + out + err);

        assertTrue(out.contains("module: dev.nabla, named true"), out);
        String[] loss = out.lines().filter(l -> l.startsWith("loss: ")).findFirst().orElseThrow()
                .substring(6).split(" -> ");
        assertTrue(Double.parseDouble(loss[1]) < 0.5 * Double.parseDouble(loss[0]), "did not train: " + out);
        for (String pkg : List.of("dev.nabla.internal", "dev.nabla.backend", "dev.nabla.memory", "dev.nabla.nativelib",
                "dev.nabla.bindings.openblas")) {
            assertTrue(out.contains(pkg + " exported: false"), pkg + " must not be exported:\n" + out);
        }
        assertTrue(out.contains("internal accessor: closed"), out);
        // Native access granted to the module: no restricted-method warnings (they name the module otherwise).
        assertFalse(err.contains("restricted method"), err);
        assertEquals(Device.CPU.isNative(), out.contains("native true"), "same cpu backend as on the class path:\n" + out);
    }
}
