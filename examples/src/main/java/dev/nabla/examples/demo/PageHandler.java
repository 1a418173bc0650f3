package dev.nabla.examples.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/** The page itself: a fixed set of files from the class path (page/ next to this class), nothing else. */
final class PageHandler implements HttpHandler {
    /** Path to resource name and content type. */
    private static final Map<String, String[]> FILES = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
            "/demo.js", new String[] {"demo.js", "text/javascript; charset=utf-8"},
            "/demo.css", new String[] {"demo.css", "text/css; charset=utf-8"});

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String[] file = FILES.get(exchange.getRequestURI().getPath());
        if (file == null) {
            throw new HttpError(404, "no such page: " + exchange.getRequestURI().getPath());
        }
        Exchanges.requireMethod(exchange, "GET");
        byte[] bytes;
        try (InputStream in = PageHandler.class.getResourceAsStream("page/" + file[0])) {
            if (in == null) {
                throw new IllegalStateException("page/" + file[0] + " is missing from the class path");
            }
            bytes = in.readAllBytes();
        }
        Exchanges.send(exchange, 200, file[1], bytes);
    }
}
