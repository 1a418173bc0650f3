package dev.nabla.benchmarks;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link GemmBenchmark} with JMH and prints its results as GFLOP/s, one row per shape and dtype, with the
 * ratios Nabla cpu / Nabla java and Nabla cpu / EJML.
 *
 * <p>Arguments are JMH's own command-line options (e.g. {@code -p shape=2048}, {@code -wi 1}); without an include
 * pattern it runs {@code GemmBenchmark}.
 */
public final class GemmReport {
    private GemmReport() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        var cli = new CommandLineOptions(args);
        var options = new OptionsBuilder().parent(cli);
        if (cli.getIncludes().isEmpty()) {
            options.include(GemmBenchmark.class.getSimpleName());
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        print(results);
    }

    /** Prints the GFLOP/s table of {@code results}. */
    static void print(Collection<RunResult> results) {
        // row key "shape dtype" -> method -> result; rows in the order JMH ran them
        Map<String, Map<String, Result<?>>> rows = new LinkedHashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark();
            method = method.substring(method.lastIndexOf('.') + 1);
            String key = r.getParams().getParam("shape") + " " + r.getParams().getParam("dtype");
            rows.computeIfAbsent(key, k -> new TreeMap<>()).put(method, r.getPrimaryResult());
        }
        System.out.println();
        System.out.println("GEMM, GFLOP/s (2*M*K*N / mean time; +- is JMH's 99.9% error of the mean):");
        System.out.printf(Locale.ROOT, "%-15s %-8s %18s %18s %18s %9s %9s%n",
                "shape MxKxN", "dtype", "Nabla cpu", "Nabla java", "EJML", "cpu/java", "cpu/EJML");
        for (var row : rows.entrySet()) {
            String[] key = row.getKey().split(" ");
            int[] mkn = GemmBenchmark.mkn(key[0]);
            double flops = 2.0 * mkn[0] * mkn[1] * mkn[2];
            double cpu = gflops(row.getValue().get("nablaCpu"), flops);
            double java = gflops(row.getValue().get("nablaJava"), flops);
            double ejml = gflops(row.getValue().get("ejml"), flops);
            System.out.printf(Locale.ROOT, "%-15s %-8s %18s %18s %18s %9s %9s%n",
                    mkn[0] + "x" + mkn[1] + "x" + mkn[2], key[1],
                    cell(row.getValue().get("nablaCpu"), flops), cell(row.getValue().get("nablaJava"), flops),
                    cell(row.getValue().get("ejml"), flops), ratio(cpu, java), ratio(cpu, ejml));
        }
    }

    /** GFLOP/s of a result in microseconds per operation, or NaN when absent. */
    private static double gflops(Result<?> r, double flops) {
        if (r == null) {
            return Double.NaN;
        }
        return flops / (r.getScore() * toMicros(r.getScoreUnit())) / 1e3;
    }

    private static String cell(Result<?> r, double flops) {
        if (r == null) {
            return "-";
        }
        double value = gflops(r, flops);
        double error = r.getScoreError();
        if (Double.isNaN(error)) {
            return String.format(Locale.ROOT, "%.2f", value);
        }
        // relative error of the time is the relative error of the rate, to first order
        return String.format(Locale.ROOT, "%.2f +- %.2f", value, value * error / r.getScore());
    }

    private static String ratio(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? "-" : String.format(Locale.ROOT, "%.1fx", a / b);
    }

    /**
     * Microseconds in one unit of JMH's average-time score units ("us/op", "ms/op", ...); shared with
     * {@link KernelReport} and {@link NablaHarness}.
     */
    static double toMicros(String unit) {
        return switch (unit) {
            case "ns/op" -> 1e-3;
            case "us/op" -> 1;
            case "ms/op" -> 1e3;
            case "s/op" -> 1e6;
            default -> throw new IllegalStateException("need average-time results, got unit " + unit);
        };
    }
}
