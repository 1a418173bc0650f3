package dev.nabla.examples.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.examples.cli.Cli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compression example end to end on a small subset of the real data, and its option checks. */
class CompressFashionMnistTest {
    private record Run(int status, String out, String err) {
        List<String> rows(String model) {
            return out.lines().filter(l -> l.startsWith("| " + model + " |")).toList();
        }
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Cli.execute(new CompressFashionMnist(), new PrintWriter(out), new PrintWriter(err), args);
        return new Run(status, out.toString(), err.toString());
    }

    private static Path dataDir() {
        String env = System.getenv("NABLA_FASHION_MNIST_DIR");
        Path dir = Path.of(env != null ? env : "/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.isDirectory(dir), "no Fashion-MNIST data in " + dir);
        return dir;
    }

    /** The byte count column of a report row. */
    private static long bytes(String row) {
        return Long.parseLong(row.split("\\|")[5].trim().replace(",", ""));
    }

    @Test
    void reportsEveryVariantOfTheMlpWithSmallerQuantizedFiles(@TempDir Path dir) throws IOException {
        Run r = run("--data-dir", dataDir().toString(), "--output-dir", dir.toString(), "--models", "mlp",
                "--epochs", "1", "--train-limit", "512", "--test-limit", "256", "--calibration-batches", "2",
                "--timing-seconds", "0.2");
        assertEquals(0, r.status(), r.toString());
        List<String> rows = r.rows("mlp");
        List<String> variants = new ArrayList<>();
        for (String row : rows) {
            variants.add(row.split("\\|")[2].trim());
        }
        assertEquals(List.of("float32", "int8 dynamic", "int8 static", "pruned 50%", "pruned 80%"), variants, r.out());
        long floatBytes = bytes(rows.get(0));
        // int8 weights: a quarter of the float32 bytes plus scales, zero points and float biases
        assertTrue(bytes(rows.get(1)) * 3.5 < floatBytes, rows.get(1));
        assertTrue(bytes(rows.get(2)) * 3.5 < floatBytes, rows.get(2));
        assertTrue(rows.get(4).contains("sparsity 0.79"), rows.get(4));
        for (String file : List.of("mlp-float32", "mlp-int8-dynamic", "mlp-int8-static", "mlp-pruned-80")) {
            Path p = dir.resolve(file + ".safetensors");
            assertEquals(Files.size(p), rows.stream().filter(l -> l.contains(file.substring(4).replace('-', ' ')
                    .replace("80", "80%"))).mapToLong(CompressFashionMnistTest::bytes).findFirst().orElseThrow(),
                    file);
        }
        assertTrue(Files.readString(dir.resolve("compression.md")).contains("| mlp | int8 static |"));
    }

    @Test
    void badOptionsAreOneLineUsageErrors(@TempDir Path dir) {
        for (String[] bad : List.of(new String[] {"--models", "resnet"}, new String[] {"--prune", "1.5"},
                new String[] {"--epochs", "0"}, new String[] {"--data-dir", "/nonexistent"})) {
            List<String> args = new ArrayList<>(List.of("--output-dir", dir.toString()));
            args.addAll(List.of(bad));
            Run r = run(args.toArray(String[]::new));
            assertEquals(2, r.status(), String.join(" ", bad) + ": " + r);
            assertEquals(1, r.err().lines().count(), r.err());
        }
    }
}
