package dev.nabla.examples.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.util.Map;

/** {@code POST /predict}: a 28x28 image (JSON pixels or PNG, see {@link PixelInput}) to the model's top 3. */
final class PredictHandler implements HttpHandler {
    static final String PATH = "/predict";
    /** Far above a JSON image (784 numbers, ~20 KB), far below what could hurt the server. */
    static final int MAX_BODY = 1 << 20;

    private final DemoModel model;

    PredictHandler(DemoModel model) {
        this.model = model;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Exchanges.requirePath(exchange, PATH);
        Exchanges.requireMethod(exchange, "POST");
        byte[] body = Exchanges.readBody(exchange, MAX_BODY);
        float[] pixels = PixelInput.parse(exchange.getRequestHeaders().getFirst("Content-Type"), body);
        Exchanges.sendJson(exchange, 200, Map.of("model", model.name(), "predictions", model.top(pixels, 3)));
    }
}
