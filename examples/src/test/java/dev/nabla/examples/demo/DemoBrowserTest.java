package dev.nabla.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo page in a real browser: Debian's headless Chromium loads {@code /?sample=3&autopredict=1}, whose script
 * fetches test image 3, asks {@code /predict} and writes the top 3 into the page. Skipped without chromium on the
 * PATH ({@code make setup} installs it).
 */
class DemoBrowserTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PREDICTION =
            Pattern.compile("<li class=\"prediction\" data-label=\"([^\"]+)\" data-probability=\"([^\"]+)\">");
    private static final int WIDTH = 1100;
    private static final int HEIGHT = 900;

    private static DemoFixture.Running demo;
    /** What the browser printed with --dump-dom: the page's DOM after its script ran. */
    private static String dom;
    private static Path screenshot;

    @BeforeAll
    static void browse(@TempDir Path dir) throws Exception {
        Optional<Path> chromium = Stream.of("chromium", "chromium-browser")
                .flatMap(name -> Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                        .filter(d -> !d.isEmpty()).map(d -> Path.of(d, name)))
                .filter(Files::isExecutable).findFirst();
        assumeTrue(chromium.isPresent(), "chromium is not installed (apt-get install chromium)");
        demo = DemoFixture.server();
        screenshot = dir.resolve("page.png");
        dom = run(chromium.get(), dir.resolve("profile"), "--dump-dom", "--screenshot=" + screenshot,
                "--window-size=" + WIDTH + "," + HEIGHT);
    }

    /**
     * Runs headless Chromium once on the page with {@code args}; returns what it printed on stdout. The virtual
     * time budget lets the page's fetches finish before the DOM is dumped and the screenshot taken.
     */
    private static String run(Path chromium, Path profile, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--disable-gpu",
                "--no-sandbox", "--no-first-run", "--user-data-dir=" + profile, "--virtual-time-budget=10000"));
        command.addAll(List.of(args));
        command.add(demo.uri("/?sample=3&autopredict=1").toString());
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        // read before waiting: a full pipe would stall the browser
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s: " + command);
        }
        assertEquals(0, p.exitValue(), "chromium failed: " + command);
        return out;
    }

    @Test
    void thePageShowsTheTop3OfATestImage() throws Exception {
        assertTrue(dom.contains("<body data-state=\"predicted\">"), dom);
        JsonNode sample = JSON.readTree(DemoFixture.get("/sample?i=3").body());
        assertTrue(dom.contains("true class: " + sample.get("labelName").asText()), dom);

        Matcher m = PREDICTION.matcher(dom);
        List<String> labels = new ArrayList<>();
        double sum = 0;
        while (m.find()) {
            labels.add(m.group(1));
            sum += Double.parseDouble(m.group(2));
        }
        assertEquals(3, labels.size(), dom);
        assertTrue(sum > 0 && sum <= 1 + 1e-6, "probabilities sum to " + sum);
        // the same three classes, in the same order, as the server gives for that image directly
        JsonNode direct = JSON.readTree(DemoFixture.post("/predict", "application/json",
                JSON.writeValueAsBytes(sample.get("pixels"))).body()).get("predictions");
        List<String> expected = new ArrayList<>();
        direct.forEach(p -> expected.add(p.get("label").asText()));
        assertEquals(expected, labels);
        assertTrue(dom.contains("<th>epoch</th>"), "the training history table is missing: " + dom);
    }

    @Test
    void theScreenshotShowsAPage() throws Exception {
        assertTrue(Files.size(screenshot) > 0, "empty screenshot");
        BufferedImage image = ImageIO.read(screenshot.toFile());
        assertEquals(WIDTH, image.getWidth());
        assertEquals(HEIGHT, image.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < HEIGHT; y += 2) {
            for (int x = 0; x < WIDTH; x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        // text, the grey-level image and the chart: far more than a blank or single-colour page
        assertTrue(colours.size() > 50, colours.size() + " colours");
    }
}
