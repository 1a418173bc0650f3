package dev.nabla.distributed;

/**
 * A collective started by one of {@link ProcessGroup}'s {@code ...Async} calls, like PyTorch's {@code Work}. Its
 * tensors must stay untouched (neither read, written nor closed) until it completes. Java's {@code Object.wait()} is
 * final, hence {@link #waitFor()} for PyTorch's {@code wait()}.
 */
public interface Work {
    /**
     * Blocks until the collective has completed on this rank; its results are then in the tensors. Later calls
     * return at once.
     *
     * @throws DistributedException if MPI reports an error (after the group's timeout, the watchdog aborts the job)
     */
    void waitFor();

    /**
     * Returns whether the collective has completed, without blocking (the call also lets MPI make progress). Once it
     * returns true the results are in the tensors, as after {@link #waitFor()}.
     *
     * @return true once {@link #waitFor()} would not block
     * @throws DistributedException if MPI reports an error
     */
    boolean isCompleted();
}
