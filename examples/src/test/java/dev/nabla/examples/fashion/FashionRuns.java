package dev.nabla.examples.fashion;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.examples.cli.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Runs FashionMnistTrain in-process on a small subset, capturing what it prints (tests are not terminals). */
final class FashionRuns {
    private FashionRuns() {
    }

    /** What one run printed and returned. */
    record Run(int status, String out, String err) {
        /** The per-epoch summary lines on stdout. */
        List<String> epochLines() {
            return out.lines().filter(l -> l.startsWith("epoch ")).toList();
        }
    }

    /** The Fashion-MNIST directory ($NABLA_FASHION_MNIST_DIR or Debian's package); skips the test without one. */
    static Path dataDir() {
        String env = System.getenv("NABLA_FASHION_MNIST_DIR");
        Path dir = Path.of(env != null ? env : "/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.isDirectory(dir), "no Fashion-MNIST data in " + dir);
        return dir;
    }

    /** 256 training and 128 test images, writing into {@code outputDir}, plus {@code args}. */
    static Run train(Path outputDir, String... args) {
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir().toString(), "--output-dir",
                outputDir.toString(), "--train-limit", "256", "--test-limit", "128", "--batch-size", "64"));
        all.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Cli.execute(new FashionMnistTrain(), new PrintWriter(out), new PrintWriter(err),
                all.toArray(String[]::new));
        return new Run(status, out.toString(), err.toString());
    }
}
