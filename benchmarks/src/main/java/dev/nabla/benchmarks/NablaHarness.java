package dev.nabla.benchmarks;

import dev.nabla.Device;
import dev.nabla.backend.java.VectorSupport;
import dev.nabla.benchmarks.Workloads.Workload;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Nabla's harness for {@code make bench-compare}, following {@code benchmarks/COMPARE.md}: runs the COMPARE.md
 * workloads for the frameworks {@code nabla-cpu}, {@code nabla-java} (Vector API), {@code nabla-java-scalar} and
 * {@code ejml} through JMH ({@link GemmBenchmark}, {@link TrainingStepBenchmark}) and writes the result JSON.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp benchmarks.jar \
 *     dev.nabla.benchmarks.NablaHarness --out FILE [--workloads a,b,...] [--samples N] [--config default | --search]
 *     [--list-configs] [--frameworks nabla-cpu,...] [--verbose]
 * </pre>
 *
 * <p>Nabla has one configuration, {@code default} (the cpu backend picks OpenBLAS threads per GEMM itself), so
 * {@code --search} runs that one. {@code --frameworks} restricts the frameworks (default: all four); {@code --verbose} prints JMH's log of each
 * run to stderr (otherwise it is printed only when a run fails).
 *
 * <p>Each (framework, workload) pair is one JMH run in its own forked JVM: one fork, untimed warm-up iterations,
 * then {@code samples} measured iterations; each iteration's mean time per operation (microseconds) is one sample.
 * Iterations are 1 s (2 s for {@code step_cnn}); warm-up is 2 x 1 s for GEMMs, 5 x 1 s for the tutorial-network and MLP steps
 * (JIT-compiling the autograd and kernel paths takes a few seconds) and 3 x 3 s for the CNN step (0.1-0.5 s a
 * step). Which pairs exist: {@code nabla-cpu} and {@code nabla-java} run every workload; {@code nabla-java-scalar}
 * the float32 GEMMs and the tutorial-network and MLP steps ({@code step_cnn} takes about 3 s a step there); {@code ejml} the
 * GEMMs. A requested workload that a framework does not run is skipped for that framework.
 *
 * <p>{@code nabla-java-scalar} forks get the host JVM's arguments without {@code jdk.incubator.vector}, so the java
 * backend takes its scalar kernels.
 *
 * <p>Exit status: 0 on success, 2 for a bad command line, 3 when nothing can run here (OpenBLAS missing while
 * {@code nabla-cpu} is asked for), 1 when a benchmark fails; the reason is the last line on stderr.
 */
public final class NablaHarness {
    /** The default workloads: every one of COMPARE.md's. */
    static final List<String> DEFAULT_WORKLOADS = List.of(
            "gemm_f32_64", "gemm_f32_256", "gemm_f32_1024", "gemm_f64_64", "gemm_f64_256", "gemm_f64_1024",
            "gemm_f32_128x784x512", "gemm_f32_128x512x256", "gemm_f32_128x256x10",
            "step_seed", "step_mlp", "step_cnn");
    /** The only configuration. */
    static final String CONFIG = "default";
    private static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private NablaHarness() {
    }

    /** A framework of COMPARE.md that this harness measures. */
    enum Framework {
        NABLA_CPU("nabla-cpu"),
        NABLA_JAVA("nabla-java"),
        NABLA_JAVA_SCALAR("nabla-java-scalar"),
        EJML("ejml");

        final String id;

        Framework(String id) {
            this.id = id;
        }

        static Framework parse(String id) {
            for (Framework f : values()) {
                if (f.id.equals(id.strip())) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown framework '" + id + "', expected one of "
                    + Arrays.stream(values()).map(f -> f.id).toList());
        }

        /** Whether this harness runs {@code w} for this framework (see the class comment). */
        boolean runs(Job w) {
            return switch (this) {
                case NABLA_CPU, NABLA_JAVA -> true;
                case NABLA_JAVA_SCALAR -> w instanceof GemmJob g ? g.dtype().equals("float32")
                        : ((StepJob) w).workload() != Workload.CNN;
                case EJML -> w instanceof GemmJob;
            };
        }
    }

    /** A COMPARE.md workload, mapped to the JMH benchmark that measures it. */
    sealed interface Job permits GemmJob, StepJob {
        /** COMPARE.md's name of the workload. */
        String name();

        /** JMH options that run this workload for {@code framework}, without the timing settings. */
        ChainedOptionsBuilder options(Framework framework);

        /** Warm-up iterations, iteration seconds of warm-up and measurement. */
        Timing timing();

        /**
         * Parses a COMPARE.md workload name: {@code gemm_f32_<n>}, {@code gemm_f64_<n>}, {@code gemm_f32_MxKxN},
         * {@code step_seed}, {@code step_mlp}, {@code step_cnn}.
         */
        static Job parse(String name) {
            String n = name.strip();
            if (n.startsWith("step_")) {
                return new StepJob(n, Workload.parse(n));
            }
            var m = Pattern.compile("gemm_(f32|f64)_(\\d+(?:x\\d+x\\d+)?)").matcher(n);
            if (m.matches()) {
                GemmBenchmark.mkn(m.group(2)); // rejects malformed shapes here, not in a fork
                return new GemmJob(n, m.group(1).equals("f32") ? "float32" : "float64", m.group(2));
            }
            throw new IllegalArgumentException("unknown workload '" + name + "', expected gemm_f32_<n>, gemm_f64_<n>,"
                    + " gemm_f32_MxKxN, step_seed, step_mlp or step_cnn");
        }
    }

    /** How long to warm up and how long one measured iteration (one sample) lasts. */
    record Timing(int warmupIterations, int warmupSeconds, int iterationSeconds) {
        String describe(int samples) {
            return String.format(Locale.ROOT, "JMH, 1 fork, warm-up %d x %d s, then %d x %d s iterations"
                    + " (sample = an iteration's mean time per operation)",
                    warmupIterations, warmupSeconds, samples, iterationSeconds);
        }
    }

    /** {@code gemm_*}: {@link GemmBenchmark} at one shape and dtype. */
    record GemmJob(String name, String dtype, String shape) implements Job {
        @Override
        public ChainedOptionsBuilder options(Framework framework) {
            String method = switch (framework) {
                case NABLA_CPU -> "nablaCpu";
                case NABLA_JAVA, NABLA_JAVA_SCALAR -> "nablaJava"; // scalar: same method, JVM without the module
                case EJML -> "ejml";
            };
            return include(GemmBenchmark.class, method).param("shape", shape).param("dtype", dtype);
        }

        @Override
        public Timing timing() {
            return new Timing(2, 1, 1);
        }
    }

    /** {@code step_*}: {@link TrainingStepBenchmark} for one model. */
    record StepJob(String name, Workload workload) implements Job {
        @Override
        public ChainedOptionsBuilder options(Framework framework) {
            return switch (framework) {
                case NABLA_CPU -> include(TrainingStepBenchmark.class, "nabla")
                        .param("model", workload.shortName()).param("device", "cpu");
                case NABLA_JAVA -> include(TrainingStepBenchmark.class, "nabla")
                        .param("model", workload.shortName()).param("device", "java");
                case NABLA_JAVA_SCALAR -> include(TrainingStepBenchmark.class, "nablaJavaScalar")
                        .param("model", workload.shortName());
                case EJML -> throw new IllegalArgumentException("ejml has no training step");
            };
        }

        @Override
        public Timing timing() {
            return workload == Workload.CNN ? new Timing(3, 3, 2) : new Timing(5, 1, 1);
        }
    }

    /** Options that run exactly {@code benchmark.method}. */
    static ChainedOptionsBuilder include(Class<?> benchmark, String method) {
        return new OptionsBuilder().include("^" + Pattern.quote(benchmark.getName() + "." + method) + "$");
    }

    /** The parsed command line. */
    record Arguments(Path out, List<Job> jobs, int samples, Set<Framework> frameworks, boolean listConfigs,
                     boolean verbose) {
        static Arguments parse(String[] args) {
            Path out = null;
            List<String> workloads = DEFAULT_WORKLOADS;
            int samples = 7;
            Set<Framework> frameworks = EnumSet.allOf(Framework.class);
            boolean list = false;
            boolean verbose = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--list-configs" -> list = true;
                    case "--verbose" -> verbose = true;
                    case "--search" -> {
                        // the one configuration is the search's result
                    }
                    case "--out" -> out = Path.of(value(args, ++i, a));
                    case "--workloads" -> workloads = List.of(value(args, ++i, a).split(","));
                    case "--samples" -> {
                        samples = Integer.parseInt(value(args, ++i, a));
                        if (samples < 1) {
                            throw new IllegalArgumentException("--samples must be >= 1, got " + samples);
                        }
                    }
                    case "--config" -> {
                        String c = value(args, ++i, a);
                        if (!c.equals(CONFIG)) {
                            throw new IllegalArgumentException("unknown config '" + c + "', the only one is " + CONFIG);
                        }
                    }
                    case "--frameworks" -> {
                        frameworks = EnumSet.noneOf(Framework.class);
                        for (String f : value(args, ++i, a).split(",")) {
                            frameworks.add(Framework.parse(f));
                        }
                    }
                    default -> throw new IllegalArgumentException("unknown option '" + a + "'");
                }
            }
            if (out == null && !list) {
                throw new IllegalArgumentException("--out FILE is required");
            }
            List<Job> jobs = workloads.stream().map(Job::parse).toList();
            return new Arguments(out, jobs, samples, frameworks, list, verbose);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }
    }

    /** One (framework, workload) measurement. */
    record Measurement(Framework framework, Job job, List<Double> samples, String settings) {
        double median() {
            double[] v = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int n = v.length;
            return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        }
    }

    public static void main(String[] args) {
        Arguments arguments;
        try {
            arguments = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            fail(2, "NablaHarness: " + e.getMessage() + " (usage: --out FILE [--workloads a,b] [--samples N]"
                    + " [--config default | --search] [--list-configs] [--frameworks nabla-cpu,nabla-java,"
                    + "nabla-java-scalar,ejml] [--verbose])");
            return;
        }
        if (arguments.listConfigs()) {
            System.out.println(CONFIG);
            return;
        }
        if (arguments.frameworks().contains(Framework.NABLA_CPU) && !Device.CPU.isNative()) {
            fail(3, "NablaHarness: OpenBLAS cannot be loaded, so nabla-cpu cannot run ("
                    + Device.CPU.description() + "); --frameworks can leave it out");
            return;
        }
        List<Measurement> results = new ArrayList<>();
        for (Framework framework : arguments.frameworks()) {
            for (Job job : arguments.jobs()) {
                if (!framework.runs(job)) {
                    continue;
                }
                try {
                    results.add(measure(framework, job, arguments.samples(), arguments.verbose()));
                } catch (RunnerException | RuntimeException e) {
                    fail(1, "NablaHarness: " + framework.id + " " + job.name() + " failed: " + e);
                    return;
                }
            }
        }
        if (results.isEmpty()) {
            fail(2, "NablaHarness: none of the frameworks "
                    + arguments.frameworks().stream().map(f -> f.id).toList() + " runs any of the workloads");
            return;
        }
        try {
            Path parent = arguments.out().toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(arguments.out(), ResultJson.write(results, frameworkSettings()));
        } catch (IOException e) {
            fail(1, "NablaHarness: cannot write " + arguments.out() + ": " + e.getMessage());
        }
    }

    /** Prints {@code reason} as the last line on stderr and exits with {@code status}. */
    private static void fail(int status, String reason) {
        System.err.println(reason);
        System.exit(status);
    }

    /**
     * Runs one pair through JMH; JMH's own log goes to a buffer that is printed to stderr if the run fails or
     * {@code verbose} is set.
     */
    static Measurement measure(Framework framework, Job job, int samples, boolean verbose) throws RunnerException {
        Timing t = job.timing();
        ChainedOptionsBuilder options = job.options(framework)
                .forks(1)
                .warmupIterations(t.warmupIterations()).warmupTime(TimeValue.seconds(t.warmupSeconds()))
                .measurementIterations(samples).measurementTime(TimeValue.seconds(t.iterationSeconds()))
                .mode(Mode.AverageTime).timeUnit(TimeUnit.MICROSECONDS)
                .shouldFailOnError(true);
        if (framework == Framework.NABLA_JAVA_SCALAR) {
            // jvmArgs replaces what forks inherit from this JVM; our append replaces the @Fork's (--add-modules)
            options.jvmArgs(scalarJvmArgs()).jvmArgsAppend("-Dnabla.benchmark.framework=" + framework.id);
        }
        System.err.printf(Locale.ROOT, "%s %s: %s ...%n", framework.id, job.name(), t.describe(samples));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Collection<RunResult> runs;
        try (PrintStream out = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            try {
                runs = new Runner(options.build(), OutputFormatFactory.createFormatInstance(out, VerboseMode.NORMAL))
                        .run();
            } catch (RunnerException | RuntimeException e) {
                System.err.println(log.toString(StandardCharsets.UTF_8));
                throw e;
            }
        }
        if (verbose) {
            System.err.println(log.toString(StandardCharsets.UTF_8));
        }
        List<Double> values = new ArrayList<>();
        for (RunResult run : runs) {
            for (BenchmarkResult fork : run.getBenchmarkResults()) {
                for (IterationResult iteration : fork.getIterationResults()) {
                    values.add(iteration.getPrimaryResult().getScore()
                            * GemmReport.toMicros(iteration.getScoreUnit()));
                }
            }
        }
        if (values.isEmpty()) {
            System.err.println(log.toString(StandardCharsets.UTF_8));
            throw new IllegalStateException("JMH ran no benchmark for " + job.options(framework).build().getIncludes());
        }
        Measurement m = new Measurement(framework, job, values, t.describe(samples));
        System.err.printf(Locale.ROOT, "%s %s: median %.2f us over %d samples%n", framework.id, job.name(),
                m.median(), values.size());
        return m;
    }

    /** This JVM's arguments without {@code jdk.incubator.vector}, with native access enabled. */
    static String[] scalarJvmArgs() {
        List<String> in = ManagementFactory.getRuntimeMXBean().getInputArguments();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            String a = in.get(i);
            String modules;
            if (a.equals("--add-modules") && i + 1 < in.size()) {
                modules = in.get(++i);
            } else if (a.startsWith("--add-modules=")) {
                modules = a.substring("--add-modules=".length());
            } else {
                out.add(a);
                continue;
            }
            String kept = String.join(",", Arrays.stream(modules.split(","))
                    .filter(module -> !module.equals(VECTOR_MODULE)).toList());
            if (!kept.isEmpty()) {
                out.add("--add-modules=" + kept);
            }
        }
        if (!out.contains(NATIVE_ACCESS)) {
            out.add(NATIVE_ACCESS);
        }
        return out.toArray(String[]::new);
    }

    /** Version and settings line of each framework, for the JSON's {@code frameworks} object. */
    static Map<Framework, String[]> frameworkSettings() {
        String jdk = "JDK " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name")
                + ")";
        String nabla = nablaVersion();
        Map<Framework, String[]> s = new LinkedHashMap<>();
        String blas = Device.CPU.isNative() ? Device.CPU.description() : "OpenBLAS not loaded";
        s.put(Framework.NABLA_CPU, new String[] {nabla, "cpu device: " + blas + "; the backend runs small GEMMs on 1"
                + " OpenBLAS thread, large ones on up to " + Device.cpuThreads() + "; Java kernels on up to "
                + Device.cpuThreads() + " threads, Vector API; " + jdk});
        s.put(Framework.NABLA_JAVA, new String[] {nabla, "java device: pure-Java kernels, Vector API"
                + " (--add-modules jdk.incubator.vector), single-threaded; " + jdk});
        s.put(Framework.NABLA_JAVA_SCALAR, new String[] {nabla, "java device: pure-Java scalar kernels (JVM without"
                + " jdk.incubator.vector), single-threaded; " + jdk});
        s.put(Framework.EJML, new String[] {org.ejml.EjmlVersion.VERSION, "CommonOps_FDRM/DDRM.mult into a"
                + " preallocated output, single-threaded; " + jdk});
        if (!VectorSupport.available()) {
            // this JVM lacks the module, but the nabla-cpu and nabla-java forks add it (@Fork jvmArgsAppend)
            System.err.println("NablaHarness: note: this JVM runs without " + VECTOR_MODULE
                    + "; the benchmark forks that need it add it themselves");
        }
        return s;
    }

    /** Nabla's version from the library jar's Maven metadata, or "unknown". */
    static String nablaVersion() {
        try (InputStream in = Device.class.getResourceAsStream("/META-INF/maven/dev.nabla/nabla/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    /** Writes COMPARE.md's result JSON. */
    static final class ResultJson {
        private ResultJson() {
        }

        static String write(List<Measurement> results, Map<Framework, String[]> settings) {
            StringBuilder b = new StringBuilder();
            b.append("{\n  \"harness\": \"nabla\",\n  \"frameworks\": {");
            List<Framework> used = results.stream().map(Measurement::framework).distinct().toList();
            for (int i = 0; i < used.size(); i++) {
                Framework f = used.get(i);
                b.append(i == 0 ? "\n" : ",\n").append("    ").append(string(f.id)).append(": {\"version\": ")
                        .append(string(settings.get(f)[0])).append(", \"settings\": ")
                        .append(string(settings.get(f)[1])).append('}');
            }
            b.append("\n  },\n  \"results\": [");
            for (int i = 0; i < results.size(); i++) {
                Measurement m = results.get(i);
                b.append(i == 0 ? "\n" : ",\n").append("    {\"framework\": ").append(string(m.framework().id))
                        .append(", \"workload\": ").append(string(m.job().name()))
                        .append(", \"unit\": \"us\", \"samples\": [");
                for (int k = 0; k < m.samples().size(); k++) {
                    b.append(k == 0 ? "" : ", ").append(number(m.samples().get(k)));
                }
                b.append("], \"median\": ").append(number(m.median()))
                        .append(", \"config\": ").append(string(CONFIG))
                        .append(", \"settings\": ").append(string(m.settings())).append('}');
            }
            b.append("\n  ]\n}\n");
            return b.toString();
        }

        private static String number(double v) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("not a finite sample: " + v);
            }
            return String.format(Locale.ROOT, "%.3f", v);
        }

        private static String string(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\t' -> b.append("\\t");
                    case '\r' -> b.append("\\r");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"').toString();
        }
    }
}
