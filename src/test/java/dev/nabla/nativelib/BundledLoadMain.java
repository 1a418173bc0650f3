package dev.nabla.nativelib;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import dev.nabla.bindings.openblas.cblas_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Run by {@link BundledNativesTest} in a child JVM: searches with no explicit path and no system directories,
 * so only the Maven artifact can supply OpenBLAS, then runs one GEMM. Prints {@code key=value} lines.
 */
public final class BundledLoadMain {
    private BundledLoadMain() {
    }

    /**
     * Entry point.
     *
     * @param args the cache root to extract into
     */
    public static void main(String[] args) {
        var locator = new OpenBlasLocator(null, Map.of(), List.of(), BundledLoadMain.class.getClassLoader(),
                Path.of(args[0]), BundledNatives.platform(), OpenBlas.REQUIRED_SYMBOLS);
        OpenBlasLocator.Located found = locator.locate();
        found.attempts().forEach(line -> System.out.println("attempt=" + line));
        System.out.println("source=" + found.source());
        System.out.println("path=" + found.path());
        System.out.println("library=" + new OpenBlas(found.path(), found.source()));

        double[] a = {1, 2, 3, 4, 5, 6};
        double[] b = {7, 8, 9, 10, 11, 12, 13, 14};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = arena.allocate(JAVA_DOUBLE, 12);
            cblas_h.cblas_dgemm(cblas_h.CblasRowMajor(), cblas_h.CblasNoTrans(), cblas_h.CblasNoTrans(), 3, 4, 2,
                    1.0, arena.allocateFrom(JAVA_DOUBLE, a), 2, arena.allocateFrom(JAVA_DOUBLE, b), 4, 0.0, c, 4);
            boolean ok = Arrays.equals(OpenBlasLoaderTest.multiply(a, b, 3, 2, 4), c.toArray(JAVA_DOUBLE));
            System.out.println("dgemm=" + (ok ? "ok" : "wrong " + Arrays.toString(c.toArray(JAVA_DOUBLE))));
        }
    }
}
