package dev.nabla.examples.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.util.Arrays;

/** What every handler does with an exchange: check method and path, read a bounded body, answer JSON or bytes. */
final class Exchanges {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger(Exchanges.class.getName());

    private Exchanges() {
    }

    /**
     * Wraps a handler so that an {@link HttpError} becomes its status with a JSON {@code {"error": message}} body,
     * and anything else a 500 that is logged: no request can take the server down.
     */
    static HttpHandler guarded(HttpHandler handler) {
        return exchange -> {
            try (exchange) {
                try {
                    handler.handle(exchange);
                } catch (HttpError e) {
                    sendError(exchange, e.status(), e.getMessage());
                } catch (RuntimeException | IOException e) {
                    LOG.log(Level.WARNING, "demo: " + exchange.getRequestMethod() + " " + exchange.getRequestURI()
                            + " failed", e);
                    sendError(exchange, 500, "internal error: " + e);
                }
            } catch (IOException e) {
                // the client went away while we answered: nothing left to tell it
                LOG.log(Level.DEBUG, "demo: could not answer " + exchange.getRequestURI(), e);
            }
        };
    }

    /** Refuses any method but {@code allowed} with 405 and an Allow header; HEAD counts as GET. */
    static void requireMethod(HttpExchange exchange, String... allowed) {
        String method = exchange.getRequestMethod();
        if (Arrays.asList(allowed).contains(method) || method.equals("HEAD") && Arrays.asList(allowed).contains("GET")) {
            return;
        }
        exchange.getResponseHeaders().set("Allow", String.join(", ", allowed));
        throw new HttpError(405, exchange.getRequestURI().getPath() + " accepts " + String.join(" or ", allowed)
                + ", not " + method);
    }

    /** Refuses paths below a context's own ({@code /predict/x}, or {@code /predictx}, which contexts also match). */
    static void requirePath(HttpExchange exchange, String path) {
        if (!exchange.getRequestURI().getPath().equals(path)) {
            throw new HttpError(404, "no such page: " + exchange.getRequestURI().getPath());
        }
    }

    /** The request body, refused with 413 when longer than {@code limit} bytes (declared or actual). */
    static byte[] readBody(HttpExchange exchange, int limit) throws IOException {
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            long length;
            try {
                length = Long.parseLong(declared.strip());
            } catch (NumberFormatException e) {
                throw new HttpError(400, "Content-Length '" + declared + "' is not a number");
            }
            if (length > limit) {
                throw tooLarge(length + " bytes", limit);
            }
        }
        InputStream in = exchange.getRequestBody();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) > 0; ) {
            body.write(buffer, 0, n);
            if (body.size() > limit) {
                throw tooLarge("more than " + limit + " bytes", limit);
            }
        }
        return body.toByteArray();
    }

    private static HttpError tooLarge(String size, int limit) {
        return new HttpError(413, "the request body is " + size + "; the limit is " + limit + " bytes");
    }

    /** Answers {@code status} with {@code body} as JSON. */
    static void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
        send(exchange, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
    }

    static void sendError(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("error", message);
        sendJson(exchange, status, body);
    }

    /** Answers {@code status} with {@code bytes}; a HEAD request gets the headers only. */
    static void send(HttpExchange exchange, int status, String contentType, byte[] bytes) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length == 0 ? -1 : bytes.length);
        if (!head && bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
