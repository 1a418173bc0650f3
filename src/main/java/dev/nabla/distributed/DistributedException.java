package dev.nabla.distributed;

/** A collective or the process group itself failed: an MPI error code (with MPI's message) or a missing launcher. */
public class DistributedException extends RuntimeException {
    /**
     * Creates the exception.
     *
     * @param message what failed, naming the operation, the rank and the cause
     */
    public DistributedException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause.
     *
     * @param message what failed
     * @param cause   the underlying failure
     */
    public DistributedException(String message, Throwable cause) {
        super(message, cause);
    }
}
