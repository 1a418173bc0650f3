package dev.nabla.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.examples.cli.Cli;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo server over real HTTP (java.net.http) on a port of its own choosing, with a model trained for the test. */
class DemoServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static DemoFixture.Running demo;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoFixture.server();
    }

    private static float[] samplePixels(int i) throws Exception {
        JsonNode sample = JSON.readTree(DemoFixture.get("/sample?i=" + i).body());
        float[] pixels = new float[sample.get("pixels").size()];
        for (int k = 0; k < pixels.length; k++) {
            pixels[k] = (float) sample.get("pixels").get(k).asDouble();
        }
        return pixels;
    }

    private static HttpResponse<String> predictJson(float[] pixels) throws Exception {
        return DemoFixture.post("/predict", "application/json", JSON.writeValueAsBytes(pixels));
    }

    /** The top 3 of a 200 answer, checked for shape: distinct classes with their names, descending, sum <= 1. */
    private static JsonNode top3(HttpResponse<String> response) throws IOException {
        assertEquals(200, response.statusCode(), response.body());
        JsonNode predictions = JSON.readTree(response.body()).get("predictions");
        assertEquals(3, predictions.size(), response.body());
        double sum = 0;
        double previous = 1;
        List<Integer> seen = new ArrayList<>();
        for (JsonNode p : predictions) {
            int index = p.get("index").asInt();
            double probability = p.get("probability").asDouble();
            assertEquals(FashionClasses.NAMES.get(index), p.get("label").asText());
            assertTrue(probability >= 0 && probability <= previous, response.body());
            assertFalse(seen.contains(index), response.body());
            seen.add(index);
            previous = probability;
            sum += probability;
        }
        assertTrue(sum <= 1 + 1e-6, response.body());
        return predictions;
    }

    @Test
    void startTrainedTheMlpAndServesOnLoopbackOnly() {
        assertTrue(demo.startOutput().contains("training the MLP first"), demo.startOutput());
        assertEquals("127.0.0.1", demo.server().uri().getHost());
    }

    @Test
    void nothingListensOnTheMachinesOtherAddresses() throws Exception {
        List<InetAddress> others = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                nic.inetAddresses().filter(a -> a instanceof Inet4Address).forEach(others::add);
            }
        }
        assumeTrue(!others.isEmpty(), "no network address besides loopback");
        int port = demo.server().uri().getPort();
        for (InetAddress address : others) {
            try (Socket s = new Socket()) {
                assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress(address, port), 2000),
                        "the demo answers on " + address);
            }
        }
    }

    @Test
    void predictionsMatchAPlainJavaForwardPassAndMostlyTheTrueClass() throws Exception {
        MlpReference reference = new MlpReference(demo.runDir().resolve("checkpoint.safetensors"));
        int images = 60;
        int correct = 0;
        for (int i = 0; i < images; i++) {
            JsonNode sample = JSON.readTree(DemoFixture.get("/sample?i=" + i).body());
            float[] pixels = samplePixels(i);
            double[] expected = reference.probabilities(pixels);
            JsonNode predictions = top3(predictJson(pixels));
            for (JsonNode p : predictions) {
                assertEquals(expected[p.get("index").asInt()], p.get("probability").asDouble(), 1e-5, "image " + i);
            }
            double third = predictions.get(2).get("probability").asDouble();
            long above = Arrays.stream(expected).filter(e -> e > third + 1e-5).count();
            assertTrue(above <= 2, "image " + i + ": a class missing from the top 3 is more probable");
            if (predictions.get(0).get("index").asInt() == sample.get("label").asInt()) {
                correct++;
            }
        }
        // the model scored ~60 % after its epoch; chance is 10 %
        assertTrue(correct >= images / 3, correct + " of " + images + " right");
    }

    @Test
    void aPngOfATestImageGetsTheSameAnswerAsItsPixels() throws Exception {
        float[] pixels = samplePixels(7);
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int k = 0; k < pixels.length; k++) {
            // the dataset's pixels are bytes / 255, so this is exact
            image.getRaster().setSample(k % 28, k / 28, 0, Math.round(pixels[k] * 255));
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        JsonNode fromPng = top3(DemoFixture.post("/predict", "image/png", png.toByteArray()));
        JsonNode fromJson = top3(predictJson(pixels));
        assertEquals(fromJson, fromPng);
    }

    @Test
    void concurrentRequestsGetTheSequentialAnswers() throws Exception {
        int images = 16;
        List<JsonNode> sequential = new ArrayList<>();
        List<float[]> inputs = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            inputs.add(samplePixels(100 + i));
            sequential.add(top3(predictJson(inputs.get(i))));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<JsonNode>> answers = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < images; i++) {
                    float[] in = inputs.get(i);
                    answers.add(pool.submit(() -> top3(predictJson(in))));
                }
            }
            for (int k = 0; k < answers.size(); k++) {
                JsonNode got = answers.get(k).get();
                JsonNode want = sequential.get(k % images);
                for (int j = 0; j < 3; j++) {
                    assertEquals(want.get(j).get("index"), got.get(j).get("index"));
                    assertEquals(want.get(j).get("probability").asDouble(), got.get(j).get("probability").asDouble(),
                            1e-6);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** A refused request: its status, a JSON error containing {@code message}, and the server still predicting. */
    private static void assertRefused(HttpResponse<String> response, int status, String message) throws Exception {
        assertEquals(status, response.statusCode(), response.body());
        String error = JSON.readTree(response.body()).get("error").asText();
        assertTrue(error.contains(message), error);
        top3(predictJson(new float[784]));
    }

    /** {@code png} with its IHDR width and height set to {@code side} (and the chunk's CRC fixed to match). */
    private static byte[] withDeclaredSize(byte[] png, int side) {
        byte[] patched = png.clone();
        ByteBuffer b = ByteBuffer.wrap(patched);
        // signature (8), IHDR length (4), "IHDR" (4), width, height, 5 more bytes, then the CRC of type and data
        b.putInt(16, side).putInt(20, side);
        CRC32 crc = new CRC32();
        crc.update(patched, 12, 17);
        b.putInt(29, (int) crc.getValue());
        return patched;
    }

    @Test
    void badInputGetsA4xxWithAMessageAndTheServerKeepsAnswering() throws Exception {
        byte[] twoPixels = "[0.5, 0.5]".getBytes(StandardCharsets.UTF_8);
        assertRefused(DemoFixture.post("/predict", "application/json", twoPixels), 400, "expected 784 pixel values");
        assertRefused(DemoFixture.post("/predict", "application/json", "{\"pixels\": [1,".getBytes()), 400,
                "not valid JSON");
        assertRefused(DemoFixture.post("/predict", "application/json", "{\"image\": 3}".getBytes()), 400,
                "expected a JSON array");
        float[] tooBright = new float[784];
        tooBright[5] = 2;
        assertRefused(predictJson(tooBright), 400, "pixel 5 is 2.0");
        assertRefused(DemoFixture.post("/predict", "image/png", "not an image at all".getBytes()), 400,
                "not an image");
        assertRefused(DemoFixture.post("/predict", "image/png", "GIF89a not really".getBytes()), 400,
                "could not be decoded");
        ByteArrayOutputStream wrongSize = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(32, 30, BufferedImage.TYPE_BYTE_GRAY), "png", wrongSize);
        assertRefused(DemoFixture.post("/predict", "image/png", wrongSize.toByteArray()), 400,
                "32x30, expected 28x28");
        // a small file declaring a 100000x100000 image is refused from its header, before anything is decoded
        assertRefused(DemoFixture.post("/predict", "image/png", withDeclaredSize(wrongSize.toByteArray(), 100_000)),
                400, "100000x100000, expected 28x28");
        byte[] truncated = Arrays.copyOf(wrongSize.toByteArray(), 40);
        assertRefused(DemoFixture.post("/predict", "image/png", withDeclaredSize(truncated, 28)), 400,
                "could not be decoded");
        assertRefused(DemoFixture.post("/predict", "text/plain", twoPixels), 415, "Content-Type must be");
        byte[] huge = new byte[3 << 20];
        assertRefused(DemoFixture.post("/predict", "application/json", huge), 413, "limit is 1048576 bytes");
        // the same without a Content-Length (chunked): the read stops at the limit
        HttpResponse<String> chunked = DemoFixture.CLIENT.send(HttpRequest.newBuilder(demo.uri("/predict"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertRefused(chunked, 413, "more than 1048576 bytes");

        HttpResponse<String> get = DemoFixture.get("/predict");
        assertEquals("POST", get.headers().firstValue("Allow").orElse(""));
        assertRefused(get, 405, "/predict accepts POST, not GET");
        assertRefused(DemoFixture.post("/sample?i=1", "application/json", twoPixels), 405, "accepts GET");
        assertRefused(DemoFixture.post("/", "text/html", twoPixels), 405, "accepts GET");
        assertRefused(DemoFixture.get("/sample"), 400, "/sample?i=N");
        assertRefused(DemoFixture.get("/sample?i=abc"), 400, "'abc' is not an integer");
        assertRefused(DemoFixture.get("/sample?i=10000"), 404, "no test image 10000");
        assertRefused(DemoFixture.get("/sample?i=-1"), 404, "no test image -1");
        assertRefused(DemoFixture.get("/no-such-page"), 404, "no such page");
        assertRefused(DemoFixture.get("/predict/more"), 404, "no such page");
    }

    @Test
    void servesThePageAndTheTrainingCurves() throws Exception {
        HttpResponse<String> page = DemoFixture.get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("<canvas id=\"canvas\"") && page.body().contains("demo.js"), page.body());
        assertEquals(200, DemoFixture.get("/demo.js").statusCode());
        assertEquals(200, DemoFixture.get("/demo.css").statusCode());
        HttpResponse<String> csv = DemoFixture.get("/history.csv");
        assertEquals(200, csv.statusCode());
        assertTrue(csv.body().startsWith("epoch,train_loss,test_loss,test_accuracy"), csv.body());
        assertEquals(2, csv.body().lines().count(), "header and one epoch");
        HttpResponse<byte[]> png = DemoFixture.CLIENT.send(HttpRequest.newBuilder(demo.uri("/history.png")).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, png.statusCode());
        BufferedImage chart = ImageIO.read(new ByteArrayInputStream(png.body()));
        assertTrue(chart != null && chart.getWidth() > 100, "history.png is not an image");
    }

    @Test
    void aSecondStartReusesTheCheckpointWithoutTraining() throws Exception {
        StringWriter out = new StringWriter();
        try (DemoServer second = DemoFixture.start(demo.runDir(), out, "--epochs", "3")) {
            assertTrue(out.toString().contains("demo: using " + demo.runDir().resolve("checkpoint.safetensors")),
                    out.toString());
            assertFalse(out.toString().contains("epoch 1/"), out.toString());
            assertTrue(second.uri().getPort() != demo.server().uri().getPort());
        }
    }

    @Test
    void badPortsAreOneLineAndStatus2() {
        for (String[] args : List.of(new String[] {"--port", "70000"}, new String[] {"--port", "-1"},
                new String[] {"--port", "http"})) {
            StringWriter err = new StringWriter();
            int status = Cli.execute(new FashionMnistDemo(), new PrintWriter(new StringWriter()), new PrintWriter(err),
                    args);
            assertEquals(2, status, err.toString());
            assertEquals(1, err.toString().lines().count(), err.toString());
            assertTrue(err.toString().startsWith("fashion-mnist-demo: Invalid value for option"), err.toString());
        }
    }

    @Test
    void aTakenPortIsAClearError() throws Exception {
        int taken = demo.server().uri().getPort();
        DemoModel model = DemoModel.load(demo.runDir().resolve("checkpoint.safetensors"));
        IOException e = assertThrows(IOException.class,
                () -> DemoServer.start(taken, model, new TestImages(new float[784], new long[1]), demo.runDir()));
        assertTrue(e.getMessage().startsWith("cannot listen on 127.0.0.1:" + taken)
                && e.getMessage().contains("pick another with --port"), e.getMessage());
    }
}
