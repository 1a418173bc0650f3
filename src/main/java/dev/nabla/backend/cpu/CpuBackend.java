package dev.nabla.backend.cpu;

import dev.nabla.DType;
import dev.nabla.backend.java.JavaBackend;
import dev.nabla.bindings.openblas.cblas_h;
import dev.nabla.nativelib.OpenBlas;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The CPU backend: GEMM in OpenBLAS through the generated bindings (row-major, transposition passed as a flag,
 * never materialised); the other kernels are the Java ones.
 */
public class CpuBackend extends JavaBackend {
    private final OpenBlas blas;

    /** A backend over a loaded OpenBLAS. */
    public CpuBackend(OpenBlas blas) {
        super(true);
        this.blas = blas;
    }

    @Override
    public String name() {
        return "cpu";
    }

    /** The library behind this backend. */
    public OpenBlas openBlas() {
        return blas;
    }

    @Override
    public void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                     double beta, MemorySegment c, long cOffset, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        int ta = transA ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans();
        int tb = transB ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans();
        if (dtype == DType.FLOAT32) {
            long es = ValueLayout.JAVA_FLOAT.byteSize();
            cblas_h.cblas_sgemm(cblas_h.CblasRowMajor(), ta, tb, m, n, k, (float) alpha,
                    a.asSlice(aOffset * es), lda, b.asSlice(bOffset * es), ldb, (float) beta,
                    c.asSlice(cOffset * es), ldc);
        } else {
            long es = ValueLayout.JAVA_DOUBLE.byteSize();
            cblas_h.cblas_dgemm(cblas_h.CblasRowMajor(), ta, tb, m, n, k, alpha,
                    a.asSlice(aOffset * es), lda, b.asSlice(bOffset * es), ldb, beta,
                    c.asSlice(cOffset * es), ldc);
        }
    }
}
