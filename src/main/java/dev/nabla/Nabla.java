package dev.nabla;

import dev.nabla.backend.registry.Backends;
import dev.nabla.nativelib.Dnnl;
import dev.nabla.nativelib.OpenBlas;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Properties;

/**
 * What this Nabla is and what it found on this machine, for bug reports and for checking a setup: library and Java
 * versions, the backends and the native libraries they loaded (with paths), thread counts, and whether the Vector
 * API is in use. The library logs none of this above DEBUG; call {@link #info()} to see it.
 */
public final class Nabla {
    private Nabla() {
    }

    /** The library version, e.g. {@code 0.1.0-SNAPSHOT}, or {@code unknown} when the build did not record it. */
    public static String version() {
        try (InputStream in = Nabla.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    /**
     * A multi-line report: library version; Java version, vendor and VM; operating system and processors; the Vector
     * API; each backend with its native libraries and their paths (OpenBLAS, oneDNN, CUDA) or why one is missing; the
     * CPU thread counts. Loads the backends if nothing has yet; never throws for a missing library.
     */
    public static String info() {
        StringBuilder sb = new StringBuilder();
        line(sb, "Nabla %s", version());
        line(sb, "Java %s (%s), %s", System.getProperty("java.version"), System.getProperty("java.vendor"),
                System.getProperty("java.vm.name"));
        line(sb, "OS %s %s, %d processors", System.getProperty("os.name"), System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors());
        line(sb, "Vector API: %s", Backends.java().usesVectorApi() ? "in use (jdk.incubator.vector)"
                : "not in use, pure-Java kernels run scalar (add --add-modules jdk.incubator.vector)");
        line(sb, "java device: pure-Java kernels");
        line(sb, "cpu device: %s", Backends.cpuIsNative() ? "OpenBLAS" : "pure-Java fallback (no OpenBLAS)");
        line(sb, "  OpenBLAS: %s", OpenBlas.load().map(Object::toString)
                .orElse("not found; tried: " + String.join("; ", OpenBlas.attempts())));
        line(sb, "  oneDNN: %s", Dnnl.load().map(Object::toString)
                .orElse("not found (optional); tried: " + String.join("; ", Dnnl.attempts())));
        line(sb, "  threads: %d per kernel call (Device.setCpuThreads)", Device.cpuThreads());
        int gpus = Backends.cudaDeviceCount();
        if (gpus == 0) {
            line(sb, "cuda device: not available (%s)", Backends.cudaUnavailableReason());
        } else {
            for (int i = 0; i < gpus; i++) {
                line(sb, "cuda:%d device: %s", i, Device.cuda(i).description());
            }
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append('\n');
    }
}
