package dev.nabla.nativelib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.ChildJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Maven-artifact fallback on its own: extraction into a cache directory here, and a full search with no
 * system directories in a fresh JVM.
 *
 * <p>Why a second JVM for the load: this JVM has already loaded an OpenBLAS into the application class loader,
 * and {@link java.lang.foreign.SymbolLookup#loaderLookup()} searches a loader's libraries in no defined order,
 * so loading the artifact's {@code libopenblas.so.0} here too would make every later {@code cblas_h} binding
 * pick either copy. The dynamic linker would also resolve the artifact's {@code libgfortran.so.5} dependency to
 * the copy already loaded by soname. A child JVM tests the path the way a user without a system OpenBLAS gets it.
 */
class BundledNativesTest {
    private static final ClassLoader LOADER = BundledNativesTest.class.getClassLoader();
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

    @TempDir
    Path cache;

    @Test
    void extractsSharedObjectsDependenciesFirst() throws IOException {
        List<Path> files = BundledNatives.extract(LOADER, cache);

        assertEquals(BundledNatives.LOAD_ORDER, files.stream().map(f -> f.getFileName().toString()).toList());
        Path dir = files.getLast().getParent();
        assertEquals(cache, dir.getParent());
        assertTrue(dir.getFileName().toString().startsWith("openblas-0.3.31-"), dir.toString());
        for (Path file : files) {
            byte[] header = new byte[18];
            try (var in = Files.newInputStream(file)) {
                assertEquals(header.length, in.readNBytes(header, 0, header.length));
            }
            assertArrayEquals(ELF_MAGIC, java.util.Arrays.copyOf(header, 4), file + " is not ELF");
            assertEquals(2, header[4], file + " is not 64-bit");
            assertEquals(3, header[16], file + " is not a shared object (ET_DYN)");
        }
        try (var leftovers = Files.list(dir)) {
            assertEquals(List.of(), leftovers.filter(f -> f.toString().endsWith(".tmp")).toList());
        }
    }

    @Test
    void reusesCompleteFilesAndReplacesTruncatedOnes() throws IOException {
        List<Path> files = BundledNatives.extract(LOADER, cache);
        Path complete = files.getFirst();
        Path truncated = files.getLast();
        long size = Files.size(truncated);
        FileTime marker = FileTime.from(1_000_000, TimeUnit.SECONDS);
        Files.setLastModifiedTime(complete, marker);
        Files.write(truncated, new byte[16]);

        assertEquals(files, BundledNatives.extract(LOADER, cache));
        assertEquals(marker, Files.getLastModifiedTime(complete));
        assertEquals(size, Files.size(truncated));
    }

    @Test
    void loadsAndComputesInAFreshJvmWithoutSystemDirectories() throws Exception {
        String output = ChildJvm.run(List.of("--enable-native-access=ALL-UNNAMED"), BundledLoadMain.class,
                cache.toString());
        assertTrue(output.contains("source=MAVEN_ARTIFACT\n"), output);
        assertTrue(output.contains("path=" + cache.toRealPath()) || output.contains("path=" + cache), output);
        assertTrue(output.contains("library=OpenBLAS ") && output.contains(": OpenBLAS 0.3.31"), output);
        assertTrue(output.contains("dgemm=ok\n"), output);
    }
}
