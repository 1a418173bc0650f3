package dev.nabla.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** oneDNN's search order and its failure report, with made-up inputs; the real search when libdnnl is installed. */
class DnnlLocatorTest {
    @TempDir
    Path tmp;

    @Test
    void failureListsEveryAttempt() throws IOException {
        Path emptyDir = Files.createDirectory(tmp.resolve("empty"));
        Path notALibrary = Files.writeString(tmp.resolve("libdnnl.so.2"), "not an ELF file");
        String missing = tmp.resolve("no/such/libdnnl.so.2").toString();
        var e = assertThrows(NativeLibraryException.class, () -> new SystemLibraryLocator(Dnnl.LIBRARY, missing,
                Map.of(Dnnl.LIBRARY.pathVariable(), notALibrary.toString()), List.of(emptyDir))
                .locate());

        List<String> attempts = e.attempts();
        assertEquals(3, attempts.size(), attempts.toString());
        assertTrue(attempts.get(0).startsWith("system property nabla.dnnl.path=" + missing + ": no such file"), attempts.get(0));
        assertTrue(attempts.get(1).startsWith("environment variable NABLA_DNNL_PATH=" + notALibrary + ": cannot be opened"),
                attempts.get(1));
        assertTrue(attempts.get(2).contains(emptyDir + "]: no usable libdnnl.so.2 or libdnnl.so (apt-get install libdnnl2)"),
                attempts.get(2));
        assertTrue(e.getMessage().startsWith("oneDNN (libdnnl) could not be loaded. Tried:"), e.getMessage());
    }

    @Test
    void unsetVariablesAreReportedAsSuch() {
        var e = assertThrows(NativeLibraryException.class,
                () -> new SystemLibraryLocator(Dnnl.LIBRARY, null, Map.of(), List.of()).locate());
        assertEquals("system property nabla.dnnl.path: not set", e.attempts().get(0));
        assertEquals("environment variable NABLA_DNNL_PATH: not set", e.attempts().get(1));
    }

    @Test
    void loadsTheSystemLibraryWhenInstalled() {
        Path debian = Path.of("/usr/lib/x86_64-linux-gnu/libdnnl.so.2");
        Assumptions.assumeTrue(Files.isRegularFile(debian), "libdnnl2 is not installed");
        SystemLibraryLocator.Located found =
                new SystemLibraryLocator(Dnnl.LIBRARY, null, Map.of(), List.of(debian.getParent())).locate();
        assertEquals(debian, found.path());
        Dnnl dnnl = Dnnl.load().orElseThrow(() -> new AssertionError(Dnnl.attempts()));
        assertTrue(dnnl.version().startsWith("2."), dnnl.toString());
    }
}
