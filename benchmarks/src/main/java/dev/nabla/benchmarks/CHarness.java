package dev.nabla.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nabla.nativelib.OpenBlas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The C harness of {@code make bench-compare} (framework {@code c-openblas}): times {@code cblas_sgemm} /
 * {@code cblas_dgemm} called from C ({@code benchmarks/c/gemm_bench.c}) on the very OpenBLAS file that Nabla loads
 * ({@link OpenBlas#path()}), for the square workloads {@code gemm_f32_<n>} and {@code gemm_f64_<n>} of
 * {@code benchmarks/COMPARE.md}, and writes that file's result JSON.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.nabla.benchmarks.CHarness \
 *      --out FILE [--workloads gemm_f32_64,...] [--samples 7] [--config t1 | --search] [--list-configs]
 *      [--c-program benchmarks/target/gemm_bench] [--library /path/to/libopenblas.so.0]
 * </pre>
 *
 * <p>Configurations: {@code t1}, {@code t2}, ... (powers of two up to the core count, and the core count): the
 * thread count given to {@code openblas_set_num_threads}. {@code --search} runs every configuration (each a fresh
 * gemm_bench process per dtype) and keeps per workload the one with the lowest median. Without {@code --config} or
 * {@code --search} the largest configuration runs.
 *
 * <p>Timing (COMPARE.md): gemm_bench is called with {@code MIN_FLOPS = 0.2s}, so per size it warms up with single
 * products for at least 5 of them and 0.5 s, estimates one product's time as their median, and then times
 * {@code samples} repetitions of {@code max(1, ceil(0.2 s / estimate))} products; each sample is the mean time per
 * product in microseconds. Inputs are 64-byte aligned, row-major, values in [-1, 1).
 *
 * <p>{@code --library} names the OpenBLAS file; without it this JVM loads OpenBLAS as Nabla does and uses
 * {@link OpenBlas#path()}. Exit status: 0 success, 1 failure, 2 bad command line, 3 cannot run here (no gemm_bench
 * built, no OpenBLAS).
 */
public final class CHarness {

    static final String FRAMEWORK = "c-openblas";
    /** The square GEMM sizes of COMPARE.md, run when --workloads is not given. */
    private static final int[] DEFAULT_SIZES = {64, 256, 1024};
    private static final Pattern WORKLOAD = Pattern.compile("gemm_f(32|64)_([1-9][0-9]*)");
    private static final int WARMUP_OPS = 5;
    private static final String REPETITION = "0.2s";
    private static final int DEFAULT_SAMPLES = 7;
    private static final long TIMEOUT_MINUTES = 30;

    private CHarness() {
    }

    /** Exits with a status and a one-line reason. */
    static final class Exit extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;

        Exit(int status, String reason) {
            super(reason);
            this.status = status;
        }
    }

    /** One square GEMM workload. */
    record Workload(String name, char dtype, int n) {
        static Workload parse(String name) {
            Matcher m = WORKLOAD.matcher(name);
            if (!m.matches()) {
                throw new Exit(2, "CHarness: unsupported workload " + name + " (only gemm_f32_<n> and gemm_f64_<n>)");
            }
            return new Workload(name, m.group(1).equals("32") ? 's' : 'd', Integer.parseInt(m.group(2)));
        }
    }

    /** One workload's result under one configuration. */
    record Measured(Workload workload, String config, int threads, List<Double> samples, long inner) {
        double median() {
            return CompareReport.median(samples.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    /** The configurations: t1, t2, t4, ... up to the core count, and t&lt;cores&gt;. */
    static List<String> configs() {
        int cores = Runtime.getRuntime().availableProcessors();
        TreeSet<Integer> threads = new TreeSet<>();
        for (int t = 1; t <= cores; t *= 2) {
            threads.add(t);
        }
        threads.add(Math.max(1, cores));
        threads.add(Math.min(2, Math.max(1, cores)));
        return threads.stream().map(t -> "t" + t).toList();
    }

    private static int threadsOf(String config) {
        if (!configs().contains(config)) {
            throw new Exit(2, "CHarness: unknown config " + config + " (have " + String.join(", ", configs()) + ")");
        }
        return Integer.parseInt(config.substring(1));
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Exit e) {
            System.err.println(e.getMessage());
            System.exit(e.status);
        } catch (IOException | RuntimeException e) {
            System.err.println("CHarness: failed: " + e);
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("CHarness: interrupted");
            System.exit(1);
        }
    }

    private static void run(String[] args) throws IOException, InterruptedException {
        Path out = null;
        List<Workload> workloads = new ArrayList<>();
        for (char dtype : new char[] {'s', 'd'}) {
            for (int n : DEFAULT_SIZES) {
                workloads.add(new Workload("gemm_f" + (dtype == 's' ? "32" : "64") + "_" + n, dtype, n));
            }
        }
        int samples = DEFAULT_SAMPLES;
        String config = null;
        boolean search = false;
        Path program = Path.of("benchmarks/target/gemm_bench");
        Path library = null;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            switch (option) {
                case "--list-configs" -> {
                    configs().forEach(System.out::println);
                    return;
                }
                case "--search" -> search = true;
                case "--help", "-h" -> {
                    System.out.println("Usage: CHarness --out FILE [--workloads gemm_f32_64,...] [--samples N]"
                            + " [--config NAME | --search] [--list-configs] [--c-program PATH] [--library PATH]");
                    return;
                }
                default -> {
                    if (i + 1 >= args.length) {
                        throw new Exit(2, "CHarness: option " + option + " needs a value");
                    }
                    String value = args[++i];
                    switch (option) {
                        case "--out" -> out = Path.of(value);
                        case "--workloads" -> workloads = Arrays.stream(value.split(",")).map(String::strip)
                                .filter(s -> !s.isEmpty()).map(Workload::parse).toList();
                        case "--samples" -> samples = positive(option, value);
                        case "--config" -> config = value;
                        case "--c-program" -> program = Path.of(value);
                        case "--library" -> library = Path.of(value);
                        default -> throw new Exit(2, "CHarness: unknown option " + option);
                    }
                }
            }
        }
        if (out == null) {
            throw new Exit(2, "CHarness: --out FILE is required");
        }
        if (search && config != null) {
            throw new Exit(2, "CHarness: give --config or --search, not both");
        }
        List<String> configs = search ? configs() : List.of(config != null ? config : configs().getLast());
        configs.forEach(CHarness::threadsOf); // validates
        if (!Files.isExecutable(program)) {
            throw new Exit(3, "CHarness: cannot run: C program " + program + " not built (make " + program + ")");
        }
        if (library == null) {
            Optional<OpenBlas> blas = OpenBlas.load();
            if (blas.isEmpty()) {
                throw new Exit(3, "CHarness: cannot run: no OpenBLAS could be loaded: "
                        + String.join("; ", OpenBlas.attempts()));
            }
            library = blas.get().path();
        }

        Map<String, String> libraryLine = Map.of();
        Map<String, Measured> best = new LinkedHashMap<>();
        for (String c : configs) {
            int threads = threadsOf(c);
            for (char dtype : new char[] {'s', 'd'}) {
                List<Workload> group = workloads.stream().filter(w -> w.dtype() == dtype).toList();
                if (group.isEmpty()) {
                    continue;
                }
                Run run = runProgram(program, library, threads, dtype, samples, group);
                libraryLine = run.library();
                for (Measured m : run.results(c, threads, group)) {
                    Measured old = best.get(m.workload().name());
                    if (old == null || m.median() < old.median()) {
                        best.put(m.workload().name(), m);
                    }
                }
            }
        }
        write(out, workloads, best, libraryLine, search, configs);
    }

    private static int positive(String option, String value) {
        try {
            int v = Integer.parseInt(value.strip());
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new Exit(2, "CHarness: " + option + " needs a positive integer, got " + value);
    }

    /** gemm_bench's output: the library line's pairs and the per-size samples lines. */
    record Run(Map<String, String> library, Map<Integer, Map<String, String>> samples) {
        List<Measured> results(String config, int threads, List<Workload> group) {
            List<Measured> list = new ArrayList<>();
            for (Workload w : group) {
                Map<String, String> line = samples.get(w.n());
                if (line == null) {
                    throw new Exit(1, "CHarness: gemm_bench printed no samples for " + w.name());
                }
                List<Double> us = Arrays.stream(line.get("us").split(",")).map(Double::valueOf).toList();
                list.add(new Measured(w, config, threads, us, Long.parseLong(line.get("inner"))));
            }
            return list;
        }
    }

    private static Run runProgram(Path program, Path library, int threads, char dtype, int samples,
                                  List<Workload> group) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(program.toAbsolutePath().toString(), library.toString(),
                String.valueOf(threads), String.valueOf(dtype), String.valueOf(samples), String.valueOf(WARMUP_OPS),
                REPETITION));
        new TreeSet<>(group.stream().map(Workload::n).toList()).forEach(n -> command.add(String.valueOf(n)));
        System.out.println("CHarness: " + String.join(" ", command));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] bytes = process.getInputStream().readAllBytes();
        if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new Exit(1, "CHarness: gemm_bench ran for more than " + TIMEOUT_MINUTES + " minutes");
        }
        String output = new String(bytes, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new Exit(1, "CHarness: gemm_bench failed (exit " + process.exitValue() + "): "
                    + output.strip().replace('\n', ' '));
        }
        Map<String, String> libraryLine = new LinkedHashMap<>();
        Map<Integer, Map<String, String>> samplesLines = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            if (line.startsWith("library ")) {
                // config=... is last and contains spaces
                String rest = line.substring("library ".length());
                int configAt = rest.indexOf("config=");
                if (configAt >= 0) {
                    libraryLine.put("config", rest.substring(configAt + "config=".length()).strip());
                    rest = rest.substring(0, configAt);
                }
                libraryLine.putAll(pairs(rest));
            } else if (line.startsWith("samples ")) {
                Map<String, String> p = pairs(line.substring("samples ".length()));
                samplesLines.put(Integer.parseInt(p.get("n")), p);
            }
            if (line.startsWith("result ")) {
                System.out.println("CHarness:   " + line);
            }
        }
        return new Run(libraryLine, samplesLines);
    }

    private static Map<String, String> pairs(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : text.strip().split(" +")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                values.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return values;
    }

    private static void write(Path out, List<Workload> workloads, Map<String, Measured> best,
                              Map<String, String> library, boolean search, List<String> configs) throws IOException {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("harness", "c");
        ObjectNode framework = root.putObject("frameworks").putObject(FRAMEWORK);
        framework.put("version", library.getOrDefault("config", "unknown OpenBLAS"));
        framework.put("settings", String.format(Locale.ROOT, "benchmarks/c/gemm_bench.c (gcc), cblas_?gemm row-major"
                        + " no transposes, %s, core %s; OpenBLAS threads per workload: see config", library.get("path"),
                library.getOrDefault("core", "?")));
        framework.put("library", library.get("path"));
        framework.put("core", library.get("core"));
        ArrayNode results = root.putArray("results");
        for (Workload w : workloads) {
            Measured m = best.get(w.name());
            ObjectNode r = results.addObject();
            r.put("framework", FRAMEWORK);
            r.put("workload", w.name());
            r.put("unit", "us");
            ArrayNode s = r.putArray("samples");
            m.samples().forEach(s::add);
            r.put("median", m.median());
            r.put("config", m.config());
            r.put("settings", "OpenBLAS " + m.threads() + (m.threads() == 1 ? " thread" : " threads")
                    + ", " + m.inner() + " products per sample"
                    + (search ? " (chosen by search over " + String.join(",", configs) + ")" : ""));
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        mapper.writeValue(out.toFile(), root);
    }
}
