package dev.nabla.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table of {@code make bench-ddp}: reads the {@code ddp impl=...} lines of {@link DdpStepBench} and
 * {@code benchmarks/python/torch_ddp_step.py} from one file and prints each run's best epoch and step time, the
 * throughput, and two ratios: each run's speed against Nabla's first multi-rank run (above 1: faster than it), and
 * Nabla's multi-rank run against PyTorch's multi-rank run (the target: at least 1.0x, Nabla no slower).
 * <pre>
 *   java -cp benchmarks.jar dev.nabla.benchmarks.DdpStepTable FILE
 * </pre>
 */
public final class DdpStepTable {
    private static final Pattern LINE = Pattern.compile(
            "ddp impl=(\\w+) ranks=(\\d+) batch=(\\d+) threads=(\\d+) steps=(\\d+) epoch_s=([0-9.]+) step_ms=([0-9.]+).*");

    private DdpStepTable() {
    }

    /** One run's result line. */
    record Run(String impl, int ranks, int batch, int threads, long steps, double epochSeconds, double stepMillis) {
        int globalBatch() {
            return ranks * batch;
        }
    }

    /**
     * Prints the table.
     *
     * @param args the file holding the runs' lines
     * @throws IOException when it cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java ... dev.nabla.benchmarks.DdpStepTable FILE");
            System.exit(2);
        }
        List<Run> runs = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[0]))) {
            Matcher m = LINE.matcher(line.strip());
            if (m.matches()) {
                runs.add(new Run(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                        Integer.parseInt(m.group(4)), Long.parseLong(m.group(5)), Double.parseDouble(m.group(6)),
                        Double.parseDouble(m.group(7))));
            }
        }
        System.out.print(table(runs));
    }

    static String table(List<Run> runs) {
        Run nablaDdp = find(runs, "nabla");
        Run torchDdp = find(runs, "pytorch");
        var out = new StringBuilder("Fashion-MNIST MLP, one epoch of 60,000 images (best epoch after a warm-up one)\n\n");
        out.append("| run | ranks x threads | batch per rank (global) | steps per rank | epoch s | step ms | images/s"
                + " | speed vs Nabla DDP |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Run r : runs) {
            out.append(String.format(Locale.ROOT, "| %s %s | %d x %d | %d (%d) | %d | %.2f | %.2f | %.0f | %.2fx |%n",
                    r.impl().equals("nabla") ? "Nabla" : "PyTorch", r.ranks() > 1 ? "DDP" : "one process", r.ranks(),
                    r.threads(), r.batch(), r.globalBatch(), r.steps(), r.epochSeconds(), r.stepMillis(),
                    60_000 / r.epochSeconds(), nablaDdp.epochSeconds() / r.epochSeconds()));
        }
        out.append(String.format(Locale.ROOT, "%nNabla DDP epoch vs PyTorch DDP (gloo) epoch: %.2fx (PyTorch %.2f s /"
                + " Nabla %.2f s; target >= 1.0x)%n", torchDdp.epochSeconds() / nablaDdp.epochSeconds(),
                torchDdp.epochSeconds(), nablaDdp.epochSeconds()));
        return out.toString();
    }

    /** The first multi-rank run of {@code impl}. */
    private static Run find(List<Run> runs, String impl) {
        return runs.stream().filter(r -> r.impl().equals(impl) && r.ranks() > 1).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no multi-rank '" + impl + "' line among " + runs));
    }
}
