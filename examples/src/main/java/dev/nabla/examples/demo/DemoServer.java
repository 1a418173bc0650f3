package dev.nabla.examples.demo;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The demo's web server: the JDK's built-in HTTP server on the loopback address only, its requests handled on a
 * small pool of daemon threads. Pages: {@code /} (the page), {@code POST /predict}, {@code GET /sample?i=N},
 * {@code /history.png}, {@code /history.csv}.
 */
final class DemoServer implements AutoCloseable {
    /** Request threads: enough for a page's parallel fetches; the model itself is the bottleneck. */
    static final int THREADS = 4;

    private final HttpServer server;
    private final ExecutorService executor;
    private final DemoModel model;

    private DemoServer(HttpServer server, ExecutorService executor, DemoModel model) {
        this.server = server;
        this.executor = executor;
        this.model = model;
    }

    /**
     * Starts serving {@code model} and {@code images}, with the training curves from {@code runDir}, on
     * 127.0.0.1:{@code port} (0: any free port; {@link #uri()} says which). The server owns {@code model} from
     * here on and closes it last.
     */
    static DemoServer start(int port, DemoModel model, TestImages images, Path runDir) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        } catch (BindException e) {
            model.close();
            throw new IOException("cannot listen on 127.0.0.1:" + port + " (" + e.getMessage()
                    + "); pick another with --port (0: any free port)", e);
        }
        server.createContext("/", Exchanges.guarded(new PageHandler()));
        server.createContext(PredictHandler.PATH, Exchanges.guarded(new PredictHandler(model)));
        server.createContext(SampleHandler.PATH, Exchanges.guarded(new SampleHandler(images)));
        server.createContext("/history.png",
                Exchanges.guarded(new HistoryHandler(runDir.resolve("history.png"), "image/png")));
        server.createContext("/history.csv",
                Exchanges.guarded(new HistoryHandler(runDir.resolve("history.csv"), "text/csv; charset=utf-8")));
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, daemonThreads());
        server.setExecutor(executor);
        server.start();
        return new DemoServer(server, executor, model);
    }

    private static ThreadFactory daemonThreads() {
        return Thread.ofPlatform().name("demo-http-", 0).daemon().factory();
    }

    /** {@code http://127.0.0.1:PORT/}. */
    URI uri() {
        InetSocketAddress address = server.getAddress();
        return URI.create("http://" + address.getAddress().getHostAddress() + ":" + address.getPort() + "/");
    }

    /** Stops accepting, gives running requests a second to finish, stops the threads and releases the model. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        model.close();
    }
}
