// Fused kernels behind the Backend's optional methods (softmax, batch norm, max pooling): one launch each where the
// composed form takes several. Included by nabla_kernels.cu (same conventions: double arithmetic, rounded once when
// stored). The host (dev.nabla.backend.cuda.NormalizationKernels, PoolingKernels) chooses the launch configuration per shape.
//
// Block reductions are shared-memory trees: they need blockDim.x to be a power of two, at most FUSED_THREADS.
// Every thread of a block reaches every __syncthreads (loops over rows/channels run the same trip count in the
// whole block, since the row/channel index depends on blockIdx only).

#define FUSED_THREADS 512  // at most 128 registers per thread: no spills in double arithmetic

// Sum (or Java's Math.max, NaN-propagating, when `is_max`) of every thread's v; all threads get the result.
__device__ __forceinline__ double block_reduce(double* red, double v, bool is_max) {
    red[threadIdx.x] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            double o = red[threadIdx.x + s];
            red[threadIdx.x] = is_max ? jmax(red[threadIdx.x], o) : red[threadIdx.x] + o;
        }
        __syncthreads();
    }
    double r = red[0];
    __syncthreads();  // red is reused by the next reduction
    return r;
}

// ------------------------------------------------------------------ softmax

// One block per row (grid-stride over rows): max, sum of exponentials, then the outputs, each a pass over the row.
template <typename T>
__device__ void softmax_k(const T* x, T* out, i64 rows, i64 n, int log_) {
    __shared__ double red[FUSED_THREADS];
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* xr = x + r * n;
        T* orow = out + r * n;
        double m = -INFINITY;
        for (i64 i = threadIdx.x; i < n; i += blockDim.x) m = jmax(m, (double)xr[i]);
        m = block_reduce(red, m, true);
        double s = 0.0;
        for (i64 i = threadIdx.x; i < n; i += blockDim.x) s += exp((double)xr[i] - m);
        s = block_reduce(red, s, false);
        double shift = m + log(s);
        for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
            double v = (double)xr[i];
            orow[i] = (T)(log_ ? v - shift : exp(v - m) / s);
        }
    }
}

// y * (g - sum(g * y)) per row, or g - exp(y) * sum(g) for log-softmax.
template <typename T>
__device__ void softmax_backward_k(const T* y, const T* g, T* gi, i64 rows, i64 n, int log_) {
    __shared__ double red[FUSED_THREADS];
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        const T* yr = y + r * n;
        const T* gr = g + r * n;
        T* ir = gi + r * n;
        double s = 0.0;
        for (i64 i = threadIdx.x; i < n; i += blockDim.x) s += log_ ? (double)gr[i] : (double)gr[i] * (double)yr[i];
        s = block_reduce(red, s, false);
        for (i64 i = threadIdx.x; i < n; i += blockDim.x) {
            double yv = (double)yr[i];
            double gv = (double)gr[i];
            ir[i] = (T)(log_ ? gv - exp(yv) * s : yv * (gv - s));
        }
    }
}

// ------------------------------------------------------------------ batch norm
// x is [N, C, S] (S the product of the trailing sizes); channel c has the N*S elements x[(n*C + c)*S + s].

__device__ __forceinline__ i64 channel_at(i64 i, i64 c, i64 C, i64 S) {
    i64 n = i / S;
    return (n * C + c) * S + (i - n * S);
}

// One block per channel (grid-stride over channels): two-pass statistics (mean, then squared deviations from it)
// when batchStats, then the normalising pass.
template <typename T>
__device__ void batch_norm_k(const T* x, const T* w, const T* b, T* mean, T* var, T* out, i64 N, i64 C, i64 S,
                             double eps, int batchStats) {
    __shared__ double red[FUSED_THREADS];
    i64 count = N * S;
    for (i64 c = blockIdx.x; c < C; c += gridDim.x) {
        double mu, v;
        if (batchStats) {
            double s = 0.0;
            for (i64 i = threadIdx.x; i < count; i += blockDim.x) s += (double)x[channel_at(i, c, C, S)];
            mu = block_reduce(red, s, false) / (double)count;
            double d2 = 0.0;
            for (i64 i = threadIdx.x; i < count; i += blockDim.x) {
                double d = (double)x[channel_at(i, c, C, S)] - mu;
                d2 += d * d;
            }
            v = block_reduce(red, d2, false) / (double)count;
            if (threadIdx.x == 0) {
                mean[c] = (T)mu;
                var[c] = (T)v;
            }
        } else {
            mu = (double)mean[c];
            v = (double)var[c];
        }
        double scale = (w != nullptr ? (double)w[c] : 1.0) / sqrt(v + eps);
        double shift = b != nullptr ? (double)b[c] : 0.0;
        for (i64 i = threadIdx.x; i < count; i += blockDim.x) {
            i64 at = channel_at(i, c, C, S);
            out[at] = (T)(((double)x[at] - mu) * scale + shift);
        }
    }
}

// One block per channel: sum(g) and sum(g * (x - mean)) when any output needs them, then the input gradient.
template <typename T>
__device__ void batch_norm_backward_k(const T* x, const T* g, const T* w, const T* mean, const T* var, T* gi, T* gw,
                                      T* gb, i64 N, i64 C, i64 S, double eps, int batchStats) {
    __shared__ double red[FUSED_THREADS];
    i64 count = N * S;
    bool sums = gw != nullptr || gb != nullptr || (gi != nullptr && batchStats);
    for (i64 c = blockIdx.x; c < C; c += gridDim.x) {
        double mu = (double)mean[c];
        double inv = 1.0 / sqrt((double)var[c] + eps);
        double sg = 0.0, sgx = 0.0;
        if (sums) {
            double a = 0.0, bsum = 0.0;
            for (i64 i = threadIdx.x; i < count; i += blockDim.x) {
                i64 at = channel_at(i, c, C, S);
                double gv = (double)g[at];
                a += gv;
                bsum += gv * ((double)x[at] - mu);
            }
            sg = block_reduce(red, a, false);
            sgx = block_reduce(red, bsum, false);
        }
        if (threadIdx.x == 0) {
            if (gb != nullptr) gb[c] = (T)sg;
            if (gw != nullptr) gw[c] = (T)(sgx * inv);
        }
        if (gi != nullptr) {
            double scale = (w != nullptr ? (double)w[c] : 1.0) * inv;
            double gMean = sg / (double)count;
            double proj = sgx * inv * inv / (double)count;
            for (i64 i = threadIdx.x; i < count; i += blockDim.x) {
                i64 at = channel_at(i, c, C, S);
                double gv = (double)g[at];
                gi[at] = (T)(batchStats ? (gv - ((double)x[at] - mu) * proj - gMean) * scale : gv * scale);
            }
        }
    }
}

// ------------------------------------------------------------------ max pooling

struct PoolG {  // Layout (72 bytes): planes, H, W, OH, OW, then the window as 8 ints.
    i64 planes, H, W, OH, OW;
    int kh, kw, sh, sw, ph, pw, dh, dw;
};
static_assert(sizeof(PoolG) == 72 && __builtin_offsetof(PoolG, kh) == 40, "PoolG layout");

// One thread per output (grid-stride): PyTorch's rule, the first strictly larger value wins and a NaN always wins;
// the search starts at -inf with the window's first in-bounds position, so padding never wins. Indices are the plane
// positions h * W + w, stored in T.
template <typename T>
__device__ void max_pool2d_k(PoolG p, const T* x, T* out, T* idx) {
    GRID_STRIDE(i, p.planes * p.OH * p.OW) {
        i64 ox = i % p.OW;
        i64 t = i / p.OW;
        i64 oy = t % p.OH;
        i64 plane = t / p.OH;
        const T* xp = x + plane * p.H * p.W;
        i64 y0 = oy * p.sh - p.ph;
        i64 x0 = ox * p.sw - p.pw;
        double best = -INFINITY;
        i64 bestAt = -1;
        for (int ki = 0; ki < p.kh; ki++) {
            i64 iy = y0 + (i64)ki * p.dh;
            if (iy < 0 || iy >= p.H) continue;
            for (int kj = 0; kj < p.kw; kj++) {
                i64 ix = x0 + (i64)kj * p.dw;
                if (ix < 0 || ix >= p.W) continue;
                i64 at = iy * p.W + ix;
                double v = (double)xp[at];
                if (bestAt < 0) bestAt = at;
                if (v > best || v != v) {
                    best = v;
                    bestAt = at;
                }
            }
        }
        out[i] = (T)best;
        idx[i] = (T)(double)bestAt;
    }
}

// One block per input plane (grid-stride over planes): zero the plane, then add each output gradient at its index.
// Overlapping windows may hit one position from several threads: atomicAdd.
template <typename T>
__device__ void max_pool2d_backward_k(const T* go, const T* idx, T* gi, i64 planes, i64 hw, i64 l) {
    for (i64 p = blockIdx.x; p < planes; p += gridDim.x) {
        T* plane = gi + p * hw;
        for (i64 i = threadIdx.x; i < hw; i += blockDim.x) plane[i] = (T)0;
        __syncthreads();
        for (i64 k = threadIdx.x; k < l; k += blockDim.x) atomicAdd(&plane[(i64)idx[p * l + k]], go[p * l + k]);
        __syncthreads();
    }
}

#define FUSED_ENTRIES(T, N)                                                                                    \
    extern "C" __global__ void __launch_bounds__(FUSED_THREADS)                                                \
        softmax_##N(const T* x, T* out, i64 rows, i64 n, int log_) { softmax_k<T>(x, out, rows, n, log_); }   \
    extern "C" __global__ void __launch_bounds__(FUSED_THREADS)                                                \
        softmax_backward_##N(const T* y, const T* g, T* gi, i64 rows, i64 n, int log_) {                       \
        softmax_backward_k<T>(y, g, gi, rows, n, log_);                                                        \
    }                                                                                                          \
    extern "C" __global__ void __launch_bounds__(FUSED_THREADS)                                                \
        batch_norm_##N(const T* x, const T* w, const T* b, T* mean, T* var, T* out, i64 N_, i64 C, i64 S,      \
                       double eps, int batchStats) {                                                           \
        batch_norm_k<T>(x, w, b, mean, var, out, N_, C, S, eps, batchStats);                                   \
    }                                                                                                          \
    extern "C" __global__ void __launch_bounds__(FUSED_THREADS)                                                \
        batch_norm_backward_##N(const T* x, const T* g, const T* w, const T* mean, const T* var, T* gi, T* gw, \
                                T* gb, i64 N_, i64 C, i64 S, double eps, int batchStats) {                     \
        batch_norm_backward_k<T>(x, g, w, mean, var, gi, gw, gb, N_, C, S, eps, batchStats);                   \
    }                                                                                                          \
    extern "C" __global__ void max_pool2d_##N(PoolG p, const T* x, T* out, T* idx) {                           \
        max_pool2d_k<T>(p, x, out, idx);                                                                       \
    }                                                                                                          \
    extern "C" __global__ void max_pool2d_backward_##N(const T* go, const T* idx, T* gi, i64 planes, i64 hw,   \
                                                       i64 l) {                                                \
        max_pool2d_backward_k<T>(go, idx, gi, planes, hw, l);                                                  \
    }

FUSED_ENTRIES(float, f32)
FUSED_ENTRIES(double, f64)
