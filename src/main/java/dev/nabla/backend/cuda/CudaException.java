package dev.nabla.backend.cuda;

/**
 * A CUDA driver, cuBLAS or kernel call that failed: the message names the call, its arguments where they help,
 * and the library's own error name and description, e.g.
 * {@code cuda:0: cuLaunchKernel(unary_f32) failed: CUDA_ERROR_INVALID_VALUE (invalid argument)}.
 */
public class CudaException extends RuntimeException {
    private final int code;

    /** Creates the exception for status {@code code} of {@code call}. */
    public CudaException(String message, int code) {
        super(message);
        this.code = code;
    }

    /** The status code the call returned ({@code CUresult} or {@code cublasStatus_t}). */
    public int code() {
        return code;
    }
}
