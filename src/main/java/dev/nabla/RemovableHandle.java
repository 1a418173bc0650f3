package dev.nabla;

/**
 * Removes what registered it, like PyTorch's {@code RemovableHandle}: returned by
 * {@link Tensor#registerPostAccumulateGradHook}. Removing twice does nothing.
 */
public interface RemovableHandle extends AutoCloseable {
    /** Unregisters the hook; later backward passes no longer run it. */
    void remove();

    /** Same as {@link #remove()}, so a handle can sit in a try-with-resources block. */
    @Override
    default void close() {
        remove();
    }
}
