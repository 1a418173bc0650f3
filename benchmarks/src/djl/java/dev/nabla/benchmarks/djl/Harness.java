package dev.nabla.benchmarks.djl;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.nabla.benchmarks.djl.DjlBench.Options;
import dev.nabla.benchmarks.djl.DjlBench.ThreadConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs the harness once the command line is known: the workloads in this JVM, or each thread configuration in a
 * child JVM, and writes the result file.
 */
final class Harness {
    private static final String FRAMEWORK = "djl";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private Harness() {
    }

    /** Thrown when the PyTorch engine cannot start here: status 3. */
    private static final class CannotRun extends Exception {
        private static final long serialVersionUID = 1L;

        CannotRun(String message) {
            super(message);
        }
    }

    static int run(Options o, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        try {
            if (o.search() || (o.config() != null && !o.child())) {
                return runChildren(o, out, err);
            }
            return runHere(o, out);
        } catch (CannotRun e) {
            err.println("djl: cannot run: " + e.getMessage());
            return DjlBench.EXIT_CANNOT_RUN;
        }
    }

    // ---------------------------------------------------------------- in this JVM

    private static int runHere(Options o, PrintStream out) throws IOException, CannotRun {
        prepareDjl();
        String version = startEngine();
        String settings = (o.config() != null ? o.config().describe() : describeEnvironment()) + "; libtorch reports "
                + JniUtils.getNumThreads() + " intra-op, " + JniUtils.getNumInteropThreads() + " inter-op threads";
        String tag = o.config() != null ? " [" + o.config().name() + "]" : "";

        JsonArray results = new JsonArray();
        for (String name : o.workloads()) {
            WorkloadSpec spec = WorkloadSpec.parse(name);
            double[] samples;
            int inner;
            try (Workloads.Op op = Workloads.create(spec)) {
                Timing t = Timing.measure(op::run, spec.slowWarmUp(), o.samples());
                samples = t.samples();
                inner = t.inner();
            }
            double median = median(samples);
            out.printf(Locale.ROOT, "djl%s %s: median %.3f us (%d samples of %d ops)%n", tag, name, median,
                    samples.length, inner);
            JsonObject r = new JsonObject();
            r.addProperty("framework", FRAMEWORK);
            r.addProperty("workload", name);
            r.addProperty("unit", "us");
            JsonArray s = new JsonArray();
            for (double v : samples) {
                s.add(round(v));
            }
            r.add("samples", s);
            r.addProperty("median", round(median));
            if (o.config() != null) {
                r.addProperty("config", o.config().name());
                r.addProperty("settings", settings);
            }
            results.add(r);
        }
        writeResult(o.out(), version, settings, results);
        return 0;
    }

    /**
     * System properties DJL reads when its classes start, so this runs before any of them is used: no network
     * (offline mode also turns telemetry off; the opt-out is set too in case), a cache dir inside the build
     * folder instead of ~/.djl.ai, and its logging cut down to warnings.
     */
    private static void prepareDjl() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        if (System.getenv("DJL_CACHE_DIR") == null && System.getProperty("DJL_CACHE_DIR") == null) {
            Path cache = defaultCacheDir();
            if (cache != null) {
                System.setProperty("DJL_CACHE_DIR", cache.toString());
            }
        }
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        // DJL probes for CUDA whenever it lists devices and warns when a CUDA runtime is found but unusable;
        // every array and model here is placed on the CPU explicitly, so that warning is noise.
        String cudaLogger = "org.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils";
        if (System.getProperty(cudaLogger) == null) {
            System.setProperty(cudaLogger, "error");
        }
    }

    /** {@code djl-cache} beside the classes folder or jar this class came from (the build folder). */
    private static Path defaultCacheDir() {
        try {
            CodeSource src = Harness.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return null;
            }
            Path parent = Path.of(src.getLocation().toURI()).toAbsolutePath().getParent();
            return parent == null ? null : parent.resolve("djl-cache");
        } catch (URISyntaxException | IllegalArgumentException | SecurityException e) {
            return null;
        }
    }

    /** Loads the PyTorch engine (extracting libtorch on the first run) and returns the version string. */
    private static String startEngine() throws CannotRun {
        try {
            Engine engine = Engine.getEngine(Workloads.ENGINE);
            engine.setRandomSeed(42);
            return Engine.getDjlVersion() + " (libtorch " + engine.getVersion() + ")";
        } catch (RuntimeException | LinkageError e) {
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause() != cause) {
                cause = cause.getCause();
            }
            throw new CannotRun("the DJL PyTorch engine did not start: " + DjlBench.oneLine(e)
                    + (cause != e ? " (cause: " + DjlBench.oneLine(cause) + ")" : ""));
        }
    }

    private static String describeEnvironment() {
        String threads = System.getenv("OMP_NUM_THREADS");
        String policy = System.getenv("OMP_WAIT_POLICY");
        return "no config: OMP_NUM_THREADS=" + (threads == null ? "unset" : threads)
                + ", OMP_WAIT_POLICY=" + (policy == null ? "unset" : policy)
                + ", ai.djl.pytorch.num_threads=" + System.getProperty("ai.djl.pytorch.num_threads", "unset");
    }

    // ---------------------------------------------------------------- child JVMs

    /** What a child JVM wrote: the version line and its results by workload. */
    private record ChildRun(ThreadConfig config, String version, Map<String, JsonObject> results) {
    }

    private static int runChildren(Options o, PrintStream out, PrintStream err)
            throws IOException, InterruptedException, CannotRun {
        List<ThreadConfig> configs = o.search() ? DjlBench.CONFIGS : List.of(o.config());
        List<ChildRun> runs = new ArrayList<>();
        for (ThreadConfig c : configs) {
            ChildRun run = runChild(c, o, out, err);
            if (run == null) {
                return 1;
            }
            runs.add(run);
        }
        String version = runs.get(0).version();
        JsonArray results = new JsonArray();
        String settings;
        if (!o.search()) {
            ChildRun only = runs.get(0);
            for (String w : o.workloads()) {
                results.add(only.results().get(w));
            }
            settings = only.results().isEmpty() ? o.config().describe()
                    : only.results().values().iterator().next().get("settings").getAsString();
        } else {
            for (String w : o.workloads()) {
                JsonObject best = null;
                for (ChildRun run : runs) {
                    JsonObject r = run.results().get(w);
                    if (best == null || r.get("median").getAsDouble() < best.get("median").getAsDouble()) {
                        best = r;
                    }
                }
                JsonObject chosen = best.deepCopy();
                chosen.addProperty("settings", best.get("settings").getAsString() + " (chosen by search)");
                results.add(chosen);
                out.printf(Locale.ROOT, "djl search %s: %s%n", w, searchLine(runs, w, chosen));
            }
            List<String> names = configs.stream().map(ThreadConfig::name).toList();
            settings = "per workload the fastest of " + String.join(", ", names) + ", each in a fresh JVM";
        }
        writeResult(o.out(), version, settings, results);
        return 0;
    }

    private static String searchLine(List<ChildRun> runs, String workload, JsonObject chosen) {
        StringBuilder sb = new StringBuilder("chose " + chosen.get("config").getAsString() + " (");
        for (int i = 0; i < runs.size(); i++) {
            JsonObject r = runs.get(i).results().get(workload);
            sb.append(i == 0 ? "" : ", ").append(runs.get(i).config().name()).append(' ')
                    .append(r.get("median").getAsDouble()).append(" us");
        }
        return sb.append(')').toString();
    }

    /**
     * Runs this harness for one configuration in a fresh JVM: same java binary, JVM options and class path; the
     * configuration's environment and DJL properties added. Returns null (after printing the child's reason)
     * when it fails; status 3 from the child is passed on as {@link CannotRun}.
     */
    private static ChildRun runChild(ThreadConfig c, Options o, PrintStream out, PrintStream err)
            throws IOException, InterruptedException, CannotRun {
        Path result = Files.createTempFile("djl-" + c.name() + "-", ".json");
        Path stderr = Files.createTempFile("djl-" + c.name() + "-", ".err");
        try {
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
            // After the inherited options, so that these win over a -D of the same name given to the parent.
            c.systemProperties().forEach((k, v) -> cmd.add("-D" + k + "=" + v));
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(DjlBench.class.getName());
            cmd.addAll(List.of("--out", result.toString(), "--workloads", String.join(",", o.workloads()),
                    "--samples", Integer.toString(o.samples()), "--config", c.name(), "--child"));

            ProcessBuilder pb = new ProcessBuilder(cmd);
            c.environment().forEach((k, v) -> {
                if (v == null) {
                    pb.environment().remove(k);
                } else {
                    pb.environment().put(k, v);
                }
            });
            // Progress lines go straight through; stderr is kept so that a failure ends in one line here.
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
            pb.redirectError(stderr.toFile());
            out.flush();
            int rc = pb.start().waitFor();
            List<String> errLines = Files.readAllLines(stderr, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.isBlank()).toList();
            if (rc == DjlBench.EXIT_CANNOT_RUN) {
                String last = errLines.isEmpty() ? "" : errLines.get(errLines.size() - 1);
                throw new CannotRun(last.replaceFirst("^djl: cannot run: ", ""));
            }
            if (rc != 0) {
                String last = errLines.isEmpty() ? "no message" : errLines.get(errLines.size() - 1);
                err.println("djl: config " + c.name() + " failed (status " + rc + "): " + last);
                return null;
            }
            // Warnings of a successful child (DJL's own) are passed on as they are.
            errLines.forEach(err::println);
            JsonObject json = JsonParser.parseString(Files.readString(result, StandardCharsets.UTF_8))
                    .getAsJsonObject();
            String version = json.getAsJsonObject("frameworks").getAsJsonObject(FRAMEWORK).get("version")
                    .getAsString();
            Map<String, JsonObject> byWorkload = new LinkedHashMap<>();
            for (JsonElement e : json.getAsJsonArray("results")) {
                JsonObject r = e.getAsJsonObject();
                byWorkload.put(r.get("workload").getAsString(), r);
            }
            for (String w : o.workloads()) {
                if (!byWorkload.containsKey(w)) {
                    err.println("djl: config " + c.name() + " wrote no result for " + w);
                    return null;
                }
            }
            return new ChildRun(c, version, byWorkload);
        } finally {
            Files.deleteIfExists(result);
            Files.deleteIfExists(stderr);
        }
    }

    // ---------------------------------------------------------------- output

    private static void writeResult(Path out, String version, String settings, JsonArray results)
            throws IOException {
        JsonObject fw = new JsonObject();
        fw.addProperty("version", version);
        fw.addProperty("settings", settings);
        JsonObject frameworks = new JsonObject();
        frameworks.add(FRAMEWORK, fw);
        JsonObject root = new JsonObject();
        root.addProperty("harness", FRAMEWORK);
        root.add("frameworks", frameworks);
        root.add("results", results);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(out, GSON.toJson(root) + "\n", StandardCharsets.UTF_8);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** Three decimals of a microsecond: below timer noise, and keeps the file readable. */
    private static double round(double us) {
        return Math.round(us * 1000.0) / 1000.0;
    }
}
