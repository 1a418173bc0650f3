package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.nabla.bindings.cublas.cublas_h;
import dev.nabla.bindings.cuda.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Status checks for driver and cuBLAS calls: every non-zero status becomes a {@link CudaException}. */
final class Cu {
    private Cu() {
    }

    /** Throws unless {@code rc} is {@code CUDA_SUCCESS}. */
    static void check(int rc, String where, String call) {
        if (rc != 0) {
            throw new CudaException(where + call + " failed: " + errorName(rc) + " (" + errorString(rc) + ")", rc);
        }
    }

    /** Throws unless {@code rc} is {@code CUBLAS_STATUS_SUCCESS}. */
    static void checkBlas(int rc, String where, String call) {
        if (rc != 0) {
            throw new CudaException(where + call + " failed: " + blasName(rc) + " (" + blasString(rc) + ")", rc);
        }
    }

    /** {@code CUDA_ERROR_...} name of a driver status. */
    static String errorName(int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            if (cuda_h.cuGetErrorName(rc, p) != 0) {
                return "CUresult " + rc;
            }
            return cString(p.get(ADDRESS, 0), "CUresult " + rc);
        } catch (RuntimeException | LinkageError e) {
            return "CUresult " + rc;
        }
    }

    /** The driver's description of a status. */
    static String errorString(int rc) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            if (cuda_h.cuGetErrorString(rc, p) != 0) {
                return "unknown error";
            }
            return cString(p.get(ADDRESS, 0), "unknown error");
        } catch (RuntimeException | LinkageError e) {
            return "unknown error";
        }
    }

    static String blasName(int rc) {
        try {
            return cString(cublas_h.cublasGetStatusName(rc), "cublasStatus " + rc);
        } catch (RuntimeException | LinkageError e) {
            return "cublasStatus " + rc;
        }
    }

    static String blasString(int rc) {
        try {
            return cString(cublas_h.cublasGetStatusString(rc), "unknown error");
        } catch (RuntimeException | LinkageError e) {
            return "unknown error";
        }
    }

    @SuppressWarnings("restricted")
    static String cString(MemorySegment p, String fallback) {
        if (p == null || p.equals(MemorySegment.NULL)) {
            return fallback;
        }
        return p.reinterpret(4096).getString(0);
    }
}
