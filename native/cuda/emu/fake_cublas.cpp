// The cuBLAS calls of dev.nabla.backend.cuda, emulated on the CPU for the CUDA emulator (see fake_cuda.cpp): the same
// argument checks as cuBLAS (CUBLAS_STATUS_INVALID_VALUE for a bad size or leading dimension) and a plain
// column-major GEMM accumulating in the matrix type. Built as libcublas.so.13 by scripts/gpu/emu-test.sh.
#include <algorithm>
#include <cstdint>

#include "emu_common.h"

namespace {
struct Handle {
    void* stream = nullptr;
    int math = 0;
};
constexpr int OK = 0, INVALID_VALUE = 7, NOT_INITIALIZED = 1;

template <typename T>
int gemm(void* h, int ta, int tb, int m, int n, int k, const T* alpha, const T* A, int lda, const T* B, int ldb,
         const T* beta, T* C, int ldc, long long sa, long long sb, long long sc, int batch) {
    if (h == nullptr) return NOT_INITIALIZED;
    if (m < 0 || n < 0 || k < 0 || batch < 0 || (ta != 0 && ta != 1) || (tb != 0 && tb != 1)) return INVALID_VALUE;
    if (lda < std::max(1, ta == 0 ? m : k) || ldb < std::max(1, tb == 0 ? k : n) || ldc < std::max(1, m)) {
        return INVALID_VALUE;
    }
    if (m == 0 || n == 0) return OK;
    const T* a0 = static_cast<const T*>(emu::to_host(reinterpret_cast<uint64_t>(A)));
    const T* b0 = static_cast<const T*>(emu::to_host(reinterpret_cast<uint64_t>(B)));
    T* c0 = static_cast<T*>(emu::to_host(reinterpret_cast<uint64_t>(C)));
    for (int q = 0; q < batch; q++) {
        const T* a = a0 + q * sa;
        const T* b = b0 + q * sb;
        T* c = c0 + q * sc;
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                T sum = 0;
                for (int p = 0; p < k; p++) {
                    T av = ta == 0 ? a[i + (long long)p * lda] : a[p + (long long)i * lda];
                    T bv = tb == 0 ? b[p + (long long)j * ldb] : b[j + (long long)p * ldb];
                    sum += av * bv;
                }
                T& out = c[i + (long long)j * ldc];
                out = *beta == T(0) ? *alpha * sum : *alpha * sum + *beta * out;
            }
        }
    }
    return OK;
}
}  // namespace

extern "C" {
int cublasCreate_v2(void** h) { *h = new Handle(); return OK; }
int cublasDestroy_v2(void* h) { delete static_cast<Handle*>(h); return OK; }
int cublasSetStream_v2(void* h, void* s) { static_cast<Handle*>(h)->stream = s; return OK; }
int cublasSetWorkspace_v2(void* h, void* ws, size_t bytes) {
    if (h == nullptr) return NOT_INITIALIZED;
    return bytes == 0 || emu::is_device(reinterpret_cast<uint64_t>(ws)) ? OK : INVALID_VALUE;
}
int cublasSetMathMode(void* h, int mode) { static_cast<Handle*>(h)->math = mode; return OK; }
int cublasGetVersion_v2(void*, int* v) { *v = 130000; return OK; }
const char* cublasGetStatusName(int s) {
    return s == 0 ? "CUBLAS_STATUS_SUCCESS" : s == 7 ? "CUBLAS_STATUS_INVALID_VALUE"
                                          : s == 1 ? "CUBLAS_STATUS_NOT_INITIALIZED" : "CUBLAS_STATUS_UNKNOWN";
}
const char* cublasGetStatusString(int s) {
    return s == 0 ? "success" : s == 7 ? "an invalid numeric value was used as an argument" : "unknown error";
}
int cublasSgemm_v2(void* h, int ta, int tb, int m, int n, int k, const float* alpha, const float* A, int lda,
                   const float* B, int ldb, const float* beta, float* C, int ldc) {
    return gemm<float>(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, 0, 0, 0, 1);
}
int cublasDgemm_v2(void* h, int ta, int tb, int m, int n, int k, const double* alpha, const double* A, int lda,
                   const double* B, int ldb, const double* beta, double* C, int ldc) {
    return gemm<double>(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, 0, 0, 0, 1);
}
int cublasSgemmStridedBatched(void* h, int ta, int tb, int m, int n, int k, const float* alpha, const float* A,
                              int lda, long long sa, const float* B, int ldb, long long sb, const float* beta, float* C,
                              int ldc, long long sc, int batch) {
    return gemm<float>(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, sa, sb, sc, batch);
}
int cublasDgemmStridedBatched(void* h, int ta, int tb, int m, int n, int k, const double* alpha, const double* A,
                              int lda, long long sa, const double* B, int ldb, long long sb, const double* beta,
                              double* C, int ldc, long long sc, int batch) {
    return gemm<double>(h, ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, sa, sb, sc, batch);
}
}
