package dev.nabla.examples.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code GET /history.png} and {@code /history.csv}: the training curves FashionMnistTrain wrote. */
final class HistoryHandler implements HttpHandler {
    private final Path file;
    private final String contentType;

    HistoryHandler(Path file, String contentType) {
        this.file = file;
        this.contentType = contentType;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Exchanges.requirePath(exchange, "/" + file.getFileName());
        Exchanges.requireMethod(exchange, "GET");
        if (!Files.isRegularFile(file)) {
            throw new HttpError(404, "no " + file.getFileName() + " in " + file.getParent()
                    + " (FashionMnistTrain writes it at the end of a run)");
        }
        Exchanges.send(exchange, 200, contentType, Files.readAllBytes(file));
    }
}
