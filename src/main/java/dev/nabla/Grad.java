package dev.nabla;

/**
 * Gradient mode of the current thread, like {@code torch.no_grad()} / {@code torch.enable_grad()}.
 * While disabled, ops record nothing, so no graph is built and results do not require grad.
 *
 * <pre>{@code
 * try (var g = Grad.disabled()) {
 *     Tensor prediction = model.forward(x);   // no graph recorded
 * }
 * }</pre>
 */
public final class Grad implements AutoCloseable {
    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private final boolean previous;
    private boolean closed;

    private Grad(boolean enable) {
        boolean[] cell = ENABLED.get();
        previous = cell[0];
        cell[0] = enable;
    }

    /** Disables recording until the returned handle is closed (restoring the previous mode). */
    public static Grad disabled() {
        return new Grad(false);
    }

    /** Enables recording until the returned handle is closed (restoring the previous mode). */
    public static Grad enabled() {
        return new Grad(true);
    }

    /** True if ops on this thread record the graph. */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /** Restores the mode that was in force when this handle was created. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ENABLED.get()[0] = previous;
        }
    }
}
