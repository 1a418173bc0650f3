package dev.nabla.nativelib;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.bindings.openblas.cblas_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The library {@link OpenBlas#load()} finds on this machine: metadata, symbols, threads and a real GEMM. */
class OpenBlasLoaderTest {
    private static OpenBlas blas;

    @BeforeAll
    static void load() {
        blas = OpenBlas.require();
    }

    @Test
    void loadIsCachedAndIdempotent() {
        assertSame(blas, OpenBlas.load().orElseThrow());
        assertSame(blas, OpenBlas.require());
    }

    @Test
    void loadedFileExists() {
        assertTrue(blas.path().isAbsolute(), blas.path().toString());
        assertTrue(Files.isRegularFile(blas.path()), blas.path().toString());
        List<String> attempts = OpenBlas.attempts();
        assertTrue(attempts.getLast().contains(blas.path().toString()) && attempts.getLast().endsWith(": loaded"),
                String.join("\n", attempts));
    }

    @Test
    void describesItself() {
        assertTrue(blas.config().startsWith("OpenBLAS "), blas.config());
        assertFalse(blas.coreName().isBlank());
        assertTrue(blas.processors() >= 1);
        assertFalse(blas.parallelMode().startsWith("unknown"), blas.parallelMode());
        String line = blas.toString();
        assertFalse(line.contains("\n"));
        for (String part : List.of(blas.path().toString(), blas.source().name(), blas.config(), blas.coreName())) {
            assertTrue(line.contains(part), line + " should contain " + part);
        }
    }

    @Test
    void everyRequiredSymbolResolvesThroughTheLoaderLookup() {
        List<String> missing = OpenBlas.REQUIRED_SYMBOLS.stream()
                .filter(name -> SymbolLookup.loaderLookup().find(name).isEmpty()).toList();
        assertEquals(List.of(), missing);
    }

    @Test
    void setsAndRestoresThreads() {
        int before = blas.threads();
        try {
            blas.setThreads(1);
            assertEquals(1, blas.threads());
        } finally {
            blas.setThreads(before);
        }
        assertEquals(before, blas.threads());
    }

    @Test
    void rejectsFewerThanOneThread() {
        var e = assertThrows(IllegalArgumentException.class, () -> blas.setThreads(0));
        assertTrue(e.getMessage().contains("at least 1"), e.getMessage());
    }

    @Test
    void dgemmMatchesAJavaLoop() {
        double[] a = {1.5, -2.0, 3.25, 0.5, -1.0, 4.0};                   // 3x2, row-major
        double[] b = {2.0, 0.5, -1.0, 3.0, 1.0, -4.0, 2.5, 0.75};         // 2x4, row-major
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocate(JAVA_DOUBLE, 3 * 4);
            cblas_h.cblas_dgemm(cblas_h.CblasRowMajor(), cblas_h.CblasNoTrans(), cblas_h.CblasNoTrans(), 3, 4, 2,
                    1.0, arena.allocateFrom(JAVA_DOUBLE, a), 2, arena.allocateFrom(JAVA_DOUBLE, b), 4, 0.0, c, 4);
            assertArrayEquals(multiply(a, b, 3, 2, 4), c.toArray(JAVA_DOUBLE), 1e-12);
        }
    }

    /** Row-major {@code m x k} times {@code k x n}, the obvious way. */
    static double[] multiply(double[] a, double[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = sum;
            }
        }
        return c;
    }
}
