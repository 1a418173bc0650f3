package dev.nabla.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link KernelBenchmark} with JMH and prints a Markdown table: kernel, n, device, microseconds per call,
 * effective bandwidth in GB/s (10^9 bytes) and that bandwidth as a percentage of the {@code MemorySegment.copy}
 * baseline at the same {@code n}, measured in the same run.
 *
 * <p>Bytes per call (read + written, float32; see {@link KernelBenchmark}): relu {@code 8n}, add
 * {@code 8n + 4 * 1000}, softmax {@code 8n}, sum {@code 4n}, clone {@code 8n}, copy {@code 8n}.
 *
 * <p>Arguments are JMH's own command-line options (e.g. {@code -p n=1000000}, {@code -p device=cpu}); without an
 * include pattern it runs {@code KernelBenchmark}.
 */
public final class KernelReport {
    private KernelReport() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        var cli = new CommandLineOptions(args);
        var options = new OptionsBuilder().parent(cli);
        if (cli.getIncludes().isEmpty()) {
            options.include(KernelBenchmark.class.getSimpleName());
        }
        print(new Runner(options.build()).run());
    }

    /** Bytes one call of {@code method} moves at {@code n} elements (the byte model of the class comment). */
    static double bytes(String method, long n) {
        return switch (method) {
            case "relu", "softmax", "tensorClone", "segmentCopy" -> 8.0 * n;
            case "add" -> 8.0 * n + 4.0 * KernelBenchmark.ROW;
            case "sum" -> 4.0 * n;
            default -> throw new IllegalArgumentException("no byte model for kernel " + method);
        };
    }

    /** One measured kernel: which, at what size, where, and its mean time in microseconds. */
    record Row(String method, long n, String device, double micros) {
        double gbPerSecond() {
            return bytes(method, n) / (micros * 1e-6) / 1e9;
        }
    }

    /** Prints the table of {@code results}, kernels in the benchmark's order, sizes ascending, cpu before java. */
    static void print(Collection<RunResult> results) {
        List<Row> rows = new ArrayList<>();
        Map<Long, Double> copyGbs = new HashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark();
            method = method.substring(method.lastIndexOf('.') + 1);
            Result<?> primary = r.getPrimaryResult();
            long n = Long.parseLong(r.getParams().getParam("n"));
            String device = r.getParams().getParam("device");
            Row row = new Row(method, n, device == null ? "-" : device,
                    primary.getScore() * GemmReport.toMicros(primary.getScoreUnit()));
            rows.add(row);
            if (method.equals("segmentCopy")) {
                copyGbs.put(n, row.gbPerSecond());
            }
        }
        List<String> order = List.of("segmentCopy", "tensorClone", "relu", "add", "softmax", "sum");
        rows.sort(Comparator.comparingInt((Row r) -> order.indexOf(r.method()))
                .thenComparingLong(Row::n).thenComparing(Row::device));
        System.out.println();
        System.out.println("Element-wise and reduction kernels, float32, rows of " + KernelBenchmark.ROW
                + " (GB/s = bytes read + written / mean time; % copy = of MemorySegment.copy at the same n):");
        System.out.println();
        System.out.println("| kernel | n | device | µs | GB/s | % copy |");
        System.out.println("|---|---:|---|---:|---:|---:|");
        for (Row r : rows) {
            Double copy = copyGbs.get(r.n());
            String percent = copy == null ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * r.gbPerSecond() / copy);
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %.2f | %s |%n", label(r.method()), size(r.n()),
                    r.device(), micros(r.micros()), r.gbPerSecond(), percent);
        }
    }

    private static String label(String method) {
        return switch (method) {
            case "segmentCopy" -> "copy (MemorySegment.copy)";
            case "tensorClone" -> "clone";
            default -> method;
        };
    }

    /** {@code 1e3}, {@code 1e4}, ... for powers of ten, else the number. */
    private static String size(long n) {
        int exponent = (int) Math.round(Math.log10(n));
        return Math.pow(10, exponent) == n ? "1e" + exponent : Long.toString(n);
    }

    private static String micros(double us) {
        return us < 10 ? String.format(Locale.ROOT, "%.3f", us) : String.format(Locale.ROOT, "%.1f", us);
    }
}
