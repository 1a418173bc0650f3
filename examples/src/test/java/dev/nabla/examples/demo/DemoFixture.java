package dev.nabla.examples.demo;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * One demo server for all the demo tests of this JVM: FashionMnistDemo started on port 0 in an empty output
 * directory, so it first trains the MLP for one epoch on 2048 images (a few seconds; about 60 % test accuracy).
 * Skips the tests when the Fashion-MNIST files are not installed.
 */
final class DemoFixture {
    /** The running server, what the start printed and the directory it trained into. */
    record Running(DemoServer server, String startOutput, Path runDir) {
        URI uri(String path) {
            return server.uri().resolve(path);
        }
    }

    static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static Running running;

    private DemoFixture() {
    }

    /** The Fashion-MNIST directory ($NABLA_FASHION_MNIST_DIR or Debian's package); skips the test without one. */
    static Path dataDir() {
        String env = System.getenv("NABLA_FASHION_MNIST_DIR");
        Path dir = Path.of(env != null ? env : "/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.isDirectory(dir), "no Fashion-MNIST data in " + dir);
        return dir;
    }

    static synchronized Running server() throws Exception {
        if (running == null) {
            Path dir = Files.createTempDirectory("nabla-demo-test");
            StringWriter out = new StringWriter();
            DemoServer server = start(dir, out, "--epochs", "1", "--train-limit", "2048");
            running = new Running(server, out.toString(), dir);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                delete(dir);
            }));
        }
        return running;
    }

    /** FashionMnistDemo's start with {@code --port 0}, the data directory, {@code dir} and {@code args}. */
    static DemoServer start(Path dir, StringWriter out, String... args) throws Exception {
        FashionMnistDemo demo = new FashionMnistDemo();
        CommandLine cl = new CommandLine(demo);
        cl.parseArgs(Stream.concat(Stream.of("--port", "0", "--data-dir", dataDir().toString(), "--output-dir",
                dir.toString()), Stream.of(args)).toArray(String[]::new));
        StringWriter err = new StringWriter();
        try (PrintWriter o = new PrintWriter(out, true); PrintWriter e = new PrintWriter(err, true)) {
            return demo.start(o, e);
        } catch (Exception e) {
            throw new AssertionError("the demo did not start: " + out + err, e);
        }
    }

    static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(running.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(String path, String contentType, byte[] body)
            throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(running.uri(path)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
