package dev.nabla.examples.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code GET /sample?i=N}: test image N's pixels and true label. */
final class SampleHandler implements HttpHandler {
    static final String PATH = "/sample";

    private final TestImages images;

    SampleHandler(TestImages images) {
        this.images = images;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Exchanges.requirePath(exchange, PATH);
        Exchanges.requireMethod(exchange, "GET");
        int i = index(exchange.getRequestURI().getRawQuery());
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("index", i);
        body.put("count", images.size());
        body.put("label", images.label(i));
        body.put("labelName", FashionClasses.NAMES.get(images.label(i)));
        body.put("pixels", images.pixels(i));
        Exchanges.sendJson(exchange, 200, body);
    }

    /** The {@code i} parameter, checked against the number of test images. */
    private int index(String query) {
        String value = null;
        for (String pair : query == null ? new String[0] : query.split("&")) {
            if (pair.startsWith("i=")) {
                value = pair.substring(2);
            }
        }
        String range = "0.." + (images.size() - 1);
        if (value == null) {
            throw new HttpError(400, "give the test image's number: /sample?i=N with N in " + range);
        }
        int i;
        try {
            i = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new HttpError(400, "i='" + value + "' is not an integer (expected " + range + ")");
        }
        if (i < 0 || i >= images.size()) {
            throw new HttpError(404, "no test image " + i + "; there are " + images.size() + " (" + range + ")");
        }
        return i;
    }
}
