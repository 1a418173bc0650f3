// A CPU emulation of the part of the CUDA driver API that dev.nabla.backend.cuda calls, running Nabla's own kernels
// (../nabla_kernels.cu, compiled here as plain C++) on the host. Built as libcuda.so.1 by scripts/gpu/emu-test.sh, it
// lets the whole Java side of the CUDA backend (library search, FFM calls, argument structs, kernel launches, memory
// pool, copies, error handling) and the device-parameterised test suites run without a GPU.
//
// Device pointers are host addresses plus 2^47 (non-canonical on x86-64): Java code that dereferences a device
// segment crashes here as it would on a GPU, and every copy is checked against the live allocations. Every call
// that needs a context fails with CUDA_ERROR_INVALID_CONTEXT on a thread without one, like the real driver.
// Two ways to run a launch (timing means nothing in either):
//  - by default, sequentially: one block of one thread walks the whole grid-stride loop;
//  - with NABLA_CUDA_EMU_THREADS=1, with the launch's real grid and block (emu_threads.h): each block's threads run
//    concurrently as host threads, __syncthreads() is a real barrier, __shared__ memory is per block (blocks run
//    one after another) and atomics are real atomics. This runs the shared-memory reduction trees as the GPU does.
#include <math.h>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>

using std::isinf;
using std::isnan;
using std::signbit;

#include "emu_threads.h"

using emu::Dim3;
using emu::threadIdx;
using emu::blockIdx;
using emu::blockDim;
using emu::gridDim;
using emu::atomicAdd;
using emu::atomicCAS;
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static  // one copy per kernel: per block, since blocks run one after another
#define __launch_bounds__(x)
#define __syncthreads() emu::syncthreads()

#include "../nabla_kernels.cu"

#include "emu_common.h"

namespace {

thread_local void* current_context = nullptr;
void* const PRIMARY = reinterpret_cast<void*>(0x1000);
std::mutex mu;  // kernels and the allocation table

std::map<std::string, std::function<void(void**)>>& kernels();

template <typename A>
A arg(void* p) {
    if constexpr (std::is_pointer_v<A>) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        if (v != 0 && !emu::is_device(v)) {
            std::fprintf(stderr, "cuda emulator: kernel pointer argument 0x%llx is not a device pointer\n",
                         (unsigned long long)v);
            std::abort();
        }
        return v == 0 ? nullptr : reinterpret_cast<A>(emu::to_host(v));
    } else {
        A a;
        std::memcpy(&a, p, sizeof(A));
        return a;
    }
}

template <typename... A, size_t... I>
void invoke(void (*f)(A...), void** p, std::index_sequence<I...>) {
    f(arg<A>(p[I])...);
}

template <typename... A>
std::function<void(void**)> wrap(void (*f)(A...)) {
    return [f](void** p) { invoke(f, p, std::index_sequence_for<A...>{}); };
}

std::map<std::string, std::function<void(void**)>>& kernels() {
    static std::map<std::string, std::function<void(void**)>> table = [] {
        std::map<std::string, std::function<void(void**)>> t;
#define REG1(N)                                                                                                  \
    t[#N] = wrap(N);
#define REG_T(S)                                                                                                 \
    REG1(fill_##S) REG1(unary_##S) REG1(binary_##S) REG1(reduce_thread_##S) REG1(reduce_block_##S)              \
    REG1(argreduce_##S) REG1(im2col_##S) REG1(col2im_##S) REG1(sgd_##S) REG1(adam_##S) REG1(rmsprop_##S)        \
    REG1(adagrad_##S) REG1(softmax_##S) REG1(softmax_backward_##S) REG1(batch_norm_##S)                        \
    REG1(batch_norm_backward_##S) REG1(max_pool2d_##S) REG1(max_pool2d_backward_##S)
#define REG_TT(S, D) REG1(copy_##S##_##D) REG1(gather_##S##_##D) REG1(scatter_add_##S##_##D)
        REG_T(f32) REG_T(f64)
        REG_TT(f32, f32) REG_TT(f32, f64) REG_TT(f64, f32) REG_TT(f64, f64)
        return t;
    }();
    return table;
}

int need_context() {
    return current_context == PRIMARY ? 0 : 201;  // CUDA_ERROR_INVALID_CONTEXT
}

}  // namespace

extern "C" {

int cuInit(unsigned) { return 0; }
int cuDriverGetVersion(int* v) { *v = 13000; return 0; }
int cuDeviceGetCount(int* n) { *n = 1; return 0; }
int cuDeviceGet(int* d, int ordinal) {
    if (ordinal != 0) return 101;  // CUDA_ERROR_INVALID_DEVICE
    *d = 0;
    return 0;
}
int cuDeviceGetName(char* name, int len, int) {
    std::snprintf(name, len, "Nabla CPU emulator of a CUDA device");
    return 0;
}
int cuDeviceTotalMem_v2(size_t* bytes, int) { *bytes = size_t(16) << 30; return 0; }
int cuDeviceGetAttribute(int* v, int attr, int) {
    *v = attr == 75 ? 9 : attr == 76 ? 0 : attr == 16 ? 2 : 0;  // compute capability 9.0, 2 "SMs"
    return 0;
}
int cuDevicePrimaryCtxRetain(void** ctx, int dev) {
    if (dev != 0) return 101;
    *ctx = PRIMARY;
    return 0;
}
int cuDevicePrimaryCtxRelease_v2(int) { return 0; }
int cuCtxSetCurrent(void* ctx) {
    if (ctx != nullptr && ctx != PRIMARY) return 201;
    current_context = ctx;
    return 0;
}
int cuCtxGetCurrent(void** ctx) { *ctx = current_context; return 0; }
int cuCtxSynchronize() { return need_context(); }

int cuStreamCreate(void** s, unsigned) {
    if (int rc = need_context()) return rc;
    *s = reinterpret_cast<void*>(0x2000);
    return 0;
}
int cuStreamSynchronize(void*) { return need_context(); }
int cuStreamDestroy_v2(void*) { return need_context(); }

int cuModuleLoadData(void** module, const void* image) {
    if (int rc = need_context()) return rc;
    const char* text = static_cast<const char*>(image);
    if (std::strncmp(text, "//", 2) != 0 || std::strstr(text, ".entry") == nullptr) return 200;  // INVALID_IMAGE
    *module = reinterpret_cast<void*>(0x3000);
    return 0;
}
int cuModuleLoadDataEx(void** module, const void* image, unsigned, void*, void**) {
    return cuModuleLoadData(module, image);
}
int cuModuleGetFunction(void** f, void* module, const char* name) {
    if (int rc = need_context()) return rc;
    if (module != reinterpret_cast<void*>(0x3000)) return 400;  // CUDA_ERROR_INVALID_HANDLE
    auto it = kernels().find(name);
    if (it == kernels().end()) return 500;  // CUDA_ERROR_NOT_FOUND
    *f = &it->second;
    return 0;
}
int cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned shared, void* stream, void** params, void** extra) {
    if (int rc = need_context()) return rc;
    if (f == nullptr || params == nullptr || extra != nullptr) return 1;  // CUDA_ERROR_INVALID_VALUE
    if (gx == 0 || gy != 1 || gz != 1 || bx == 0 || bx > 1024 || by != 1 || bz != 1 || shared > 48 * 1024) return 1;
    (void)stream;
    std::lock_guard<std::mutex> lock(mu);
    auto& kernel = *static_cast<std::function<void(void**)>*>(f);
    if (emu::threads_mode()) {
        emu::run_blocks(gx, bx, [&kernel, params] { kernel(params); });
    } else {
        kernel(params);
    }
    return 0;
}

int cuMemAlloc_v2(uint64_t* p, size_t bytes) {
    if (int rc = need_context()) return rc;
    if (bytes == 0) return 1;
    if (bytes > (size_t(16) << 30)) return 2;  // CUDA_ERROR_OUT_OF_MEMORY
    *p = emu::allocate(bytes);
    return *p == 0 ? 2 : 0;
}
int cuMemFree_v2(uint64_t p) {
    if (int rc = need_context()) return rc;
    return emu::release(p) ? 0 : 1;
}
int cuMemHostAlloc(void** p, size_t bytes, unsigned) {
    if (int rc = need_context()) return rc;
    *p = std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
    return *p ? 0 : 2;
}
int cuMemFreeHost(void* p) { std::free(p); return 0; }
int cuMemsetD32_v2(uint64_t d, unsigned v, size_t n) {
    if (int rc = need_context()) return rc;
    if (d % 4 != 0 || !emu::inside(d, n * 4, "cuMemsetD32")) return 1;
    uint32_t* h = reinterpret_cast<uint32_t*>(emu::to_host(d));
    for (size_t i = 0; i < n; i++) h[i] = v;
    return 0;
}
int cuMemsetD32Async(uint64_t d, unsigned v, size_t n, void*) { return cuMemsetD32_v2(d, v, n); }
int cuMemcpyHtoDAsync_v2(uint64_t d, const void* h, size_t n, void*) {
    if (int rc = need_context()) return rc;
    if (!emu::inside(d, n, "cuMemcpyHtoD") || emu::is_device(reinterpret_cast<uint64_t>(h))) return 1;
    std::memcpy(emu::to_host(d), h, n);
    return 0;
}
int cuMemcpyHtoD_v2(uint64_t d, const void* h, size_t n) { return cuMemcpyHtoDAsync_v2(d, h, n, nullptr); }
int cuMemcpyDtoHAsync_v2(void* h, uint64_t s, size_t n, void*) {
    if (int rc = need_context()) return rc;
    if (!emu::inside(s, n, "cuMemcpyDtoH") || emu::is_device(reinterpret_cast<uint64_t>(h))) return 1;
    std::memcpy(h, emu::to_host(s), n);
    return 0;
}
int cuMemcpyDtoH_v2(void* h, uint64_t s, size_t n) { return cuMemcpyDtoHAsync_v2(h, s, n, nullptr); }
int cuMemcpyDtoDAsync_v2(uint64_t d, uint64_t s, size_t n, void*) {
    if (int rc = need_context()) return rc;
    if (!emu::inside(d, n, "cuMemcpyDtoD dst") || !emu::inside(s, n, "cuMemcpyDtoD src")) return 1;
    std::memmove(emu::to_host(d), emu::to_host(s), n);
    return 0;
}

int cuGetErrorName(int e, const char** s) {
    switch (e) {
        case 0: *s = "CUDA_SUCCESS"; return 0;
        case 1: *s = "CUDA_ERROR_INVALID_VALUE"; return 0;
        case 2: *s = "CUDA_ERROR_OUT_OF_MEMORY"; return 0;
        case 101: *s = "CUDA_ERROR_INVALID_DEVICE"; return 0;
        case 200: *s = "CUDA_ERROR_INVALID_IMAGE"; return 0;
        case 201: *s = "CUDA_ERROR_INVALID_CONTEXT"; return 0;
        case 400: *s = "CUDA_ERROR_INVALID_HANDLE"; return 0;
        case 500: *s = "CUDA_ERROR_NOT_FOUND"; return 0;
        default: *s = nullptr; return 1;
    }
}
int cuGetErrorString(int e, const char** s) {
    switch (e) {
        case 0: *s = "no error"; return 0;
        case 1: *s = "invalid argument"; return 0;
        case 2: *s = "out of memory"; return 0;
        case 101: *s = "invalid device ordinal"; return 0;
        case 200: *s = "device kernel image is invalid"; return 0;
        case 201: *s = "invalid device context"; return 0;
        case 400: *s = "invalid resource handle"; return 0;
        case 500: *s = "named symbol not found"; return 0;
        default: *s = nullptr; return 1;
    }
}

}  // extern "C"
