package dev.nabla.benchmarks;

import dev.nabla.nativelib.OpenBlas;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@code make bench-compare} records about the machine: CPU, cores, memory, OS, kernel, JDK, the OpenBLAS that
 * Nabla loads, the thread-related environment and the load average. Everything is read from {@code /proc},
 * {@code /etc/os-release} and system properties; anything unreadable is reported as {@code unknown}.
 */
final class MachineInfo {

    /** Environment variables that change how the native libraries run, recorded when set. */
    private static final List<String> ENV_PREFIXES = List.of("OPENBLAS_", "GOTO_", "OMP_", "GOMP_", "KMP_", "MKL_",
            "DJL_", "NABLA_");

    private MachineInfo() {
    }

    /** The machine as an ordered map (for the JSON and the header lines). */
    static Map<String, Object> collect() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", hostname());
        m.put("cpu", cpuModel());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("cpuFlags", simdFlags());
        m.put("memory", memory());
        m.put("os", osName());
        m.put("kernel", read("/proc/sys/kernel/osrelease").orElse(System.getProperty("os.version")));
        m.put("arch", System.getProperty("os.arch"));
        m.put("jdk", System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.home") + ")");
        m.put("openblas", openBlas());
        m.put("environment", environment());
        m.put("loadAverageAtStart", loadAverage());
        return m;
    }

    static String hostname() {
        String name = read("/proc/sys/kernel/hostname").or(() -> Optional.ofNullable(System.getenv("HOSTNAME")))
                .orElse("unknown-host").strip();
        String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return safe.isEmpty() ? "unknown-host" : safe;
    }

    static String cpuModel() {
        for (String line : lines("/proc/cpuinfo")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).strip();
            }
        }
        return "unknown (" + System.getProperty("os.arch") + ")";
    }

    /** The SIMD extensions that decide which kernels OpenBLAS and the Vector API use. */
    private static List<String> simdFlags() {
        for (String line : lines("/proc/cpuinfo")) {
            if (line.startsWith("flags")) {
                List<String> flags = Arrays.asList(line.substring(line.indexOf(':') + 1).strip().split("\\s+"));
                return List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile").stream()
                        .filter(flags::contains).toList();
            }
        }
        return List.of();
    }

    private static String memory() {
        for (String line : lines("/proc/meminfo")) {
            if (line.startsWith("MemTotal:")) {
                String[] f = line.split("\\s+");
                try {
                    return String.format(Locale.ROOT, "%.1f GiB", Long.parseLong(f[1]) / 1024.0 / 1024.0);
                } catch (RuntimeException e) {
                    return line;
                }
            }
        }
        return "unknown";
    }

    private static String osName() {
        for (String line : lines("/etc/os-release")) {
            if (line.startsWith("PRETTY_NAME=")) {
                return line.substring("PRETTY_NAME=".length()).replace("\"", "").strip();
            }
        }
        return System.getProperty("os.name");
    }

    /** The OpenBLAS that Nabla's cpu backend loads in this JVM: path, source, version/config, kernel core. */
    static Map<String, Object> openBlas() {
        Map<String, Object> m = new LinkedHashMap<>();
        Optional<OpenBlas> blas;
        try {
            blas = OpenBlas.load();
        } catch (RuntimeException | LinkageError e) {
            m.put("error", e.toString());
            return m;
        }
        if (blas.isEmpty()) {
            m.put("error", "not loaded: " + String.join("; ", OpenBlas.attempts()));
            return m;
        }
        OpenBlas b = blas.get();
        m.put("path", b.path().toString());
        m.put("source", b.source().toString());
        m.put("config", b.config());
        m.put("core", b.coreName());
        m.put("parallel", b.parallelMode());
        m.put("processors", b.processors());
        m.put("threads", b.threads());
        return m;
    }

    static Map<String, String> environment() {
        Map<String, String> env = new TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (ENV_PREFIXES.stream().anyMatch(k::startsWith)) {
                env.put(k, v);
            }
        });
        return env;
    }

    static String loadAverage() {
        return read("/proc/loadavg").map(s -> String.join(" ", Arrays.copyOf(s.strip().split(" "), 3)))
                .orElse("unknown");
    }

    /** One line per fact, for the console and the Markdown file. */
    @SuppressWarnings("unchecked")
    static List<String> describe(Map<String, Object> m) {
        List<String> lines = new ArrayList<>();
        lines.add("machine: " + m.get("cpu") + ", " + m.get("cores") + " cores (" + m.get("cpuFlags") + "), "
                + m.get("memory") + ", " + m.get("os") + ", kernel " + m.get("kernel") + ", host " + m.get("host"));
        lines.add("JDK: " + m.get("jdk"));
        Map<String, Object> blas = (Map<String, Object>) m.get("openblas");
        if (blas.containsKey("path")) {
            lines.add("OpenBLAS as Nabla loads it: " + blas.get("path") + " (" + blas.get("source") + "): "
                    + blas.get("config") + ", core " + blas.get("core") + ", " + blas.get("parallel"));
        } else {
            lines.add("OpenBLAS: " + blas.get("error"));
        }
        Map<String, String> env = (Map<String, String>) m.get("environment");
        lines.add("environment: " + (env.isEmpty() ? "no OPENBLAS_/OMP_/MKL_/DJL_/NABLA_ variables set" : env));
        if (env.containsKey("OPENBLAS_CORETYPE") || env.containsKey("OPENBLAS_L2_SIZE")) {
            lines.add("note: OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE override OpenBLAS's own kernel choice in every"
                    + " harness; for a fresh machine's choice run env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE make"
                    + " bench-compare");
        }
        return lines;
    }

    private static Optional<String> read(String file) {
        try {
            return Optional.of(Files.readString(Path.of(file)).strip());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
