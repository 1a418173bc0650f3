package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nativelib.OpenBlas;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Nabla's {@code Tensor.matmul} on the {@code cpu} device against a C program calling the very same OpenBLAS library
 * ({@code benchmarks/c/gemm_bench.c}, given {@link OpenBlas#path()}; run it with {@code -Dnabla.cpu.sgemm=openblas},
 * as {@code make bench-gemm-c} does, or float32 products of 64 and up run on oneDNN), at the same sizes and thread
 * counts, timed the
 * same way: a repetition is {@code inner = max(1, ceil(minFlops / 2n^3))} products; untimed warm-up repetitions run
 * until at least {@code warmup} of them and 0.5 s have passed; the median of {@code reps} repetitions is reported. Each Nabla product runs in its own
 * {@link Scope}, as user code does. For each (dtype, threads, n) there are {@code rounds} rounds of one Nabla
 * measurement followed by one run of the C program as a subprocess (never both at once), so slow drifts of the
 * machine's load hit both sides alike; the table gives medians over the rounds and the range of the per-round
 * ratios.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.nabla.benchmarks.GemmVsC \
 *      --c-program benchmarks/target/gemm_bench [--sizes 64,128,256,512,1024] [--threads 1,2] [--dtypes float32,float64]
 *      [--reps 21] [--warmup 3] [--min-flops 2e8] [--rounds 3]
 * </pre>
 *
 * Threads: C calls {@code openblas_set_num_threads(threads)}; Nabla gets {@code Device.setCpuThreads(threads)},
 * the cap of the {@code cpu} backend, which picks OpenBLAS's thread count per GEMM (one thread for small ones) and
 * reports what it used.
 *
 * <p>Prints a Markdown table: n, dtype, threads, Nabla's OpenBLAS threads, C GFLOP/s, Nabla GFLOP/s, Nabla/C and its
 * range. Exits 1 if the C
 * program fails.
 */
public final class GemmVsC {

    /** Least warm-up time per measurement, as WARMUP_SECONDS in gemm_bench.c. */
    private static final long WARMUP_NANOS = 500_000_000L;
    /** Pause before starting the C program, so that the JVM's OpenBLAS threads have stopped spinning. */
    private static final long QUIET_MILLIS = 500;

    private GemmVsC() {
    }

    /** The command-line settings. */
    record Settings(Path cProgram, int[] sizes, int[] threads, List<DType> dtypes, int reps, int warmup,
                    double minFlops, int rounds) {
        static Settings parse(String[] args) {
            Path program = Path.of("benchmarks/target/gemm_bench");
            int[] sizes = {64, 128, 256, 512, 1024};
            int[] threads = {1, 2};
            List<DType> dtypes = List.of(DType.FLOAT32, DType.FLOAT64);
            int reps = 21;
            int warmup = 3;
            double minFlops = 2e8;
            int rounds = 3;
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (option.equals("--help") || option.equals("-h")) {
                    System.out.println("Usage: GemmVsC [--c-program PATH] [--sizes 64,128,...] [--threads 1,2]"
                            + " [--dtypes float32,float64] [--reps 21] [--warmup 3] [--min-flops 2e8] [--rounds 3]");
                    System.exit(0);
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("GemmVsC: option " + option + " needs a value");
                }
                String value = args[++i];
                switch (option) {
                    case "--c-program" -> program = Path.of(value);
                    case "--sizes" -> sizes = positives(option, value);
                    case "--threads" -> threads = positives(option, value);
                    case "--dtypes" -> dtypes = Arrays.stream(value.split(",")).map(GemmVsC::dtype).toList();
                    case "--reps" -> reps = positives(option, value)[0];
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--min-flops" -> minFlops = Double.parseDouble(value);
                    case "--rounds" -> rounds = positives(option, value)[0];
                    default -> throw new IllegalArgumentException("GemmVsC: unknown option " + option);
                }
            }
            if (warmup < 0 || !(minFlops >= 0)) {
                throw new IllegalArgumentException("GemmVsC: --warmup and --min-flops must be >= 0");
            }
            return new Settings(program, sizes, threads, dtypes, reps, warmup, minFlops, rounds);
        }

        long inner(int n) {
            double flops = 2.0 * n * n * n;
            return minFlops > flops ? (long) Math.ceil(minFlops / flops) : 1;
        }
    }

    private static int[] positives(String option, String list) {
        int[] values = Arrays.stream(list.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
        for (int v : values) {
            if (v < 1) {
                throw new IllegalArgumentException("GemmVsC: " + option + " needs positive integers, got " + list);
            }
        }
        return values;
    }

    private static DType dtype(String name) {
        return switch (name.strip()) {
            case "float32", "s" -> DType.FLOAT32;
            case "float64", "d" -> DType.FLOAT64;
            default -> throw new IllegalArgumentException("GemmVsC: dtype must be float32 or float64, got " + name);
        };
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Settings settings = Settings.parse(args);
        if (!Files.isExecutable(settings.cProgram())) {
            System.err.println("GemmVsC: C program " + settings.cProgram() + " not found; build it with `make bench-gemm-c`");
            System.exit(1);
        }
        if (!Device.CPU.isNative()) {
            System.err.println("GemmVsC: OpenBLAS could not be loaded, nothing to compare: "
                    + String.join("; ", OpenBlas.attempts()));
            System.exit(1);
        }
        OpenBlas blas = OpenBlas.require();
        int defaultThreads = Device.cpuThreads();
        System.out.println("GEMM C = A B, Nabla Tensor.matmul (cpu device) vs C cblas_?gemm, same library, row-major");
        System.out.println("date:     " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        System.out.println("machine:  " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        System.out.println("JVM:      " + System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        System.out.println("library:  " + blas);
        System.out.println("load:     " + loadAverage() + " (1, 5, 15 min; other work on the machine skews both columns)");
        System.out.printf(Locale.ROOT, "timing:   median of %d repetitions after >= %d warm-up ones and >= %.1f s;"
                + " a repetition is max(1, ceil(%.0e / 2n^3)) products%n%n", settings.reps(), settings.warmup(),
                WARMUP_NANOS / 1e9, settings.minFlops());

        List<String[]> rows = new ArrayList<>();
        boolean failed = false;
        for (DType dtype : settings.dtypes()) {
            for (int threads : settings.threads()) {
                for (int n : settings.sizes()) {
                    // The cpu backend sets OpenBLAS's threads per GEMM (1 for small ones), capped by Device.setCpuThreads.
                    Device.setCpuThreads(threads);
                    double[] nabla = new double[settings.rounds()];
                    double[] c = new double[settings.rounds()];
                    double[] ratio = new double[settings.rounds()];
                    int nablaThreads = 0;
                    for (int round = 0; round < settings.rounds() && !failed; round++) {
                        nabla[round] = nablaGflops(dtype, n, settings);
                        nablaThreads = blas.threads(); // what the backend chose for this size
                        // OpenBLAS worker threads spin for a while after a call: let the JVM's go idle first.
                        Thread.sleep(QUIET_MILLIS);
                        Map<String, String> result = runC(settings, blas.path(), threads, dtype, n);
                        if (result == null) {
                            failed = true;
                            break;
                        }
                        c[round] = Double.parseDouble(result.get("gflops"));
                        ratio[round] = nabla[round] / c[round];
                    }
                    if (failed) {
                        break;
                    }
                    double[] sorted = ratio.clone();
                    Arrays.sort(sorted);
                    rows.add(new String[] {String.valueOf(n), dtype.toString(), String.valueOf(threads),
                            String.valueOf(nablaThreads), fmt(median(c)), fmt(median(nabla)), String.format(Locale.ROOT, "%.3f", median(ratio)),
                            String.format(Locale.ROOT, "%.3f-%.3f", sorted[0], sorted[sorted.length - 1])});
                    System.out.printf(Locale.ROOT, "  %s n=%d threads=%d: C %s, Nabla %s GFLOP/s%n", dtype, n, threads,
                            Arrays.toString(round(c)), Arrays.toString(round(nabla)));
                }
            }
        }
        Device.setCpuThreads(defaultThreads);

        System.out.println();
        System.out.println("| n | dtype | threads | Nabla's OpenBLAS threads | C GFLOP/s | Nabla GFLOP/s | Nabla/C"
                + " | Nabla/C range |");
        System.out.println("|---:|---|---:|---:|---:|---:|---:|---:|");
        for (String[] r : rows) {
            System.out.println("| " + String.join(" | ", r) + " |");
        }
        System.out.println();
        System.out.println("(medians over " + settings.rounds() + " rounds; a round is one Nabla then one C measurement;"
                + " the range is the lowest and highest per-round ratio. `threads` is C's OpenBLAS thread count and"
                + " Nabla's cap, Device.setCpuThreads; Nabla runs small GEMMs on one thread.)");
        if (failed) {
            System.exit(1);
        }
    }

    private static double[] round(double[] values) {
        return Arrays.stream(values).map(v -> Math.round(v * 10) / 10.0).toArray();
    }

    /** Nabla's GFLOP/s for an n x n x n product, timed as described in the class comment. */
    static double nablaGflops(DType dtype, int n, Settings settings) {
        long inner = settings.inner(n);
        double[] seconds = new double[settings.reps()];
        try (Scope outer = Scope.open()) {
            var generator = new Generator(42);
            Tensor a = Tensor.uniform(generator, -1, 1, dtype, Device.CPU, n, n);
            Tensor b = Tensor.uniform(generator, -1, 1, dtype, Device.CPU, n, n);
            long warmupStart = System.nanoTime();
            for (int r = -settings.warmup(); r < settings.reps(); r++) {
                if (r == 0 && System.nanoTime() - warmupStart < WARMUP_NANOS) {
                    r = -1; // keep warming up
                }
                long start = System.nanoTime();
                for (long i = 0; i < inner; i++) {
                    try (Scope step = Scope.open()) {
                        a.matmul(b);
                    }
                }
                double s = (System.nanoTime() - start) / 1e9 / inner;
                if (r >= 0) {
                    seconds[r] = s;
                }
            }
        }
        return 2.0 * n * n * n / median(seconds) / 1e9;
    }

    /** Runs the C program for one size; returns its result line's key=value pairs, or null after printing why it failed. */
    static Map<String, String> runC(Settings settings, Path library, int threads, DType dtype, int n)
            throws IOException, InterruptedException {
        List<String> command = List.of(settings.cProgram().toAbsolutePath().toString(), library.toString(),
                String.valueOf(threads), dtype == DType.FLOAT32 ? "s" : "d", String.valueOf(settings.reps()),
                String.valueOf(settings.warmup()), String.valueOf(settings.minFlops()), String.valueOf(n));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
        }
        int status = process.exitValue();
        for (String line : output.split("\n")) {
            if (line.startsWith("result ") && status == 0) {
                Map<String, String> values = new LinkedHashMap<>();
                for (String pair : line.substring("result ".length()).trim().split(" ")) {
                    int eq = pair.indexOf('=');
                    values.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
                return values;
            }
        }
        System.err.println("GemmVsC: " + String.join(" ", command) + " failed (exit " + status + "):\n" + output);
        return null;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    private static String fmt(double gflops) {
        return String.format(Locale.ROOT, "%.2f", gflops);
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).strip().split(" ");
            return String.join(" ", Arrays.copyOf(fields, 3));
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: fall through
        }
        return System.getProperty("os.arch");
    }
}
