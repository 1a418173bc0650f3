package dev.nabla.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The arithmetic and the table of {@code make bench-compare} ({@link CompareRunner}): from the per-round results of
 * every harness, the median time per (workload, framework) over the rounds and the speed ratios per round, with
 * their median and range over the rounds.
 *
 * <p>Every ratio is written {@code A/B} and means the speed of A relative to B: {@code time(B) / time(A)} taken from
 * the two frameworks' medians of the same round, so a value above 1 means A is faster. "Nabla" is the
 * {@code nabla-cpu} framework.
 */
final class CompareReport {

    /** The workloads of COMPARE.md, in table order; others follow in the order first seen. */
    static final List<String> WORKLOAD_ORDER = List.of(
            "gemm_f32_64", "gemm_f32_256", "gemm_f32_1024", "gemm_f64_64", "gemm_f64_256", "gemm_f64_1024",
            "gemm_f32_128x784x512", "gemm_f32_128x512x256", "gemm_f32_128x256x10",
            "step_seed", "step_mlp", "step_cnn");
    /** Orders workload names as {@link #WORKLOAD_ORDER}, unknown ones after them by name. */
    static final Comparator<String> WORKLOAD_COMPARATOR = Comparator
            .<String>comparingInt(w -> WORKLOAD_ORDER.contains(w) ? WORKLOAD_ORDER.indexOf(w) : WORKLOAD_ORDER.size())
            .thenComparing(Comparator.naturalOrder());
    /** The frameworks of COMPARE.md, in column order; others follow in the order first seen. */
    static final List<String> FRAMEWORK_ORDER = List.of(
            "c-openblas", "nabla-cpu", "nabla-java", "nabla-java-scalar", "ejml", "djl", "pytorch");

    /** The convention every ratio follows, as printed above the table and stored in the JSON. */
    static final String RATIO_CONVENTION = "A/B = time(B) / time(A): the speed of A relative to B, > 1 means A is"
            + " faster; Nabla = nabla-cpu; per round from the two frameworks' medians, then the median [min-max]"
            + " over the rounds";

    private static final Predicate<String> SQUARE_GEMM = w -> w.matches("gemm_f(32|64)_[0-9]+");
    private static final Predicate<String> STEPS_AND_BIG_GEMM = w -> w.startsWith("step_") || w.equals("gemm_f32_1024");

    /** Floating-point operations of one MLP step (COMPARE.md): its GEMMs, forward, weight and needed input gradients. */
    static final double MLP_STEP_FLOPS = 2.0 * 128 * (2 * (784 * 512 + 512 * 256 + 256 * 10) + 512 * 256 + 256 * 10);
    /**
     * Floating-point operations of one CNN step: its convolutions and products (multiply-adds of the forward pass, the
     * same again for the weight gradients, and the input gradients of every layer but the first). Batch norm,
     * pooling and the rest are not counted.
     */
    static final double CNN_STEP_FLOPS = cnnStepFlops();

    /**
     * One ratio column.
     *
     * @param name      the column title, {@code A/B}
     * @param subject   A, the framework whose speed is given
     * @param reference B, the framework it is compared with
     * @param workloads the workloads the ratio is reported for
     */
    record RatioSpec(String name, String subject, String reference, Predicate<String> workloads) {
    }

    /** The ratio columns, in order. */
    static final List<RatioSpec> RATIOS = List.of(
            new RatioSpec("Nabla/C", "nabla-cpu", "c-openblas", SQUARE_GEMM),
            new RatioSpec("Nabla/DJL", "nabla-cpu", "djl", w -> true),
            new RatioSpec("Nabla/PyTorch", "nabla-cpu", "pytorch", w -> true),
            new RatioSpec("cpu/java", "nabla-cpu", "nabla-java", STEPS_AND_BIG_GEMM),
            new RatioSpec("cpu/java-scalar", "nabla-cpu", "nabla-java-scalar", STEPS_AND_BIG_GEMM));

    /**
     * One framework's measurement of one workload in one round.
     *
     * @param round     1-based round number
     * @param harness   the harness that produced it (c, nabla, djl, pytorch)
     * @param framework the framework name of COMPARE.md
     * @param workload  the workload name
     * @param config    the harness configuration it ran under, or null
     * @param settings  the harness's description of how it ran, or null
     * @param samples   the samples, microseconds per operation
     * @param median    the median of the samples
     */
    record Measurement(int round, String harness, String framework, String workload, String config, String settings,
                       double[] samples, double median) {
    }

    /**
     * One ratio for one workload.
     *
     * @param spec     which ratio
     * @param workload the workload
     * @param perRound the ratio of each round, NaN where a round lacks one of the two frameworks
     * @param median   the median of the rounds that have it
     * @param min      the lowest of them
     * @param max      the highest of them
     * @param rounds   how many rounds have it
     */
    record Ratio(RatioSpec spec, String workload, double[] perRound, double median, double min, double max, int rounds) {
    }

    private final int rounds;
    /** workload -> framework -> per-round medians (NaN: missing in that round). */
    private final Map<String, Map<String, double[]>> medians = new LinkedHashMap<>();
    private final List<String> workloads;
    private final List<String> frameworks;

    CompareReport(List<Measurement> measurements, int rounds) {
        this.rounds = rounds;
        Set<String> seenWorkloads = new LinkedHashSet<>();
        Set<String> seenFrameworks = new LinkedHashSet<>();
        for (Measurement m : measurements) {
            if (m.round() < 1 || m.round() > rounds) {
                throw new IllegalArgumentException("CompareReport: round " + m.round() + " outside 1.." + rounds);
            }
            seenWorkloads.add(m.workload());
            seenFrameworks.add(m.framework());
            double[] perRound = medians.computeIfAbsent(m.workload(), w -> new LinkedHashMap<>())
                    .computeIfAbsent(m.framework(), f -> nans(rounds));
            perRound[m.round() - 1] = m.samples().length > 0 ? median(m.samples()) : m.median();
        }
        this.workloads = ordered(WORKLOAD_ORDER, seenWorkloads);
        this.frameworks = ordered(FRAMEWORK_ORDER, seenFrameworks);
    }

    private static List<String> ordered(List<String> order, Set<String> seen) {
        List<String> list = new ArrayList<>(order.stream().filter(seen::contains).toList());
        seen.stream().filter(s -> !order.contains(s)).forEach(list::add);
        return List.copyOf(list);
    }

    private static double[] nans(int n) {
        double[] v = new double[n];
        Arrays.fill(v, Double.NaN);
        return v;
    }

    /** The workloads that have any result, in table order. */
    List<String> workloads() {
        return workloads;
    }

    /** The frameworks that have any result, in column order. */
    List<String> frameworks() {
        return frameworks;
    }

    /** The median of each round for (workload, framework); NaN for rounds without it; null if it never ran. */
    double[] roundMedians(String workload, String framework) {
        double[] v = medians.getOrDefault(workload, Map.of()).get(framework);
        return v == null ? null : v.clone();
    }

    /** The median over the rounds of the per-round medians, or NaN if no round has it. */
    double time(String workload, String framework) {
        double[] v = roundMedians(workload, framework);
        return v == null ? Double.NaN : medianOfPresent(v);
    }

    /** The ratio for one workload, or null when no round has both frameworks or the ratio does not apply. */
    Ratio ratio(RatioSpec spec, String workload) {
        if (!spec.workloads().test(workload)) {
            return null;
        }
        double[] a = roundMedians(workload, spec.subject());
        double[] b = roundMedians(workload, spec.reference());
        if (a == null || b == null) {
            return null;
        }
        double[] perRound = new double[rounds];
        List<Double> present = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            perRound[r] = b[r] / a[r]; // speed of A relative to B
            if (Double.isFinite(perRound[r])) {
                present.add(perRound[r]);
            } else {
                perRound[r] = Double.NaN;
            }
        }
        if (present.isEmpty()) {
            return null;
        }
        double[] values = present.stream().mapToDouble(Double::doubleValue).toArray();
        return new Ratio(spec, workload, perRound, median(values), Arrays.stream(values).min().orElseThrow(),
                Arrays.stream(values).max().orElseThrow(), values.length);
    }

    /** Every ratio that applies, workload by workload. */
    List<Ratio> ratios() {
        List<Ratio> list = new ArrayList<>();
        for (String w : workloads) {
            for (RatioSpec spec : RATIOS) {
                Ratio r = ratio(spec, w);
                if (r != null) {
                    list.add(r);
                }
            }
        }
        return list;
    }

    /**
     * The floating-point operations of one operation of {@code workload}: {@code 2n³} for the square GEMMs, {@code 2MKN}
     * for {@code gemm_f32_MxKxN}, the GEMM and convolution work of the MLP and CNN steps; NaN where not counted (the
     * tutorial-network step, unknown workloads).
     */
    static double flops(String workload) {
        Matcher square = Pattern.compile("gemm_f(?:32|64)_([0-9]+)").matcher(workload);
        if (square.matches()) {
            double n = Double.parseDouble(square.group(1));
            return 2 * n * n * n;
        }
        Matcher shaped = Pattern.compile("gemm_f(?:32|64)_([0-9]+)x([0-9]+)x([0-9]+)").matcher(workload);
        if (shaped.matches()) {
            return 2 * Double.parseDouble(shaped.group(1)) * Double.parseDouble(shaped.group(2))
                    * Double.parseDouble(shaped.group(3));
        }
        return switch (workload) {
            case "step_mlp" -> MLP_STEP_FLOPS;
            case "step_cnn" -> CNN_STEP_FLOPS;
            default -> Double.NaN;
        };
    }

    private static double cnnStepFlops() {
        double conv1 = 128.0 * 32 * 28 * 28 * 9;       // multiply-adds: outputs x (1 channel x 3 x 3)
        double conv2 = 128.0 * 64 * 14 * 14 * 32 * 9;  // outputs x (32 channels x 3 x 3)
        double fc1 = 128.0 * 3136 * 256;
        double fc2 = 128.0 * 256 * 10;
        double forward = conv1 + conv2 + fc1 + fc2;
        return 2 * (2 * forward + conv2 + fc1 + fc2); // forward, weight gradients, input gradients past conv1
    }

    /** Nabla's ({@code nabla-cpu}) effective GFLOP/s for {@code workload}: {@link #flops} over its median time. */
    double nablaGflops(String workload) {
        return flops(workload) / time(workload, "nabla-cpu") / 1e3;
    }

    /**
     * The Markdown table: one row per workload, the median time of each framework (µs), then each ratio's median
     * and, with more than one round, its [min-max] over the rounds, then Nabla's effective GFLOP/s where the
     * workload's operations are counted ({@link #flops}). Columns without any value are left out.
     */
    String table() {
        List<RatioSpec> specs = RATIOS.stream()
                .filter(s -> workloads.stream().anyMatch(w -> ratio(s, w) != null)).toList();
        List<String> header = new ArrayList<>();
        header.add("workload");
        frameworks.forEach(f -> header.add(f + " µs"));
        specs.forEach(s -> header.add(s.name()));
        boolean gflops = workloads.stream().anyMatch(w -> Double.isFinite(nablaGflops(w)));
        if (gflops) {
            header.add("Nabla GFLOP/s");
        }
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", header)).append(" |\n");
        sb.append("|---").append("|---:".repeat(header.size() - 1)).append("|\n");
        for (String w : workloads) {
            List<String> cells = new ArrayList<>();
            cells.add(w);
            for (String f : frameworks) {
                cells.add(formatMicros(time(w, f)));
            }
            for (RatioSpec s : specs) {
                Ratio r = ratio(s, w);
                cells.add(r == null ? "" : formatRatio(r));
            }
            if (gflops) {
                double g = nablaGflops(w);
                cells.add(Double.isFinite(g) ? String.format(Locale.ROOT, "%.1f", g) : "");
            }
            sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
        }
        return sb.toString();
    }

    private String formatRatio(Ratio r) {
        String text = String.format(Locale.ROOT, "%.2f", r.median());
        if (r.rounds() > 1) {
            text += String.format(Locale.ROOT, " [%.2f–%.2f]", r.min(), r.max());
        }
        if (r.rounds() < rounds) {
            text += " (" + r.rounds() + " of " + rounds + " rounds)";
        }
        return text;
    }

    /** Microseconds with three significant digits (at least whole microseconds); blank for NaN. */
    static String formatMicros(double us) {
        if (Double.isNaN(us)) {
            return "";
        }
        if (us >= 100) {
            return String.format(Locale.ROOT, "%.0f", us);
        }
        if (us >= 10) {
            return String.format(Locale.ROOT, "%.1f", us);
        }
        return String.format(Locale.ROOT, "%.2f", us);
    }

    /** The median of the non-NaN values, NaN if there are none. */
    static double medianOfPresent(double[] values) {
        double[] present = Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
        return present.length == 0 ? Double.NaN : median(present);
    }

    /** The median (mean of the middle two for an even count). */
    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
