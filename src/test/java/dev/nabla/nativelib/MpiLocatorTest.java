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

/** MPI's search order and its failure report, with made-up inputs; the real search when Open MPI is installed. */
class MpiLocatorTest {
    @TempDir
    Path tmp;

    @Test
    void failureListsEveryAttempt() throws IOException {
        Path emptyDir = Files.createDirectory(tmp.resolve("empty"));
        Path notALibrary = Files.writeString(tmp.resolve("libmpi.so.40"), "not an ELF file");
        String missing = tmp.resolve("no/such/libmpi.so.40").toString();
        var e = assertThrows(NativeLibraryException.class, () -> new SystemLibraryLocator(Mpi.LIBRARY, missing,
                Map.of(Mpi.LIBRARY.pathVariable(), notALibrary.toString()), List.of(emptyDir))
                .locate());

        List<String> attempts = e.attempts();
        assertEquals(3, attempts.size(), attempts.toString());
        assertTrue(attempts.get(0).startsWith("system property nabla.mpi.path=" + missing + ": no such file"), attempts.get(0));
        assertTrue(attempts.get(1).startsWith("environment variable NABLA_MPI_PATH=" + notALibrary + ": cannot be opened"),
                attempts.get(1));
        assertTrue(attempts.get(2).contains(emptyDir + "]: no usable libmpi.so.40 or libmpi.so (apt-get install"),
                attempts.get(2));
        assertTrue(e.getMessage().startsWith("MPI (libmpi) could not be loaded. Tried:"), e.getMessage());
    }

    @Test
    void aLibraryWithoutTheMpiSymbolsIsRejected() {
        Path libc = Path.of("/lib/x86_64-linux-gnu/libc.so.6");
        Assumptions.assumeTrue(Files.isRegularFile(libc), "no glibc at " + libc);
        var e = assertThrows(NativeLibraryException.class,
                () -> new SystemLibraryLocator(Mpi.LIBRARY, libc.toString(), Map.of(), List.of()).locate());
        assertTrue(e.attempts().get(0).contains("lacks " + Mpi.REQUIRED_SYMBOLS.size() + " required symbol(s): MPI_Init_thread"),
                e.attempts().get(0));
    }

    @Test
    void loadsTheSystemLibraryAndItsHandlesWhenInstalled() {
        Path debian = Path.of("/usr/lib/x86_64-linux-gnu/libmpi.so.40");
        Assumptions.assumeTrue(Files.isRegularFile(debian), "Open MPI (libopenmpi3) is not installed");
        SystemLibraryLocator.Located found =
                new SystemLibraryLocator(Mpi.LIBRARY, null, Map.of(), List.of(debian.getParent())).locate();
        assertEquals(debian, found.path());
        Mpi mpi = Mpi.load().orElseThrow(() -> new AssertionError(Mpi.attempts()));
        assertTrue(mpi.version().startsWith("Open MPI v4."), mpi.toString());
        assertTrue(mpi.handle("ompi_mpi_comm_world").address() != 0);
        assertTrue(mpi.handle("ompi_mpi_float").address() != mpi.handle("ompi_mpi_double").address());
        var e = assertThrows(IllegalArgumentException.class, () -> mpi.handle("ompi_mpi_cxx_bool"));
        assertTrue(e.getMessage().contains("is not one of"), e.getMessage());
    }
}
