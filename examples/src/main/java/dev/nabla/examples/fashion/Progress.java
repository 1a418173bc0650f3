package dev.nabla.examples.fashion;

import java.io.Console;
import java.io.PrintWriter;

/**
 * Progress through one training epoch: a redrawn bar on a terminal, plain lines now and then elsewhere (a log file,
 * CI, {@code nohup}), where {@code \r} frames would pile up as garbage.
 */
interface Progress extends AutoCloseable {
    /** {@code images} more images done; {@code meanLoss} is the epoch's mean loss so far. */
    void step(long images, double meanLoss);

    /** Ends the epoch's progress display (the caller prints the epoch's summary line). */
    @Override
    void close();

    /** Shows nothing ({@code --no-progress}). */
    Progress NONE = new Progress() {
        @Override
        public void step(long images, double meanLoss) {
        }

        @Override
        public void close() {
        }
    };

    /** True when the program talks to a terminal, which can redraw a line; false for files and pipes. */
    static boolean onTerminal() {
        Console console = System.console();
        return console != null && console.isTerminal() && !"dumb".equals(System.getenv("TERM"));
    }

    /**
     * The progress of one epoch of {@code total} images named {@code task} (e.g. {@code epoch 3/15}): a bar on a
     * terminal, otherwise a line to {@code log} every {@code logIntervalSeconds}.
     */
    static Progress start(String task, long total, boolean terminal, PrintWriter log, double logIntervalSeconds) {
        return terminal ? new TerminalProgress(task, total)
                : new LogProgress(task, total, log, logIntervalSeconds, System::nanoTime);
    }
}
