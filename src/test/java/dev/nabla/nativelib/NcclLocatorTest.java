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

/** NCCL's search order and its failure report, with made-up inputs; the real search where NCCL is installed. */
class NcclLocatorTest {
    @TempDir
    Path tmp;

    @Test
    void failureListsEveryAttemptInOrder() throws IOException {
        Path systemDir = Files.createDirectory(tmp.resolve("system"));
        Path wheelLib = Files.createDirectories(tmp.resolve("site-packages/nvidia/nccl/lib"));
        Path fakeWheelLibrary = Files.writeString(wheelLib.resolve("libnccl.so.2"), "not an ELF file");
        String missing = tmp.resolve("no/such/libnccl.so.2").toString();
        var e = assertThrows(NativeLibraryException.class, () -> new NcclLocator(missing, Map.of(), List.of(systemDir),
                List.of(wheelLib), false, Nccl.REQUIRED_SYMBOLS).locate());

        List<String> attempts = e.attempts();
        assertEquals(5, attempts.size(), attempts.toString());
        assertTrue(attempts.get(0).startsWith("system property nabla.nccl.path=" + missing + ": no such file"),
                attempts.get(0));
        assertEquals("environment variable NABLA_NCCL_PATH: not set", attempts.get(1));
        assertEquals("system directories [" + systemDir + "]: no usable libnccl.so.2 or libnccl.so", attempts.get(2));
        assertTrue(attempts.get(3).startsWith("pip wheel " + fakeWheelLibrary + ": cannot be opened"), attempts.get(3));
        assertEquals("pip wheel directories [" + wheelLib + "]: no usable libnccl.so.2 or libnccl.so", attempts.get(4));
        assertTrue(e.getMessage().startsWith("NCCL (libnccl.so.2) could not be loaded (install libnccl2 or pip install"
                + " nvidia-nccl-cu13, or set NABLA_NCCL_PATH to the file). Tried:"), e.getMessage());
    }

    @Test
    void aLibraryWithoutTheNcclSymbolsIsRejected() {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        Assumptions.assumeTrue(Files.isRegularFile(libc), "no glibc at " + libc);
        var e = assertThrows(NativeLibraryException.class, () -> new NcclLocator(null,
                Map.of(NcclLocator.PATH_VARIABLE, libc.toString()), List.of(), List.of(), false, Nccl.REQUIRED_SYMBOLS)
                .locate());
        assertTrue(e.attempts().get(1).startsWith("environment variable NABLA_NCCL_PATH=" + libc + ": lacks "
                + Nccl.REQUIRED_SYMBOLS.size() + " required symbol(s): ncclGetVersion"), e.attempts().get(1));
    }

    @Test
    void theWheelLayoutIsSearchedUnderSitePackages() throws IOException {
        Path lib = Files.createDirectories(tmp.resolve("nvidia/nccl/lib"));
        assertTrue(CudaLibraries.wheelLibDirs(tmp).contains(lib), CudaLibraries.wheelLibDirs(tmp).toString());
    }

    @Test
    void loadsTheInstalledLibraryWhereThereIsOne() {
        var nccl = Nccl.load();
        Assumptions.assumeTrue(nccl.isPresent(), () -> "no NCCL here: " + Nccl.attempts());
        assertTrue(nccl.get().version().startsWith("2."), nccl.get().toString());
        assertTrue(Nccl.attempts().getLast().endsWith(": loaded"), Nccl.attempts().toString());
        assertEquals("no error", Nccl.errorString(0));
    }
}
