package dev.nabla.benchmarks.djl;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A COMPARE.md workload name, parsed. Plain Java on purpose: the command line is checked with it before any DJL
 * class is loaded.
 *
 * @param name the workload name as given
 * @param kind what one operation is
 * @param m    GEMM rows of A and C (0 for training steps)
 * @param k    GEMM inner dimension
 * @param n    GEMM columns of B and C
 * @param f64  whether the GEMM is double precision
 */
record WorkloadSpec(String name, Kind kind, int m, int k, int n, boolean f64) {
    /** The kinds of operation. */
    enum Kind {
        /** {@code C = A B}. */
        GEMM,
        /** The 2-4-4-1 tutorial network's training step. */
        STEP_SEED,
        /** The Fashion-MNIST MLP's training step. */
        STEP_MLP,
        /** The Fashion-MNIST CNN's training step. */
        STEP_CNN
    }

    /** Every workload of COMPARE.md, the default of {@code --workloads}, in the order they run. */
    static final List<String> ALL = List.of(
            "gemm_f32_64", "gemm_f32_256", "gemm_f32_1024",
            "gemm_f64_64", "gemm_f64_256", "gemm_f64_1024",
            "gemm_f32_128x784x512", "gemm_f32_128x512x256", "gemm_f32_128x256x10",
            "step_seed", "step_mlp", "step_cnn");

    private static final Pattern SQUARE = Pattern.compile("gemm_(f32|f64)_(\\d{1,5})");
    private static final Pattern RECT = Pattern.compile("gemm_(f32|f64)_(\\d{1,5})x(\\d{1,5})x(\\d{1,5})");
    /** Keeps a typo such as gemm_f32_99999 from asking for tens of GB. */
    private static final int MAX_DIM = 8192;

    /** Whether warm-up uses the long form of COMPARE.md (2 operations and 1 s instead of 5 and 0.5 s). */
    boolean slowWarmUp() {
        return kind == Kind.STEP_CNN;
    }

    /**
     * Parses a workload name.
     *
     * @param name the name
     * @return the spec, or null when the name is not a workload this harness runs
     */
    static WorkloadSpec parse(String name) {
        switch (name) {
            case "step_seed":
                return new WorkloadSpec(name, Kind.STEP_SEED, 0, 0, 0, false);
            case "step_mlp":
                return new WorkloadSpec(name, Kind.STEP_MLP, 0, 0, 0, false);
            case "step_cnn":
                return new WorkloadSpec(name, Kind.STEP_CNN, 0, 0, 0, false);
            default:
                break;
        }
        Matcher sq = SQUARE.matcher(name);
        if (sq.matches()) {
            int s = Integer.parseInt(sq.group(2));
            return gemm(name, sq.group(1), s, s, s);
        }
        Matcher r = RECT.matcher(name);
        if (r.matches()) {
            return gemm(name, r.group(1), Integer.parseInt(r.group(2)), Integer.parseInt(r.group(3)),
                    Integer.parseInt(r.group(4)));
        }
        return null;
    }

    private static WorkloadSpec gemm(String name, String type, int m, int k, int n) {
        if (Math.min(m, Math.min(k, n)) < 1 || Math.max(m, Math.max(k, n)) > MAX_DIM) {
            return null;
        }
        return new WorkloadSpec(name, Kind.GEMM, m, k, n, type.equals("f64"));
    }
}
