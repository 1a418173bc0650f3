package dev.nabla.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * {@code make bench-compare}: measures the workloads of {@code benchmarks/COMPARE.md} in C (same OpenBLAS), Nabla,
 * DJL and PyTorch, one harness process at a time, and prints a table of times and speed ratios.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector \
 *      -cp benchmarks/target/benchmarks.jar dev.nabla.benchmarks.CompareRunner \
 *      [--rounds 3] [--samples N] [--workloads a,b,...] [--skip c,nabla,djl,pytorch] [--quick]
 *      [--root .] [--results-dir benchmarks/results] [--work-dir benchmarks/target/compare]
 *      [--c-program benchmarks/target/gemm_bench] [--djl-dir benchmarks/target-djl] [--python /usr/bin/python3]
 *      [--nabla-frameworks nabla-cpu,nabla-java,...] [--timeout-minutes 120] [--pause-ms 1000]
 *      [--harness NAME=COMMAND] [--self-test]
 * </pre>
 *
 * <p>Procedure (COMPARE.md): each available harness first runs with {@code --search --samples 3}, which picks a
 * thread configuration per (framework, workload); then {@code rounds} rounds, each running every harness once per
 * configuration chosen ({@code --config NAME --workloads <those that chose it>}), never two processes at once. Per
 * round each (framework, workload) gives one median; {@link CompareReport} takes the ratios per round and their
 * median and range over the rounds. A harness whose {@code --list-configs} names a single configuration (Nabla's
 * {@code default}) is not searched: there is nothing to choose, and its search would cost as much as a round.
 *
 * <p>Harnesses: {@code c} ({@link CHarness}, needs {@code benchmarks/target/gemm_bench}), {@code nabla}
 * ({@code NablaHarness} in this jar), {@code djl} (the {@code djl} Maven profile's build in {@code --djl-dir}),
 * {@code pytorch} ({@code benchmarks/python/torch_bench.py}). One that is not built, or that exits with status 3
 * (cannot run here), is skipped with one line; one that fails otherwise is reported, the others go on, and the
 * runner exits with status 1 at the end. The JVM harnesses get this JVM's java binary and options.
 *
 * <p>Writes {@code <results-dir>/<yyyy-mm-dd>-<host>.json} (machine, harness settings, chosen configurations, every
 * sample of every round, the ratios) and the table as {@code .md} next to it ({@code -2}, {@code -3}, ... when the
 * name is taken); the harnesses' own files and logs stay in {@code --work-dir}. {@code --quick} is one round with 2
 * samples (and 2 in the search), for smoke tests. {@code --self-test} runs the whole procedure on fake harnesses
 * ({@link FakeHarness}) in a temporary directory and checks the table and the ratios against values computed by
 * hand; it exits 0 when they match.
 */
public final class CompareRunner {

    /** The harnesses, in the order they run within a round. */
    static final List<String> HARNESSES = List.of("c", "nabla", "djl", "pytorch");
    static final int EXIT_CANNOT_RUN = 3;
    private static final int SEARCH_SAMPLES = 3;
    private static final Predicate<String> SQUARE_GEMM = w -> w.matches("gemm_f(32|64)_[0-9]+");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CompareRunner() {
    }

    /** Bad command line: message and exit status 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /** The command-line settings. */
    static final class Options {
        Path root = Path.of(".").toAbsolutePath().normalize();
        int rounds = 3;
        Integer samples;
        int searchSamples = SEARCH_SAMPLES;
        List<String> workloads;
        Set<String> skip = new LinkedHashSet<>();
        Path resultsDir;
        Path workDir;
        Path cProgram;
        Path djlDir;
        Path python = Path.of("/usr/bin/python3");
        Path torchScript;
        String nablaFrameworks;
        long timeoutMinutes = 120;
        long pauseMillis = 1000;
        Map<String, List<String>> commands = new LinkedHashMap<>();
        boolean selfTest;
        /** Echo every harness command and output line (off in the self-test). */
        boolean verbose = true;

        static Options parse(String[] args) {
            Options o = new Options();
            boolean quick = false;
            Integer rounds = null;
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                switch (option) {
                    case "--quick" -> quick = true;
                    case "--self-test" -> o.selfTest = true;
                    case "--help", "-h" -> throw new UsageException(usage());
                    default -> {
                        if (i + 1 >= args.length) {
                            throw new UsageException("CompareRunner: option " + option + " needs a value");
                        }
                        String value = args[++i];
                        switch (option) {
                            case "--rounds" -> rounds = positive(option, value);
                            case "--samples" -> o.samples = positive(option, value);
                            case "--workloads" -> o.workloads = list(value);
                            case "--skip" -> {
                                for (String s : list(value)) {
                                    if (!HARNESSES.contains(s)) {
                                        throw new UsageException("CompareRunner: --skip takes " + HARNESSES + ", got " + s);
                                    }
                                    o.skip.add(s);
                                }
                            }
                            case "--root" -> o.root = Path.of(value).toAbsolutePath().normalize();
                            case "--results-dir" -> o.resultsDir = Path.of(value);
                            case "--work-dir" -> o.workDir = Path.of(value);
                            case "--c-program" -> o.cProgram = Path.of(value);
                            case "--djl-dir" -> o.djlDir = Path.of(value);
                            case "--python" -> o.python = Path.of(value);
                            case "--torch-script" -> o.torchScript = Path.of(value);
                            case "--nabla-frameworks" -> o.nablaFrameworks = value;
                            case "--timeout-minutes" -> o.timeoutMinutes = positive(option, value);
                            case "--pause-ms" -> o.pauseMillis = Long.parseLong(value);
                            case "--harness" -> {
                                int eq = value.indexOf('=');
                                String name = eq < 0 ? "" : value.substring(0, eq);
                                if (!HARNESSES.contains(name)) {
                                    throw new UsageException("CompareRunner: --harness NAME=COMMAND with NAME in "
                                            + HARNESSES + ", got " + value);
                                }
                                o.commands.put(name, List.of(value.substring(eq + 1).strip().split("\\s+")));
                            }
                            default -> throw new UsageException("CompareRunner: unknown option " + option + "\n" + usage());
                        }
                    }
                }
            }
            if (quick) {
                o.rounds = 1;
                o.samples = o.samples == null ? 2 : o.samples;
                o.searchSamples = Math.min(SEARCH_SAMPLES, o.samples);
            }
            if (rounds != null) {
                o.rounds = rounds;
            }
            o.resultsDir = o.resultsDir != null ? o.resultsDir : o.root.resolve("benchmarks/results");
            o.workDir = o.workDir != null ? o.workDir : o.root.resolve("benchmarks/target/compare");
            o.cProgram = o.cProgram != null ? o.cProgram : o.root.resolve("benchmarks/target/gemm_bench");
            o.djlDir = o.djlDir != null ? o.djlDir : o.root.resolve("benchmarks/target-djl");
            o.torchScript = o.torchScript != null ? o.torchScript : o.root.resolve("benchmarks/python/torch_bench.py");
            return o;
        }

        static String usage() {
            return "Usage: CompareRunner [--rounds 3] [--samples N] [--workloads a,b,...] [--skip c,nabla,djl,pytorch]"
                    + " [--quick] [--root DIR] [--results-dir DIR] [--work-dir DIR] [--c-program PATH]"
                    + " [--djl-dir DIR] [--python PATH] [--torch-script PATH] [--nabla-frameworks a,b]"
                    + " [--timeout-minutes 120] [--pause-ms 1000] [--harness NAME=COMMAND] [--self-test]";
        }
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
        throw new UsageException("CompareRunner: " + option + " needs a positive integer, got " + value);
    }

    private static List<String> list(String value) {
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /**
     * How to start one harness.
     *
     * @param name        c, nabla, djl or pytorch
     * @param command     the command before the COMPARE.md options
     * @param frameworks  the frameworks it reports
     * @param supports    the workloads it runs (for restricting --workloads)
     * @param unavailable why it cannot be started (not built), or null
     */
    record Harness(String name, List<String> command, List<String> frameworks, Predicate<String> supports,
                   String unavailable) {
    }

    /** A failure to report: which harness, in which phase, and why. */
    record Failure(String harness, String phase, String reason) {
    }

    /** The runs of one harness that share one configuration in the measured rounds. */
    static final class Group {
        final String config;
        final Set<String> workloads = new LinkedHashSet<>();
        final Set<String> frameworks = new LinkedHashSet<>();
        /** The harness has this one configuration: every result of the run counts (there was no search). */
        boolean acceptAll;

        Group(String config) {
            this.config = config;
        }
    }

    /** What happened to one harness. */
    static final class State {
        final Harness harness;
        String status = "ok";
        String reason;
        List<String> workloads;
        /** What --list-configs printed, or null. */
        List<String> configs;
        ObjectNode frameworksInfo;
        JsonNode searchResults;
        /** "framework|workload" -> the chosen config (or "" for none). */
        final Map<String, String> chosen = new LinkedHashMap<>();
        final Map<String, Group> groups = new LinkedHashMap<>();

        State(Harness harness) {
            this.harness = harness;
        }

        boolean active() {
            return status.equals("ok");
        }
    }

    public static void main(String[] args) {
        int status;
        try {
            Options options = Options.parse(args);
            status = options.selfTest ? SelfTest.run(options) : new CompareRunner.Run(options).execute();
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            status = 2;
        } catch (IOException | RuntimeException e) {
            System.err.println("CompareRunner: failed: " + e);
            e.printStackTrace();
            status = 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.err.println("CompareRunner: interrupted");
            status = 1;
        }
        System.exit(status);
    }

    /** One comparison run. */
    static final class Run {
        final Options options;
        final List<State> states = new ArrayList<>();
        final List<Failure> failures = new ArrayList<>();
        final List<CompareReport.Measurement> measurements = new ArrayList<>();
        /** What was written: the JSON and Markdown files. */
        Path jsonFile;
        Path markdownFile;
        CompareReport report;
        private int invocations;

        Run(Options options) {
            this.options = options;
        }

        int execute() throws IOException, InterruptedException {
            String started = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            Map<String, Object> machine = MachineInfo.collect();
            System.out.println("bench-compare: " + started);
            MachineInfo.describe(machine).forEach(line -> System.out.println("  " + line));
            Files.createDirectories(options.workDir);
            try (Stream<Path> old = Files.list(options.workDir)) {
                for (Path p : old.filter(p -> p.getFileName().toString().matches(".*\\.(json|log)")).toList()) {
                    Files.delete(p);
                }
            }
            @SuppressWarnings("unchecked")
            Object libraryPath = ((Map<String, Object>) machine.get("openblas")).get("path");
            for (Harness h : harnesses(libraryPath == null ? null : libraryPath.toString())) {
                State s = new State(h);
                states.add(s);
                if (options.skip.contains(h.name())) {
                    skip(s, "by --skip");
                } else if (h.unavailable() != null) {
                    skip(s, h.unavailable());
                } else if (options.workloads != null) {
                    s.workloads = options.workloads.stream().filter(h.supports()).toList();
                    if (s.workloads.isEmpty()) {
                        skip(s, "none of the requested workloads " + options.workloads + " is one it runs");
                    }
                }
            }

            System.out.println();
            System.out.println("== search: each harness tries its configurations (--search --samples "
                    + options.searchSamples + ")");
            for (State s : states) {
                if (s.active()) {
                    search(s);
                }
            }
            for (int round = 1; round <= options.rounds; round++) {
                System.out.println();
                System.out.println("== round " + round + " of " + options.rounds);
                for (State s : states) {
                    if (s.active()) {
                        measure(s, round);
                    }
                }
            }

            report = new CompareReport(measurements, options.rounds);
            String table = report.table();
            List<String> notes = notes();
            Map<String, Object> finished = new LinkedHashMap<>(machine);
            finished.put("loadAverageAtEnd", MachineInfo.loadAverage());
            finished.put("frameworkVersions", versions());
            String host = String.valueOf(machine.get("host"));
            Path base = freeName(options.resultsDir, LocalDate.now() + "-" + host);
            jsonFile = base.resolveSibling(base.getFileName() + ".json");
            markdownFile = base.resolveSibling(base.getFileName() + ".md");
            String markdown = markdown(started, finished, table, notes);
            Files.createDirectories(options.resultsDir);
            JSON.writeValue(jsonFile.toFile(), json(started, finished, table));
            Files.writeString(markdownFile, markdown);

            System.out.println();
            System.out.println(markdown);
            System.out.println("bench-compare: wrote " + jsonFile + " and " + markdownFile);
            if (!failures.isEmpty()) {
                System.out.println("bench-compare: " + failures.size() + " harness run(s) failed (listed above)");
                return 1;
            }
            if (measurements.isEmpty()) {
                System.out.println("bench-compare: nothing was measured (every harness skipped)");
                return 1;
            }
            return 0;
        }

        /** The four harnesses as this machine has them. */
        List<Harness> harnesses(String openBlasPath) {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            List<String> jvmOptions = ManagementFactory.getRuntimeMXBean().getInputArguments();
            String classPath = System.getProperty("java.class.path");
            List<Harness> list = new ArrayList<>();

            // CHarness and DjlBench need no Vector API: only native access (and Unsafe, as this JVM allows it).
            List<String> plainJvm = new ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED"));
            jvmOptions.stream().filter(o -> o.startsWith("--sun-misc-unsafe-memory-access")).forEach(plainJvm::add);

            List<String> c = new ArrayList<>(plainJvm);
            c.addAll(List.of("-cp", classPath, CHarness.class.getName(), "--c-program", options.cProgram.toString()));
            if (openBlasPath != null) {
                c.addAll(List.of("--library", openBlasPath));
            }
            list.add(new Harness("c", c, List.of(CHarness.FRAMEWORK), SQUARE_GEMM,
                    Files.isExecutable(options.cProgram) ? null
                            : "not built: no C program " + options.cProgram + " (make bench-compare builds it; needs gcc)"));

            List<String> nabla = new ArrayList<>(List.of(java.toString()));
            nabla.addAll(jvmOptions);
            nabla.addAll(List.of("-cp", classPath, "dev.nabla.benchmarks.NablaHarness"));
            boolean nablaBuilt = CompareRunner.class.getClassLoader()
                    .getResource("dev/nabla/benchmarks/NablaHarness.class") != null;
            list.add(new Harness("nabla", nabla, List.of("nabla-cpu", "nabla-java", "nabla-java-scalar", "ejml"),
                    w -> true, nablaBuilt ? null : "not built: no dev.nabla.benchmarks.NablaHarness in " + classPath));

            Path djlClasses = options.djlDir.resolve("classes");
            Path djlLib = options.djlDir.resolve("djl-lib");
            List<String> djl = new ArrayList<>(plainJvm);
            djl.addAll(List.of("-DDJL_CACHE_DIR=" + options.djlDir.resolve("djl-cache"),
                    "-cp", djlClasses + ":" + djlLib + "/*", "dev.nabla.benchmarks.djl.DjlBench"));
            boolean djlBuilt = Files.isRegularFile(djlClasses.resolve("dev/nabla/benchmarks/djl/DjlBench.class"))
                    && Files.isDirectory(djlLib);
            list.add(new Harness("djl", djl, List.of("djl"), w -> true, djlBuilt ? null
                    : "not built: no DJL harness in " + options.djlDir
                            + " (mvn -pl benchmarks -am -P djl -Dbenchmarks.build.dir=" + options.djlDir + " package)"));

            List<String> torch = List.of(options.python.toString(), options.torchScript.toString());
            String torchMissing = !Files.isExecutable(options.python) ? "no Python at " + options.python
                    : !Files.isRegularFile(options.torchScript) ? "no script " + options.torchScript : null;
            list.add(new Harness("pytorch", torch, List.of("pytorch"), w -> true, torchMissing));

            // --harness NAME=COMMAND replaces a command (and makes it available)
            return list.stream().map(h -> options.commands.containsKey(h.name())
                    ? new Harness(h.name(), options.commands.get(h.name()), h.frameworks(), h.supports(), null)
                    : h).toList();
        }

        private void skip(State s, String reason) {
            s.status = "skipped";
            s.reason = reason;
            System.out.println("bench-compare: " + s.harness.name() + " skipped: " + reason);
        }

        private void fail(State s, String phase, String reason, boolean stop) {
            failures.add(new Failure(s.harness.name(), phase, reason));
            System.out.println("bench-compare: " + s.harness.name() + " FAILED (" + phase + "): " + reason);
            if (stop) {
                s.status = "failed";
                s.reason = phase + ": " + reason;
            }
        }

        /** The search phase: which configuration each (framework, workload) gets. */
        private void search(State s) throws IOException, InterruptedException {
            List<String> configs = listConfigs(s);
            if (!s.active()) {
                return;
            }
            s.configs = configs;
            if (configs != null && configs.size() == 1) {
                // Nothing to choose: the search would only repeat a round with fewer samples.
                Group g = new Group(configs.getFirst());
                g.acceptAll = true;
                if (s.workloads != null) {
                    g.workloads.addAll(s.workloads);
                }
                s.groups.put(g.config, g);
                System.out.println("bench-compare: " + s.harness.name() + " has one configuration, " + g.config
                        + ": no search needed");
                return;
            }
            List<String> args = new ArrayList<>(List.of("--search", "--samples", String.valueOf(options.searchSamples)));
            if (s.workloads != null) {
                args.addAll(List.of("--workloads", String.join(",", s.workloads)));
            }
            if (s.harness.name().equals("nabla") && options.nablaFrameworks != null) {
                args.addAll(List.of("--frameworks", options.nablaFrameworks));
            }
            JsonNode doc = invoke(s, "search", args);
            if (doc == null) {
                return;
            }
            s.searchResults = doc.get("results");
            for (JsonNode r : doc.get("results")) {
                String framework = r.path("framework").asText();
                String workload = r.path("workload").asText();
                String config = r.hasNonNull("config") ? r.get("config").asText() : "";
                s.chosen.put(framework + "|" + workload, config);
                Group g = s.groups.computeIfAbsent(config, Group::new);
                g.workloads.add(workload);
                g.frameworks.add(framework);
            }
            if (s.groups.isEmpty()) {
                fail(s, "search", "no results in its output", true);
                return;
            }
            for (Group g : s.groups.values()) {
                List<String> sorted = g.workloads.stream().sorted(CompareReport.WORKLOAD_COMPARATOR).toList();
                g.workloads.clear();
                g.workloads.addAll(sorted);
            }
            for (Group g : s.groups.values()) {
                System.out.println("bench-compare: " + s.harness.name() + " chose "
                        + (g.config.isEmpty() ? "(no config)" : g.config) + " for " + String.join(",", g.workloads)
                        + " (" + String.join(",", g.frameworks) + ")");
            }
        }

        /** One measured round of one harness: one process per chosen configuration. */
        private void measure(State s, int round) throws IOException, InterruptedException {
            for (Group g : s.groups.values()) {
                List<String> args = new ArrayList<>();
                if (!g.config.isEmpty()) {
                    args.addAll(List.of("--config", g.config));
                }
                if (!g.workloads.isEmpty()) {
                    args.addAll(List.of("--workloads", String.join(",", g.workloads)));
                }
                if (options.samples != null) {
                    args.addAll(List.of("--samples", String.valueOf(options.samples)));
                }
                if (s.harness.name().equals("nabla") && !g.frameworks.isEmpty()) {
                    args.addAll(List.of("--frameworks", String.join(",", g.frameworks)));
                } else if (s.harness.name().equals("nabla") && options.nablaFrameworks != null) {
                    args.addAll(List.of("--frameworks", options.nablaFrameworks));
                }
                String phase = "round " + round + (g.config.isEmpty() ? "" : " " + g.config);
                JsonNode doc = invoke(s, phase, args);
                if (doc == null) {
                    if (!s.active()) {
                        return; // exit 3 in a round: skipped from now on
                    }
                    continue;
                }
                for (JsonNode r : doc.get("results")) {
                    String framework = r.path("framework").asText();
                    String workload = r.path("workload").asText();
                    if (g.acceptAll) {
                        s.chosen.put(framework + "|" + workload, g.config);
                    } else if (!g.config.equals(s.chosen.get(framework + "|" + workload))) {
                        continue; // ran alongside, but the search chose another configuration for it
                    }
                    measurements.add(new CompareReport.Measurement(round, s.harness.name(), framework, workload,
                            g.config.isEmpty() ? null : g.config, r.hasNonNull("settings") ? r.get("settings").asText() : null,
                            samples(r), r.path("median").asDouble(Double.NaN)));
                }
            }
        }

        private static double[] samples(JsonNode r) {
            List<Double> v = new ArrayList<>();
            r.path("samples").forEach(x -> v.add(x.asDouble()));
            return v.stream().mapToDouble(Double::doubleValue).toArray();
        }

        /** {@code --list-configs}: the configuration names, or null when the harness did not answer (exit 3: skipped). */
        private List<String> listConfigs(State s) throws IOException, InterruptedException {
            Started started = start(s, "list-configs", List.of("--list-configs"), false);
            Finished f = started.finished();
            if (f.exit() == EXIT_CANNOT_RUN) {
                skip(s, "cannot run here: " + f.lastError());
                return null;
            }
            if (f.exit() != 0) {
                System.out.println("bench-compare: " + s.harness.name() + " --list-configs failed (exit " + f.exit()
                        + ": " + f.lastError() + "); searching anyway");
                return null;
            }
            return f.stdout().stream().map(String::strip).filter(l -> !l.isEmpty()).toList();
        }

        /** One started and finished harness process. */
        record Started(Finished finished, Path out, Path log) {
        }

        private Started start(State s, String phase, List<String> args, boolean withOut)
                throws IOException, InterruptedException {
            invocations++;
            String tag = String.format(Locale.ROOT, "%02d-%s-%s", invocations, s.harness.name(),
                    phase.replaceAll("[^A-Za-z0-9]+", "-"));
            Path out = options.workDir.toAbsolutePath().resolve(tag + ".json");
            Path log = options.workDir.toAbsolutePath().resolve(tag + ".log");
            List<String> command = new ArrayList<>(s.harness.command());
            if (withOut) {
                command.addAll(List.of("--out", out.toString()));
            }
            command.addAll(args);
            if (options.pauseMillis > 0 && invocations > 1) {
                Thread.sleep(options.pauseMillis); // the previous process's threads and caches settle
            }
            if (options.verbose) {
                System.out.println("-- " + s.harness.name() + " " + phase + ": " + String.join(" ", command));
            }
            long start = System.nanoTime();
            Finished f = runProcess(command, log, options.verbose ? "   " + s.harness.name() + "| " : null);
            if (options.verbose) {
                System.out.printf(Locale.ROOT, "-- %s %s: exit %d after %.1f s%n", s.harness.name(), phase, f.exit(),
                        (System.nanoTime() - start) / 1e9);
            }
            return new Started(f, out, log);
        }

        /**
         * Runs the harness with {@code --out FILE} and the given options; returns its result document, or null
         * after recording a skip (exit 3) or a failure.
         */
        private JsonNode invoke(State s, String phase, List<String> args) throws IOException, InterruptedException {
            Started started = start(s, phase, args, true);
            Finished f = started.finished();
            Path out = started.out();
            Path log = started.log();
            if (f.exit() == EXIT_CANNOT_RUN) {
                skip(s, "cannot run here: " + f.lastError());
                return null;
            }
            if (f.exit() != 0) {
                fail(s, phase, (f.timedOut() ? "timed out after " + options.timeoutMinutes + " min" : "exit " + f.exit())
                        + ": " + f.lastError() + " (log " + log + ")", phase.equals("search"));
                return null;
            }
            JsonNode doc;
            try {
                doc = JSON.readTree(out.toFile());
                validate(doc);
            } catch (IOException | RuntimeException e) {
                fail(s, phase, "bad result file " + out + ": " + e.getMessage(), phase.equals("search"));
                return null;
            }
            JsonNode frameworks = doc.get("frameworks");
            if (frameworks instanceof ObjectNode o) {
                if (s.frameworksInfo == null) {
                    s.frameworksInfo = JSON.createObjectNode();
                }
                s.frameworksInfo.setAll(o);
            }
            return doc;
        }

        private static void validate(JsonNode doc) {
            if (doc == null || !doc.path("results").isArray()) {
                throw new IllegalArgumentException("no \"results\" array");
            }
            for (JsonNode r : doc.get("results")) {
                if (!r.path("framework").isTextual() || !r.path("workload").isTextual()) {
                    throw new IllegalArgumentException("a result without framework or workload: " + r);
                }
                boolean hasSamples = r.path("samples").isArray() && !r.path("samples").isEmpty();
                if (!hasSamples && !r.path("median").isNumber()) {
                    throw new IllegalArgumentException("a result without samples or median: " + r);
                }
                for (JsonNode x : r.path("samples")) {
                    if (!x.isNumber()) {
                        throw new IllegalArgumentException("a sample that is not a number: " + r);
                    }
                }
            }
        }

        /** A finished process: exit status, whether it timed out, its first stdout and last stderr lines. */
        record Finished(int exit, boolean timedOut, List<String> stdout, List<String> stderr) {
            String lastError() {
                for (int i = stderr.size() - 1; i >= 0; i--) {
                    if (!stderr.get(i).isBlank()) {
                        return stderr.get(i).strip();
                    }
                }
                return "(nothing on stderr)";
            }
        }

        /** Runs a command, echoing its output (prefixed) and saving it to a log; keeps the last stderr lines. */
        private Finished runProcess(List<String> command, Path log, String prefix)
                throws IOException, InterruptedException {
            Process p;
            try {
                p = new ProcessBuilder(command).directory(options.root.toFile()).start();
            } catch (IOException e) {
                return new Finished(127, false, List.of(),
                        List.of("cannot start " + command.getFirst() + ": " + e.getMessage()));
            }
            p.getOutputStream().close();
            Deque<String> stdout = new ArrayDeque<>();
            Deque<String> stderr = new ArrayDeque<>();
            try (PrintWriter logWriter = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8))) {
                Thread out = pump(p.getInputStream(), prefix, logWriter, stdout, true);
                Thread err = pump(p.getErrorStream(), prefix, logWriter, stderr, false);
                boolean done = p.waitFor(options.timeoutMinutes, TimeUnit.MINUTES);
                if (!done) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor();
                }
                out.join();
                err.join();
                synchronized (stdout) {
                    synchronized (stderr) {
                        return new Finished(done ? p.exitValue() : 124, !done, List.copyOf(stdout), List.copyOf(stderr));
                    }
                }
            }
        }

        /** Copies lines to the log and (with a prefix) the console; keeps the first (head) or last 200 in keep. */
        private static Thread pump(InputStream in, String prefix, PrintWriter log, Deque<String> keep, boolean head) {
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        synchronized (log) {
                            log.println(line);
                        }
                        if (prefix != null) {
                            System.out.println(prefix + line);
                        }
                        synchronized (keep) {
                            if (!head || keep.size() < 200) {
                                keep.addLast(line);
                            }
                            if (keep.size() > 200) {
                                keep.removeFirst();
                            }
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            t.setDaemon(true);
            t.start();
            return t;
        }

        /** framework -> version, as the harnesses report them. */
        private Map<String, String> versions() {
            Map<String, String> v = new LinkedHashMap<>();
            for (State s : states) {
                if (s.frameworksInfo != null) {
                    s.frameworksInfo.properties().forEach(e -> v.put(e.getKey(), e.getValue().path("version").asText("?")));
                }
            }
            return v;
        }

        /** The lines under the table: skips, failures, chosen configurations, framework settings. */
        private List<String> notes() {
            List<String> notes = new ArrayList<>();
            for (State s : states) {
                String name = s.harness.name();
                if (!s.status.equals("ok")) {
                    notes.add("- " + name + ": " + s.status + ": " + s.reason);
                }
                if (s.frameworksInfo != null) {
                    s.frameworksInfo.properties().forEach(e -> notes.add("- " + e.getKey() + " "
                            + e.getValue().path("version").asText("?") + ": " + e.getValue().path("settings").asText("")));
                }
                for (Group g : s.groups.values()) {
                    if (g.acceptAll) {
                        notes.add("- " + name + " config " + g.config + " (its only one) for every workload");
                    } else if (!g.config.isEmpty()) {
                        notes.add("- " + name + " config " + g.config + " (chosen by search) for "
                                + String.join(", ", g.workloads) + " [" + String.join(", ", g.frameworks) + "]");
                    }
                }
            }
            for (Failure f : failures) {
                notes.add("- FAILED: " + f.harness() + " " + f.phase() + ": " + f.reason());
            }
            return notes;
        }

        private String markdown(String started, Map<String, Object> machine, String table, List<String> notes) {
            StringBuilder sb = new StringBuilder();
            sb.append("# bench-compare ").append(started).append(" on ").append(machine.get("host")).append("\n\n");
            for (String line : MachineInfo.describe(machine)) {
                sb.append("- ").append(line).append("\n");
            }
            sb.append("- load average (1, 5, 15 min): ").append(machine.get("loadAverageAtStart")).append(" at start, ")
                    .append(machine.get("loadAverageAtEnd")).append(" at end\n");
            sb.append("- procedure: search with ").append(options.searchSamples).append(" samples per configuration, then ")
                    .append(options.rounds).append(options.rounds == 1 ? " round" : " rounds").append(" of ")
                    .append(options.samples == null ? "the harnesses' default (7)" : options.samples)
                    .append(" samples per workload under the chosen configurations; one process at a time\n\n");
            sb.append("Times: µs per operation (one product, one training step), the median over the rounds of each"
                    + " round's median. Ratios: ").append(CompareReport.RATIO_CONVENTION).append(".\n\n");
            sb.append(table.isEmpty() || report.workloads().isEmpty() ? "(no results)\n" : table);
            if (!notes.isEmpty()) {
                sb.append("\n");
                notes.forEach(n -> sb.append(n).append("\n"));
            }
            return sb.toString();
        }

        private ObjectNode json(String started, Map<String, Object> machine, String table) {
            ObjectNode root = JSON.createObjectNode();
            root.put("comparison", "make bench-compare (benchmarks/COMPARE.md)");
            root.put("date", started);
            root.set("machine", JSON.valueToTree(machine));
            ObjectNode opts = root.putObject("options");
            opts.put("rounds", options.rounds);
            if (options.samples != null) {
                opts.put("samples", options.samples);
            } else {
                opts.putNull("samples");
            }
            opts.put("searchSamples", options.searchSamples);
            opts.set("workloads", JSON.valueToTree(options.workloads));
            opts.set("skip", JSON.valueToTree(options.skip));
            root.put("ratioConvention", CompareReport.RATIO_CONVENTION);

            ObjectNode harnesses = root.putObject("harnesses");
            for (State s : states) {
                ObjectNode h = harnesses.putObject(s.harness.name());
                h.put("status", s.status);
                if (s.reason != null) {
                    h.put("reason", s.reason);
                }
                h.set("command", JSON.valueToTree(s.harness.command()));
                h.set("configs", JSON.valueToTree(s.configs));
                if (s.frameworksInfo != null) {
                    h.set("frameworks", s.frameworksInfo);
                }
                ArrayNode chosen = h.putArray("chosen");
                s.chosen.forEach((key, config) -> {
                    String[] fw = key.split("\\|", 2);
                    ObjectNode c = chosen.addObject();
                    c.put("framework", fw[0]);
                    c.put("workload", fw[1]);
                    if (config.isEmpty()) {
                        c.putNull("config");
                    } else {
                        c.put("config", config);
                    }
                });
                if (s.searchResults != null) {
                    h.set("search", s.searchResults);
                }
                ArrayNode fails = h.putArray("failures");
                failures.stream().filter(f -> f.harness().equals(s.harness.name()))
                        .forEach(f -> fails.addObject().put("phase", f.phase()).put("reason", f.reason()));
            }

            ArrayNode rounds = root.putArray("rounds");
            for (int round = 1; round <= options.rounds; round++) {
                ObjectNode r = rounds.addObject();
                r.put("round", round);
                ArrayNode results = r.putArray("results");
                for (CompareReport.Measurement m : measurements) {
                    if (m.round() != round) {
                        continue;
                    }
                    ObjectNode o = results.addObject();
                    o.put("harness", m.harness());
                    o.put("framework", m.framework());
                    o.put("workload", m.workload());
                    o.put("unit", "us");
                    o.put("config", m.config());
                    o.put("settings", m.settings());
                    ArrayNode samples = o.putArray("samples");
                    Arrays.stream(m.samples()).forEach(samples::add);
                    o.put("median", m.samples().length > 0 ? CompareReport.median(m.samples()) : m.median());
                }
            }

            ObjectNode summary = root.putObject("summary");
            ArrayNode times = summary.putArray("times");
            for (String w : report.workloads()) {
                for (String f : report.frameworks()) {
                    double[] perRound = report.roundMedians(w, f);
                    if (perRound != null) {
                        ObjectNode t = times.addObject();
                        t.put("workload", w);
                        t.put("framework", f);
                        number(t, "median", report.time(w, f));
                        ArrayNode pr = t.putArray("perRound");
                        Arrays.stream(perRound).forEach(v -> addNumber(pr, v));
                    }
                }
            }
            ArrayNode ratios = summary.putArray("ratios");
            for (CompareReport.Ratio r : report.ratios()) {
                ObjectNode o = ratios.addObject();
                o.put("ratio", r.spec().name());
                o.put("subject", r.spec().subject());
                o.put("reference", r.spec().reference());
                o.put("workload", r.workload());
                number(o, "median", r.median());
                number(o, "min", r.min());
                number(o, "max", r.max());
                o.put("rounds", r.rounds());
                ArrayNode pr = o.putArray("perRound");
                Arrays.stream(r.perRound()).forEach(v -> addNumber(pr, v));
            }
            root.put("table", table);
            return root;
        }

        private static void number(ObjectNode o, String field, double v) {
            if (Double.isFinite(v)) {
                o.put(field, v);
            } else {
                o.putNull(field);
            }
        }

        private static void addNumber(ArrayNode a, double v) {
            if (Double.isFinite(v)) {
                a.add(v);
            } else {
                a.addNull();
            }
        }
    }

    /** {@code dir/base}, or {@code dir/base-2}, ... so that neither .json nor .md exists yet. */
    static Path freeName(Path dir, String base) {
        for (int i = 1; ; i++) {
            String name = i == 1 ? base : base + "-" + i;
            if (!Files.exists(dir.resolve(name + ".json")) && !Files.exists(dir.resolve(name + ".md"))) {
                return dir.resolve(name);
            }
        }
    }

    /**
     * {@code --self-test}: the whole procedure on {@link FakeHarness} processes, whose times follow a formula, so
     * that the chosen configurations, the per-round medians and every ratio can be checked exactly.
     */
    static final class SelfTest {
        private SelfTest() {
        }

        static int run(Options given) throws IOException, InterruptedException {
            System.out.println("CompareRunner self-test: the whole procedure on fake harnesses (FakeHarness), checked"
                    + " against hand-computed values; the skipped and FAILED lines below are part of the test");
            Path dir = given.root.resolve("benchmarks/target/compare-selftest").toAbsolutePath();
            if (Files.exists(dir)) {
                try (Stream<Path> old = Files.walk(dir)) {
                    for (Path p : old.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(dir);
            Options o = new Options();
            o.verbose = false;
            o.root = given.root;
            o.rounds = 2;
            o.samples = 3;
            o.searchSamples = 3;
            o.pauseMillis = 0;
            o.timeoutMinutes = 5;
            o.resultsDir = dir.resolve("results");
            o.workDir = dir.resolve("work");
            o.cProgram = dir.resolve("none");
            o.djlDir = dir.resolve("none");
            o.torchScript = dir.resolve("none");
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            String cp = System.getProperty("java.class.path");
            for (String h : HARNESSES) {
                o.commands.put(h, List.of(java.toString(), "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", cp,
                        FakeHarness.class.getName(), h));
            }
            Run run = new Run(o);
            int status = run.execute();

            List<String> problems = new ArrayList<>();
            check(problems, status == 1, "exit status 1 (the fake pytorch fails in round 2), got " + status);
            check(problems, run.failures.size() == 1 && run.failures.getFirst().harness().equals("pytorch")
                    && run.failures.getFirst().phase().startsWith("round 2"), "one failure, pytorch round 2: "
                    + run.failures);
            State djl = run.states.stream().filter(s -> s.harness.name().equals("djl")).findFirst().orElseThrow();
            check(problems, djl.status.equals("skipped") && djl.reason.contains("fake djl cannot run"),
                    "djl skipped with its reason, got " + djl.status + ": " + djl.reason);
            State nabla = run.states.get(1);
            check(problems, nabla.groups.size() == 1 && nabla.groups.get("only") != null
                    && nabla.groups.get("only").acceptAll && "only".equals(nabla.chosen.get("nabla-cpu|step_mlp")),
                    "nabla (one configuration) not searched, run under it: " + nabla.chosen);
            State c = run.states.getFirst();
            check(problems, "t1".equals(c.chosen.get("c-openblas|gemm_f32_64"))
                    && "t2".equals(c.chosen.get("c-openblas|gemm_f64_64")), "c chose t1 for f32, t2 for f64: " + c.chosen);

            CompareReport report = run.report;
            for (String w : List.of("gemm_f32_64", "gemm_f64_256", "gemm_f32_1024", "step_mlp", "step_cnn")) {
                for (String f : List.of("c-openblas", "nabla-cpu", "nabla-java", "pytorch")) {
                    double[] perRound = report.roundMedians(w, f);
                    for (int r = 1; r <= o.rounds; r++) {
                        double expected = FakeHarness.time(f, w, FakeHarness.bestConfig(f, w), r);
                        boolean missing = Double.isNaN(expected)
                                || (f.equals("pytorch") && r == 2 && FakeHarness.bestConfig(f, w).equals("default"));
                        double got = perRound == null ? Double.NaN : perRound[r - 1];
                        check(problems, missing ? Double.isNaN(got) : close(got, expected),
                                f + " " + w + " round " + r + ": expected " + (missing ? "none" : expected) + ", got " + got);
                    }
                }
            }
            for (CompareReport.RatioSpec spec : CompareReport.RATIOS) {
                for (String w : report.workloads()) {
                    CompareReport.Ratio ratio = report.ratio(spec, w);
                    List<Double> expected = new ArrayList<>();
                    for (int r = 1; r <= o.rounds; r++) {
                        double a = report.roundMedians(w, spec.subject()) == null ? Double.NaN
                                : FakeHarness.time(spec.subject(), w, FakeHarness.bestConfig(spec.subject(), w), r);
                        String ref = spec.reference();
                        double b = FakeHarness.time(ref, w, FakeHarness.bestConfig(ref, w), r);
                        if (ref.equals("pytorch") && r == 2 && FakeHarness.bestConfig(ref, w).equals("default")) {
                            b = Double.NaN;
                        }
                        if (!spec.workloads().test(w) || ref.equals("djl")) {
                            b = Double.NaN;
                        }
                        if (Double.isFinite(a / b)) {
                            expected.add(b / a);
                        }
                    }
                    if (expected.isEmpty()) {
                        check(problems, ratio == null, spec.name() + " " + w + ": expected none, got " + ratio);
                        continue;
                    }
                    double[] e = expected.stream().mapToDouble(Double::doubleValue).toArray();
                    double min = Arrays.stream(e).min().orElseThrow();
                    double max = Arrays.stream(e).max().orElseThrow();
                    check(problems, ratio != null && close(ratio.median(), CompareReport.median(e))
                                    && close(ratio.min(), min) && close(ratio.max(), max) && ratio.rounds() == e.length,
                            spec.name() + " " + w + ": expected " + CompareReport.median(e) + " [" + min + ", " + max
                                    + "], got " + ratio);
                }
            }
            // Hand-computed cells of the table (see FakeHarness for the formula).
            String md = Files.readString(run.markdownFile);
            for (String cell : List.of(
                    "| gemm_f32_64 | 8.40 | 10.0 | 20.0 |",   // c 0.8 x 10 us x (1, 1.1); nabla-cpu 10; nabla-java 20
                    "0.84 [0.80–0.88]",                        // Nabla/C gemm_f32_64: 0.8 and 0.88
                    "0.76 [0.72–0.79]",                        // Nabla/C gemm_f64_*: 0.8 x 0.9 x (1, 1.1)
                    "1.00 (1 of 2 rounds)",                    // Nabla/PyTorch step_mlp: pytorch failed in round 2
                    "2.00 [2.00–2.00]",                        // cpu/java gemm_f32_1024
                    " | 52.4 |",                                // Nabla GFLOP/s gemm_f32_64: 2 x 64^3 flops in 10 us
                    "djl: skipped: cannot run here: fake djl cannot run",
                    "FAILED: pytorch round 2 default")) {
                check(problems, md.contains(cell), "the Markdown has " + cell);
            }
            JsonNode json = JSON.readTree(run.jsonFile.toFile());
            check(problems, json.path("rounds").size() == 2 && json.path("harnesses").path("djl").path("status")
                    .asText().equals("skipped") && json.path("summary").path("ratios").size() == report.ratios().size(),
                    "the JSON has 2 rounds, djl skipped and every ratio");
            check(problems, json.path("rounds").get(0).path("results").get(0).path("samples").size() == 3,
                    "the JSON keeps every sample");

            System.out.println();
            if (problems.isEmpty()) {
                System.out.println("CompareRunner self-test: passed (" + report.ratios().size() + " ratios checked;"
                        + " files in " + dir + ")");
                return 0;
            }
            problems.forEach(p -> System.out.println("CompareRunner self-test: FAILED: " + p));
            return 1;
        }

        private static void check(List<String> problems, boolean ok, String what) {
            if (!ok) {
                problems.add(what);
            }
        }

        private static boolean close(double a, double b) {
            return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
        }
    }
}
