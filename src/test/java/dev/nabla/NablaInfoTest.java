package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class NablaInfoTest {
    @Test
    void versionIsTheProjectVersionFromThePom() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>nabla-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find(), "no parent version in pom.xml");
        assertEquals(m.group(1), Nabla.version());
    }

    @Test
    void infoNamesVersionsBackendsLibrariesAndThreads() {
        String info = Nabla.info();
        assertTrue(info.lines().count() >= 8, info);
        assertTrue(info.startsWith("Nabla " + Nabla.version() + "\n"), info);
        assertTrue(info.contains("Java " + System.getProperty("java.version")), info);
        boolean vector = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        assertTrue(info.contains(vector ? "Vector API: in use" : "Vector API: not in use"), info);
        assertTrue(info.contains("threads: " + Device.cpuThreads() + " per kernel call"), info);
        if (Device.CPU.isNative()) {
            // the loaded library with its absolute path
            assertTrue(info.contains("cpu device: OpenBLAS") && info.matches("(?s).*OpenBLAS: OpenBLAS /\\S+.*"), info);
        } else {
            assertTrue(info.contains("OpenBLAS: not found; tried: "), info);
        }
        assertTrue(info.contains(Device.cudaAvailable() ? "cuda:0 device: " : "cuda device: not available"), info);
    }
}
