package dev.nabla.nativelib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search order and its failure report, run with made-up inputs. Nothing here loads a second OpenBLAS:
 * the only library any of these locators accepts is the one {@link OpenBlas#require()} already loaded.
 */
class OpenBlasLocatorTest {
    private static final ClassLoader WITHOUT_ARTIFACT = ClassLoader.getPlatformClassLoader();

    @TempDir
    Path tmp;

    private OpenBlasLocator locator(String property, Map<String, String> env, List<Path> dirs, ClassLoader loader,
                                    String platform, List<String> symbols) {
        return new OpenBlasLocator(property, env, dirs, loader, tmp.resolve("cache"), platform, symbols);
    }

    @Test
    void failureListsEveryAttempt() throws IOException {
        Path emptyDir = Files.createDirectory(tmp.resolve("empty"));
        String bogusProperty = tmp.resolve("no/such/libopenblas.so.0").toString();
        String bogusEnv = tmp.resolve("also-missing.so").toString();
        var e = assertThrows(NativeLibraryException.class, () -> locator(bogusProperty,
                Map.of(OpenBlasLocator.PATH_VARIABLE, bogusEnv), List.of(emptyDir), WITHOUT_ARTIFACT,
                BundledNatives.PLATFORM, OpenBlas.REQUIRED_SYMBOLS).locate());

        List<String> attempts = e.attempts();
        assertEquals(4, attempts.size(), e.getMessage());
        assertEquals("system property nabla.openblas.path=" + bogusProperty + ": no such file", attempts.get(0));
        assertEquals("environment variable NABLA_OPENBLAS_PATH=" + bogusEnv + ": no such file", attempts.get(1));
        assertEquals("system directory " + emptyDir + ": no libopenblas.so.0 or libopenblas.so", attempts.get(2));
        assertTrue(attempts.get(3).startsWith("Maven artifact org.bytedeco:openblas:linux-x86_64: not on the class path"),
                attempts.get(3));
        assertTrue(e.getMessage().startsWith("OpenBLAS could not be loaded. Tried:\n"), e.getMessage());
        for (String attempt : attempts) {
            assertTrue(e.getMessage().contains("\n  - " + attempt + "\n") || e.getMessage().endsWith("\n  - " + attempt),
                    e.getMessage());
        }
    }

    @Test
    void unsetSourcesAndMissingPlatformAreReported() {
        var e = assertThrows(NativeLibraryException.class, () -> locator(null, Map.of(), List.of(), WITHOUT_ARTIFACT,
                "windows-x86_64", OpenBlas.REQUIRED_SYMBOLS).locate());
        assertEquals(List.of("system property nabla.openblas.path: not set",
                "environment variable NABLA_OPENBLAS_PATH: not set",
                "system directories: none to search",
                "Maven artifact org.bytedeco:openblas:linux-x86_64: natives exist only for linux-x86_64, this is windows-x86_64"),
                e.attempts());
    }

    @Test
    void aFileThatIsNotALibraryIsRejectedWithTheLinkersReason() throws IOException {
        Path fake = Files.write(tmp.resolve("libopenblas.so.0"), new byte[4096]);
        var e = assertThrows(NativeLibraryException.class, () -> locator(fake.toString(), Map.of(), List.of(),
                WITHOUT_ARTIFACT, BundledNatives.PLATFORM, OpenBlas.REQUIRED_SYMBOLS).locate());
        String first = e.attempts().getFirst();
        assertTrue(first.contains(": cannot be opened: ") && first.contains("ELF"), first);
    }

    @Test
    void aLibraryMissingASymbolIsRejectedNamingIt() {
        Path dir = OpenBlas.require().path().getParent();
        var e = assertThrows(NativeLibraryException.class, () -> locator(null, Map.of(), List.of(dir), WITHOUT_ARTIFACT,
                BundledNatives.PLATFORM, List.of("cblas_dgemm", "nabla_no_such_symbol")).locate());
        assertTrue(e.attempts().stream().anyMatch(line -> line.startsWith("system " + dir)
                && line.endsWith(": lacks 1 required symbol(s): nabla_no_such_symbol")), e.getMessage());
    }

    @Test
    void explicitPathsComeFirst() {
        Path loaded = OpenBlas.require().path();
        var byProperty = locator(loaded.toString(), Map.of(OpenBlasLocator.PATH_VARIABLE, "/nowhere.so"), List.of(),
                WITHOUT_ARTIFACT, BundledNatives.PLATFORM, OpenBlas.REQUIRED_SYMBOLS).locate();
        assertEquals(OpenBlas.Source.PROPERTY, byProperty.source());
        assertEquals(loaded, byProperty.path());
        assertEquals(1, byProperty.attempts().size());

        var byEnvironment = locator(" ", Map.of(OpenBlasLocator.PATH_VARIABLE, loaded.toString()), List.of(),
                WITHOUT_ARTIFACT, BundledNatives.PLATFORM, OpenBlas.REQUIRED_SYMBOLS).locate();
        assertEquals(OpenBlas.Source.ENVIRONMENT, byEnvironment.source());
        assertEquals(loaded, byEnvironment.path());
    }

    @Test
    void systemDirsKeepOrderDropRepeatsAndEndWithKnownLocations() {
        String sep = File.pathSeparator;
        List<Path> dirs = OpenBlasLocator.systemDirs("/a" + sep + "/b" + sep, "/b" + sep + "rel" + sep + "/usr/lib");
        assertEquals(Path.of("/a"), dirs.get(0));
        assertEquals(Path.of("/b"), dirs.get(1));
        assertEquals(Path.of("rel").toAbsolutePath(), dirs.get(2));
        assertEquals(Path.of("/usr/lib"), dirs.get(3));
        assertEquals(OpenBlasLocator.KNOWN_DIRS.stream().filter(d -> !d.equals(Path.of("/usr/lib"))).toList(),
                dirs.subList(4, dirs.size()));
    }
}
