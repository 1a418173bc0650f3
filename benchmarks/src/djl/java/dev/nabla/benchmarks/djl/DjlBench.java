package dev.nabla.benchmarks.djl;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The DJL (PyTorch engine, CPU) harness of the side-by-side comparison: runs the workloads of
 * {@code benchmarks/COMPARE.md} with DJL's own API and writes the result file that document defines (framework
 * name {@code djl}).
 *
 * <p>Build (only the {@code djl} profile compiles this package and copies DJL, libtorch included, into
 * {@code djl-lib}; nothing is downloaded when the local repository already holds the artifacts):
 * <pre>
 * mvn -o -q -B -pl benchmarks -am -P djl -Dbenchmarks.build.dir=$PWD/benchmarks/target-djl package
 * </pre>
 * Run (from the repository root; quote the class path so the shell leaves the {@code *} to Java):
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -DDJL_CACHE_DIR=benchmarks/target-djl/djl-cache \
 *      -cp 'benchmarks/target-djl/classes:benchmarks/target-djl/djl-lib/*' \
 *      dev.nabla.benchmarks.djl.DjlBench --out djl.json [--workloads a,b] [--samples N]
 *      [--config NAME | --search] [--list-configs]
 * </pre>
 * DJL runs offline ({@code ai.djl.offline=true}, set here): libtorch comes from the pytorch-native-cpu jar on the
 * class path and is extracted once into the DJL cache dir ({@code DJL_CACHE_DIR}, environment or system property;
 * by default {@code djl-cache} next to the folder this class was loaded from, so nothing goes to the home
 * directory). The first run spends a few seconds extracting about 450 MB there.
 *
 * <p>{@code --config} and {@code --search} run each thread configuration in a fresh JVM (same java binary, class
 * path and JVM options), because {@code OMP_NUM_THREADS} and {@code OMP_WAIT_POLICY} are read when libgomp
 * starts. Without either option the workloads run in this JVM under whatever environment it has.
 *
 * <p>Exit status: 0 on success, 2 on bad arguments, 3 when DJL or its PyTorch engine cannot run here, 1 on
 * other failures; each failure prints one line on stderr.
 */
public final class DjlBench {
    /** Exit status for bad command-line arguments. */
    static final int EXIT_USAGE = 2;
    /** Exit status, fixed by COMPARE.md, for a harness that cannot run at all on this machine. */
    static final int EXIT_CANNOT_RUN = 3;

    static final String USAGE = "usage: DjlBench --out FILE [--workloads a,b,...] [--samples N]"
            + " [--config NAME | --search] [--list-configs]";

    /**
     * The thread configurations of COMPARE.md's "Thread settings" for DJL: {@code OMP_NUM_THREADS} 1 and 2, with
     * and without {@code OMP_WAIT_POLICY=PASSIVE}. DJL's own properties are set to match: PtEngine passes
     * {@code ai.djl.pytorch.num_threads} to libtorch's set_num_threads, which sizes both the OpenMP pool and MKL's
     * (MKL is linked into libtorch_cpu), so no MKL variable is needed. Inter-op threads stay at 1 because eager
     * training never runs ops concurrently.
     */
    static final List<ThreadConfig> CONFIGS = List.of(
            new ThreadConfig("omp1", 1, false, false),
            new ThreadConfig("omp1-passive", 1, true, false),
            new ThreadConfig("omp2", 2, false, false),
            new ThreadConfig("omp2-passive", 2, true, false),
            new ThreadConfig("omp1-malloc", 1, false, true),
            new ThreadConfig("omp2-passive-malloc", 2, true, true));

    private DjlBench() {
    }

    /**
     * One thread configuration: the environment and system properties a fresh JVM gets.
     *
     * @param name    the name used by {@code --config} and written into results
     * @param threads {@code OMP_NUM_THREADS} and {@code ai.djl.pytorch.num_threads}
     * @param passive whether {@code OMP_WAIT_POLICY=PASSIVE} (idle OpenMP threads sleep instead of spinning)
     * @param malloc  whether glibc's mmap and trim thresholds are raised, so that libtorch's large blocks stay in the
     *                heap instead of being mapped (and page-faulted in) afresh every step; not a default a user gets,
     *                but tried so that DJL is compared at its best
     */
    record ThreadConfig(String name, int threads, boolean passive, boolean malloc) {
        /** Environment variables to set in the child; a null value means "remove". */
        Map<String, String> environment() {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("OMP_NUM_THREADS", Integer.toString(threads));
            env.put("OMP_WAIT_POLICY", passive ? "PASSIVE" : null);
            env.put("MALLOC_MMAP_THRESHOLD_", malloc ? "1000000000" : null);
            env.put("MALLOC_TRIM_THRESHOLD_", malloc ? "4000000000" : null);
            return env;
        }

        /** System properties DJL's PyTorch engine reads when it starts (PtEngine.newInstance). */
        Map<String, String> systemProperties() {
            Map<String, String> props = new LinkedHashMap<>();
            props.put("ai.djl.pytorch.num_threads", Integer.toString(threads));
            props.put("ai.djl.pytorch.num_interop_threads", "1");
            return props;
        }

        /** The human-readable form written as {@code settings}. */
        String describe() {
            return "OMP_NUM_THREADS=" + threads + (passive ? ", OMP_WAIT_POLICY=PASSIVE" : "")
                    + (malloc ? ", MALLOC_MMAP_THRESHOLD_=1000000000, MALLOC_TRIM_THRESHOLD_=4000000000" : "")
                    + ", ai.djl.pytorch.num_threads=" + threads + ", num_interop_threads=1";
        }
    }

    /**
     * Parsed command line.
     *
     * @param out       the result file
     * @param workloads workload names, in order
     * @param samples   timed repetitions per workload
     * @param config    the configuration to run under, or null
     * @param search    whether to try every configuration
     * @param child     internal: this JVM is the fresh process of {@code config}, already set up by its parent
     */
    record Options(Path out, List<String> workloads, int samples, ThreadConfig config, boolean search,
                   boolean child) {
    }

    /** Thrown for a bad command line; the message is the one line printed. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * Entry point; see the class comment for the command line.
     *
     * @param args command-line arguments
     */
    public static void main(String[] args) {
        int status;
        try {
            status = run(args, System.out, System.err);
        } catch (Throwable t) {
            System.err.println("djl: failed: " + oneLine(t));
            if (Boolean.getBoolean("djlbench.trace")) {
                // One line is the contract; the whole trace only on request, for debugging the harness.
                t.printStackTrace();
            }
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    private static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        for (String a : args) {
            // --list-configs needs nothing else, not even DJL.
            if (a.equals("--list-configs")) {
                for (ThreadConfig c : CONFIGS) {
                    out.println(c.name());
                }
                return 0;
            }
        }
        Options options;
        try {
            options = parse(args);
        } catch (UsageException e) {
            err.println("djl: " + e.getMessage() + " (" + USAGE + ")");
            return EXIT_USAGE;
        }
        // Checked by name before any class that links against DJL or Gson is loaded, so a missing jar gives
        // status 3 with a clear line instead of a NoClassDefFoundError.
        for (String cls : List.of("ai.djl.engine.Engine", "ai.djl.pytorch.engine.PtEngine",
                "com.google.gson.Gson")) {
            try {
                Class.forName(cls, false, DjlBench.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                err.println("djl: cannot run: " + cls + " is not on the class path (build with -P djl and put"
                        + " djl-lib/* on the class path)");
                return EXIT_CANNOT_RUN;
            }
        }
        return Harness.run(options, out, err);
    }

    static Options parse(String[] args) throws UsageException {
        Path out = null;
        List<String> workloads = null;
        int samples = 7;
        ThreadConfig config = null;
        boolean search = false;
        boolean child = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--workloads" -> workloads = parseWorkloads(value(args, ++i, a));
                case "--samples" -> {
                    String v = value(args, ++i, a);
                    try {
                        samples = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        samples = 0;
                    }
                    if (samples < 1 || samples > 10_000) {
                        throw new UsageException("--samples needs a whole number from 1 to 10000, not '" + v + "'");
                    }
                }
                case "--config" -> config = configNamed(value(args, ++i, a));
                case "--search" -> search = true;
                case "--child" -> child = true;
                default -> throw new UsageException("unknown argument '" + a + "'");
            }
        }
        if (out == null) {
            throw new UsageException("--out FILE is required");
        }
        if (Files.isDirectory(out)) {
            throw new UsageException("--out " + out + " is a directory");
        }
        if (search && config != null) {
            throw new UsageException("--config and --search exclude each other");
        }
        if (child && config == null) {
            throw new UsageException("--child is internal and needs --config");
        }
        if (workloads == null) {
            workloads = WorkloadSpec.ALL;
        }
        return new Options(out, workloads, samples, config, search, child);
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new UsageException(option + " needs a value");
        }
        return args[i];
    }

    private static List<String> parseWorkloads(String list) throws UsageException {
        List<String> names = new ArrayList<>();
        for (String s : list.split(",", -1)) {
            String name = s.strip();
            if (name.isEmpty()) {
                throw new UsageException("empty name in --workloads '" + list + "'");
            }
            if (WorkloadSpec.parse(name) == null) {
                throw new UsageException("unknown workload '" + name + "'; known: " + String.join(",", WorkloadSpec.ALL)
                        + " (gemm_<f32|f64>_<n> and gemm_<f32|f64>_<M>x<K>x<N> take other sizes too)");
            }
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }

    private static ThreadConfig configNamed(String name) throws UsageException {
        for (ThreadConfig c : CONFIGS) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        List<String> names = CONFIGS.stream().map(ThreadConfig::name).toList();
        throw new UsageException("unknown config '" + name + "'; known: " + String.join(",", names));
    }

    /** A throwable as one line (type and message, newlines flattened). */
    static String oneLine(Throwable t) {
        String msg = t.getMessage();
        String s = t.getClass().getSimpleName() + (msg == null ? "" : ": " + msg);
        return s.replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
