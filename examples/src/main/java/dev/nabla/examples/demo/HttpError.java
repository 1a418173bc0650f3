package dev.nabla.examples.demo;

/** A request the server refuses: the HTTP status (4xx) and a message for the client. */
final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    HttpError(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
