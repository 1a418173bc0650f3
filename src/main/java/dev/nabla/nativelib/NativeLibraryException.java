package dev.nabla.nativelib;

import java.util.List;

/**
 * Thrown when a required native library cannot be loaded. It carries every place that was tried and
 * why each was rejected, so the message alone tells the user what to install or which setting to use.
 */
public class NativeLibraryException extends RuntimeException {
    /** What was tried, in search order. */
    private final List<String> attempts;

    /**
     * Creates the exception.
     *
     * @param summary  one sentence saying what could not be loaded, without a trailing period
     * @param attempts what was tried, one entry per candidate, in search order
     */
    public NativeLibraryException(String summary, List<String> attempts) {
        super(format(summary, attempts));
        this.attempts = List.copyOf(attempts);
    }

    /**
     * Returns what was tried, in search order.
     *
     * @return an unmodifiable list with one readable line per attempt
     */
    public List<String> attempts() {
        return attempts;
    }

    private static String format(String summary, List<String> attempts) {
        var message = new StringBuilder(summary).append(". Tried:");
        attempts.forEach(attempt -> message.append("\n  - ").append(attempt));
        return message.toString();
    }
}
