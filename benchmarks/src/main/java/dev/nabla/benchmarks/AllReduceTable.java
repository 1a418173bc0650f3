package dev.nabla.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table of {@code make bench-allreduce}: reads the lines of {@code allreduce_bench} (impl=c) and
 * {@link AllReduceBench} (impl=nabla) from any number of rounds and prints, per size, each one's median call time in
 * its best round (the
 * least latency: the machine is shared, and slower rounds measure the other jobs), the bus bandwidth of each,
 * {@code 2 (n - 1) / n * bytes / time} as nccl-tests define it, and the ratio of Nabla's bandwidth to C's.
 * <pre>
 *   java -cp benchmarks.jar dev.nabla.benchmarks.AllReduceTable RANKS ROUND_FILE...
 * </pre>
 */
public final class AllReduceTable {
    private static final Pattern LINE =
            Pattern.compile("allreduce impl=(\\w+) bytes=(\\d+) iterations=\\d+ us=([0-9.]+) mean_us=[0-9.]+");

    private AllReduceTable() {
    }

    /**
     * Prints the table.
     *
     * @param args the number of ranks the rounds ran on, then one file per round, holding the C and the Nabla lines
     * @throws IOException when a file cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: java ... dev.nabla.benchmarks.AllReduceTable RANKS ROUND_FILE...");
            System.exit(2);
        }
        int ranks = Integer.parseInt(args[0]);
        Map<Long, double[]> best = new TreeMap<>(); // bytes -> {c us, nabla us}
        for (int i = 1; i < args.length; i++) {
            for (String line : Files.readAllLines(Path.of(args[i]))) {
                Matcher m = LINE.matcher(line.strip());
                if (m.matches()) {
                    int column = switch (m.group(1)) {
                        case "c" -> 0;
                        case "nabla" -> 1;
                        default -> throw new IllegalArgumentException("unknown impl in " + args[i] + ": " + line);
                    };
                    double[] pair = best.computeIfAbsent(Long.parseLong(m.group(2)),
                            b -> new double[] {Double.NaN, Double.NaN});
                    double us = Double.parseDouble(m.group(3));
                    pair[column] = Double.isNaN(pair[column]) ? us : Math.min(pair[column], us);
                }
            }
        }
        if (best.isEmpty()) {
            throw new IllegalArgumentException("no 'allreduce impl=...' lines in the files given");
        }
        System.out.print(table(ranks, best, args.length - 1));
    }

    /** The markdown table of the best latencies per size. */
    static String table(int ranks, Map<Long, double[]> best, int rounds) {
        var out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "MPI_Allreduce SUM float32 in place, %d ranks: median call time, best of"
                + " %d rounds; bus bandwidth = 2(n-1)/n * bytes / time%n%n", ranks, rounds));
        out.append("| size | C us | Nabla us | C bus GB/s | Nabla bus GB/s | Nabla/C bandwidth |\n");
        out.append("|---:|---:|---:|---:|---:|---:|\n");
        for (var e : best.entrySet()) {
            double c = e.getValue()[0];
            double nabla = e.getValue()[1];
            out.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.3f | %.3f | %.2fx |%n", size(e.getKey()),
                    c, nabla, busGBps(ranks, e.getKey(), c), busGBps(ranks, e.getKey(), nabla), c / nabla));
        }
        return out.toString();
    }

    static double busGBps(int ranks, long bytes, double micros) {
        return 2.0 * (ranks - 1) / ranks * bytes / (micros * 1e3);
    }

    private static String size(long bytes) {
        return bytes >= 1 << 20 ? (bytes >> 20) + " MB" : (bytes >> 10) + " KB";
    }
}
