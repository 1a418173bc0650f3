package dev.nabla.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for the four harnesses in {@code CompareRunner --self-test}: speaks the COMPARE.md command line and
 * writes result files whose times follow {@link #time}, so that the runner's choices and arithmetic can be checked
 * exactly. Measures nothing.
 *
 * <pre>
 * FakeHarness c|nabla|djl|pytorch --out FILE [--workloads a,b] [--samples N] [--config NAME | --search]
 *             [--list-configs] [--frameworks a,b]
 * </pre>
 *
 * <p>The fake {@code djl} exits 3 (cannot run here); the fake {@code pytorch} fails (exit 1) under config
 * {@code default} in round 2, which it reads from the runner's file name ({@code ...-round-2-...}).
 */
final class FakeHarness {

    private static final Map<String, Double> BASE_US = Map.ofEntries(
            Map.entry("gemm_f32_64", 10.0), Map.entry("gemm_f32_256", 400.0), Map.entry("gemm_f32_1024", 20000.0),
            Map.entry("gemm_f32_128x784x512", 300.0), Map.entry("gemm_f32_128x512x256", 200.0),
            Map.entry("gemm_f32_128x256x10", 20.0),
            Map.entry("step_seed", 50.0), Map.entry("step_mlp", 3000.0), Map.entry("step_cnn", 90000.0));
    private static final Map<String, Double> FRAMEWORK_FACTOR = Map.of("c-openblas", 0.8, "nabla-cpu", 1.0,
            "nabla-java", 2.0, "nabla-java-scalar", 5.0, "ejml", 3.0, "djl", 1.5, "pytorch", 1.25);
    private static final Pattern ROUND = Pattern.compile("round-([0-9]+)");

    private FakeHarness() {
    }

    static List<String> configs(String harness) {
        return switch (harness) {
            case "c" -> List.of("t1", "t2");
            case "pytorch" -> List.of("1x2", "default");
            case "nabla" -> List.of("only");
            default -> List.of();
        };
    }

    static List<String> frameworks(String harness) {
        return switch (harness) {
            case "c" -> List.of("c-openblas");
            case "nabla" -> List.of("nabla-cpu", "nabla-java", "nabla-java-scalar", "ejml");
            default -> List.of(harness);
        };
    }

    private static String harnessOf(String framework) {
        return switch (framework) {
            case "c-openblas" -> "c";
            case "nabla-cpu", "nabla-java", "nabla-java-scalar", "ejml" -> "nabla";
            default -> framework;
        };
    }

    /** The fake time of one operation in µs, or NaN where the framework does not run the workload. */
    static double time(String framework, String workload, String config, int round) {
        String base = workload.replace("gemm_f64_", "gemm_f32_");
        boolean gemm = workload.startsWith("gemm_");
        boolean square = workload.matches("gemm_f(32|64)_[0-9]+");
        if (!BASE_US.containsKey(base) || (framework.equals("c-openblas") && !square)
                || (framework.equals("nabla-java-scalar") && gemm) || (framework.equals("ejml") && !gemm)) {
            return Double.NaN;
        }
        double t = BASE_US.get(base) * (workload.startsWith("gemm_f64_") ? 2 : 1) * FRAMEWORK_FACTOR.get(framework);
        t *= switch (config) {
            case "t2" -> workload.startsWith("gemm_f64_") ? 0.9 : 1.1;
            case "default" -> gemm ? 1.2 : 0.8;
            default -> 1.0;
        };
        if (framework.equals("c-openblas")) {
            t *= 1 + 0.1 * (round - 1);
        }
        return t;
    }

    /** The configuration with the lowest {@link #time} (the first on ties), "" for a harness without any. */
    static String bestConfig(String framework, String workload) {
        String best = "";
        double bestTime = Double.POSITIVE_INFINITY;
        for (String c : configs(harnessOf(framework))) {
            double t = time(framework, workload, c, 1);
            if (t < bestTime) {
                best = c;
                bestTime = t;
            }
        }
        return best;
    }

    public static void main(String[] args) throws IOException {
        String harness = args[0];
        Path out = null;
        List<String> workloads = new ArrayList<>(BASE_US.keySet().stream().sorted().toList());
        workloads.addAll(List.of("gemm_f64_64", "gemm_f64_256", "gemm_f64_1024"));
        List<String> frameworks = frameworks(harness);
        int samples = 7;
        String config = null;
        boolean search = false;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--list-configs" -> {
                    configs(harness).forEach(System.out::println);
                    return;
                }
                case "--search" -> search = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--workloads" -> workloads = Arrays.asList(args[++i].split(","));
                case "--samples" -> samples = Integer.parseInt(args[++i]);
                case "--config" -> config = args[++i];
                case "--frameworks" -> frameworks = Arrays.asList(args[++i].split(","));
                default -> {
                    System.err.println("fake " + harness + ": unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        if (harness.equals("djl")) {
            System.err.println("fake djl cannot run (no engine)");
            System.exit(3);
        }
        Matcher m = ROUND.matcher(String.valueOf(out));
        int round = m.find() ? Integer.parseInt(m.group(1)) : 1;
        if (harness.equals("pytorch") && "default".equals(config) && round == 2) {
            System.err.println("fake pytorch: a failure, for the test");
            System.exit(1);
        }
        System.out.println("fake " + harness + ": round " + round + ", config " + config + ", search " + search);
        StringBuilder json = new StringBuilder("{\"harness\": \"" + harness + "\", \"frameworks\": {");
        for (int i = 0; i < frameworks.size(); i++) {
            json.append(i > 0 ? ", " : "").append('"').append(frameworks.get(i))
                    .append("\": {\"version\": \"0.0-fake\", \"settings\": \"fake\"}");
        }
        json.append("}, \"results\": [");
        String sep = "";
        for (String f : frameworks) {
            for (String w : workloads) {
                String c = search ? bestConfig(f, w) : config == null ? "" : config;
                double t = time(f, w, c, round);
                if (Double.isNaN(t)) {
                    continue;
                }
                json.append(sep).append("\n {\"framework\": \"").append(f).append("\", \"workload\": \"").append(w)
                        .append("\", \"unit\": \"us\", \"samples\": [");
                for (int k = 0; k < samples; k++) {
                    int step = (k + 1) / 2 * (k % 2 == 1 ? 1 : -1); // 0, 1, -1, 2, -2, ...
                    json.append(k > 0 ? ", " : "").append(String.format(Locale.ROOT, "%.17g", t * (1 + 0.01 * step)));
                }
                json.append("], \"median\": ").append(String.format(Locale.ROOT, "%.17g", t));
                if (!c.isEmpty()) {
                    json.append(", \"config\": \"").append(c).append("\", \"settings\": \"fake ").append(c).append('"');
                }
                json.append('}');
                sep = ",";
            }
        }
        json.append("\n]}\n");
        Files.writeString(out, json);
    }
}
