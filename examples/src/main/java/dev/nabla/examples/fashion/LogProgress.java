package dev.nabla.examples.fashion;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Progress for logs: a plain line every so many seconds while an epoch runs (none for an epoch shorter than that,
 * whose summary line says it all), never a {@code \r}. Fields are comma-separated: images done, running loss, one
 * speed, ETA for the epoch.
 */
final class LogProgress implements Progress {
    private final String task;
    private final long total;
    private final PrintWriter log;
    private final long intervalNanos;
    private final LongSupplier clock;
    private final long start;
    private long nextLine;
    private long seen;

    /** {@code clock} gives nanoseconds ({@code System::nanoTime}; tests pass a fake one). */
    LogProgress(String task, long total, PrintWriter log, double intervalSeconds, LongSupplier clock) {
        if (!(intervalSeconds > 0)) {
            throw new IllegalArgumentException("the log interval must be positive, got " + intervalSeconds);
        }
        this.task = task;
        this.total = total;
        this.log = log;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
        this.clock = clock;
        this.start = clock.getAsLong();
        this.nextLine = start + intervalNanos;
    }

    @Override
    public void step(long images, double meanLoss) {
        seen += images;
        long now = clock.getAsLong();
        if (now - nextLine < 0 || seen >= total) {
            return;
        }
        nextLine = now + intervalNanos;
        double seconds = (now - start) / 1e9;
        double rate = seen / seconds;
        log.printf(Locale.ROOT, "%s: %d/%d img (%.0f%%), loss %.4f, %.0f img/s, ETA %.0f s%n", task, seen, total,
                100.0 * seen / total, meanLoss, rate, (total - seen) / rate);
        log.flush();
    }

    @Override
    public void close() {
        log.flush();
    }
}
