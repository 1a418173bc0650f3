package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.nabla.backend.UnaryOp;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.bindings.cublas.cublas_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * GEMM and batched GEMM through one cuBLAS handle per device, on the device's stream with a 32 MiB workspace.
 * Row-major products are computed as the column-major product of the swapped operands; TF32 math is opt-in.
 */
final class CublasGemm {
    private static final long WORKSPACE_BYTES = 32L << 20;

    private final CudaDevice device;
    private final ElementwiseKernels elementwise;
    private final MemorySegment blas;
    private final int version;
    /** cuBLAS handles are not thread-safe. */
    private final Object blasLock = new Object();

    /** Creates the handle in {@code device}'s context, which is current on this thread. */
    CublasGemm(CudaDevice device, ElementwiseKernels elementwise, boolean allowTf32) {
        this.device = device;
        this.elementwise = elementwise;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pp = a.allocate(ADDRESS);
            device.checkBlas(cublas_h.cublasCreate_v2(pp), "cublasCreate_v2");
            blas = pp.get(ADDRESS, 0);
            device.checkBlas(cublas_h.cublasSetStream_v2(blas, device.stream()), "cublasSetStream_v2");
            long workspace = device.rawAlloc(WORKSPACE_BYTES, "cuBLAS workspace");
            device.checkBlas(cublas_h.cublasSetWorkspace_v2(blas, MemorySegment.ofAddress(workspace), WORKSPACE_BYTES),
                    "cublasSetWorkspace_v2");
            device.checkBlas(cublas_h.cublasSetMathMode(blas, mathMode(allowTf32)), "cublasSetMathMode");
            MemorySegment ip = a.allocate(JAVA_INT);
            device.checkBlas(cublas_h.cublasGetVersion_v2(blas, ip), "cublasGetVersion_v2");
            version = ip.get(JAVA_INT, 0);
        }
    }

    private static int mathMode(boolean allowTf32) {
        return allowTf32 ? cublas_h.CUBLAS_TF32_TENSOR_OP_MATH() : cublas_h.CUBLAS_DEFAULT_MATH();
    }

    /** cuBLAS version as {@code cublasGetVersion} reports it. */
    int version() {
        return version;
    }

    /** Lets float32 GEMMs use TF32 tensor cores, or not. */
    void allowTf32(boolean allow) {
        device.makeCurrent();
        synchronized (blasLock) {
            device.checkBlas(cublas_h.cublasSetMathMode(blas, mathMode(allow)), "cublasSetMathMode");
        }
    }

    /** A valid leading dimension for cuBLAS when a stored matrix has a single row (its ld is never used then). */
    private static int fixLd(int ld, long storedRows, long storedCols) {
        return storedRows <= 1 ? (int) Math.max(ld, Math.max(1, storedCols)) : ld;
    }

    void batchedGemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, long aOffset, int lda, long strideA,
                     MemorySegment b, long bOffset, int ldb, long strideB,
                     double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch) {
        if (m == 0 || n == 0 || batch == 0) {
            return;
        }
        device.makeCurrent();
        if (k == 0) {
            // C = beta * C (cuBLAS may not accept k = 0): one strided view over every batch entry
            Strided cv = new Strided(c, cOffset, new long[] {batch, m, n}, new long[] {strideC, ldc, 1});
            if (beta == 0) {
                elementwise.fill(dtype, cv, 0.0);
            } else {
                elementwise.unary(UnaryOp.MUL_SCALAR, dtype, cv, cv, beta, 0);
            }
            return;
        }
        // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands, keep the flags.
        int opA = transA ? cublas_h.CUBLAS_OP_T() : cublas_h.CUBLAS_OP_N();
        int opB = transB ? cublas_h.CUBLAS_OP_T() : cublas_h.CUBLAS_OP_N();
        int ldA = fixLd(lda, transA ? k : m, transA ? m : k);
        int ldB = fixLd(ldb, transB ? n : k, transB ? k : n);
        int ldC = fixLd(ldc, m, n);
        MemorySegment pa = MemorySegment.ofAddress(DeviceAddress.of(a, aOffset, dtype));
        MemorySegment pb = MemorySegment.ofAddress(DeviceAddress.of(b, bOffset, dtype));
        MemorySegment pc = MemorySegment.ofAddress(DeviceAddress.of(c, cOffset, dtype));
        try (Arena ar = Arena.ofConfined()) {
            boolean f32 = dtype == ScalarType.FLOAT32;
            MemorySegment al = f32 ? ar.allocateFrom(JAVA_FLOAT, (float) alpha) : ar.allocateFrom(JAVA_DOUBLE, alpha);
            MemorySegment be = f32 ? ar.allocateFrom(JAVA_FLOAT, (float) beta) : ar.allocateFrom(JAVA_DOUBLE, beta);
            int rc;
            String call;
            synchronized (blasLock) {
                if (batch == 1) {
                    call = f32 ? "cublasSgemm_v2" : "cublasDgemm_v2";
                    rc = f32
                            ? cublas_h.cublasSgemm_v2(blas, opB, opA, n, m, k, al, pb, ldB, pa, ldA, be, pc, ldC)
                            : cublas_h.cublasDgemm_v2(blas, opB, opA, n, m, k, al, pb, ldB, pa, ldA, be, pc, ldC);
                } else {
                    call = f32 ? "cublasSgemmStridedBatched" : "cublasDgemmStridedBatched";
                    rc = f32
                            ? cublas_h.cublasSgemmStridedBatched(blas, opB, opA, n, m, k, al, pb, ldB, strideB, pa, ldA,
                                    strideA, be, pc, ldC, strideC, batch)
                            : cublas_h.cublasDgemmStridedBatched(blas, opB, opA, n, m, k, al, pb, ldB, strideB, pa, ldA,
                                    strideA, be, pc, ldC, strideC, batch);
                }
            }
            if (rc != 0) {
                device.checkBlas(rc, call + "(m=" + m + ", n=" + n + ", k=" + k + ", transA=" + transA + ", transB="
                        + transB + ", lda=" + lda + ", ldb=" + ldb + ", ldc=" + ldc + ", batch=" + batch + ")");
            }
        }
    }
}
