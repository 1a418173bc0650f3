// Nabla's own CUDA kernels: the element-wise, reduction, indexing, im2col and optimizer kernels behind
// dev.nabla.backend.cuda.CudaBackend, and the fused softmax / batch-norm / max-pooling kernels of nabla_fused.cuh. `make ptx` (scripts/gpu/Makefile.gpu) compiles this file with nvcc to PTX,
// committed as src/main/resources/dev/nabla/cuda/nabla_kernels.ptx and JIT-compiled by the driver at run time.
//
// Conventions (mirrored by dev.nabla.backend.cuda.Layouts, which builds the argument structs byte by byte):
//  - every kernel is extern "C" and named <what>_<dtype> with dtype f32 / f64 (two letters per dtype for
//    kernels over two dtypes: copy_f32_f64 reads float and writes double);
//  - offsets and strides count elements; a stride of 0 broadcasts;
//  - values are computed in double and rounded once when stored, like the pure-Java reference kernels
//    (dev.nabla.backend.java.ReferenceKernels / ScalarMath); compile with -fmad=false so that no a*b+c is
//    contracted into an FMA that the reference does not do;
//  - loops are grid-stride loops, so any grid size is correct;
//  - op codes are the NABLA_<FAMILY>_<NAME> names of nabla_ops.h, generated from the Java enums by `make ptx`
//    (the host passes op.ordinal()): switch on the names, never on numbers.

#include "nabla_ops.h"

typedef long long i64;

#define MAXR 8

// Up to three operands that share one shape (rank <= MAXR after the host collapsed mergeable dimensions).
// Layout (296 bytes): shape[8], st[3][8], off[3], n, rank, pad.
struct Geom {
    i64 shape[MAXR];
    i64 st[3][MAXR];
    i64 off[3];
    i64 n;
    int rank;
    int pad;
};

// A reduction: `out` positions walk the kept dimensions, each reads `nred` x elements over the reduced ones.
// Layout (360 bytes): oshape[8], ost[8], xst[8], rshape[8], rst[8], ooff, xoff, nout, nred, orank, rrank.
struct RGeom {
    i64 oshape[MAXR];
    i64 ost[MAXR];   // out strides over kept dims
    i64 xst[MAXR];   // x strides over kept dims
    i64 rshape[MAXR];
    i64 rst[MAXR];   // x strides over reduced dims
    i64 ooff;
    i64 xoff;
    i64 nout;
    i64 nred;
    int orank;
    int rrank;
};

// Sliding windows of a 2-D convolution. Layout (152 bytes).
struct ConvG {
    i64 N, C, H, W, OH, OW;
    int kh, kw, sh, sw, ph, pw, dh, dw;
    i64 xoff;
    i64 xs[4];
    i64 coff;
    i64 cs[3];
};

// The host side (dev.nabla.backend.cuda.Layouts) writes these structs byte by byte: keep both in step.
static_assert(sizeof(Geom) == 296 && __builtin_offsetof(Geom, st) == 64 && __builtin_offsetof(Geom, off) == 256 &&
              __builtin_offsetof(Geom, n) == 280 && __builtin_offsetof(Geom, rank) == 288, "Geom layout");
static_assert(sizeof(RGeom) == 360 && __builtin_offsetof(RGeom, ost) == 64 && __builtin_offsetof(RGeom, xst) == 128 &&
              __builtin_offsetof(RGeom, rshape) == 192 && __builtin_offsetof(RGeom, rst) == 256 &&
              __builtin_offsetof(RGeom, ooff) == 320 && __builtin_offsetof(RGeom, nred) == 344 &&
              __builtin_offsetof(RGeom, orank) == 352 && __builtin_offsetof(RGeom, rrank) == 356, "RGeom layout");
static_assert(sizeof(ConvG) == 152 && __builtin_offsetof(ConvG, kh) == 48 && __builtin_offsetof(ConvG, dw) == 76 &&
              __builtin_offsetof(ConvG, xoff) == 80 && __builtin_offsetof(ConvG, xs) == 88 &&
              __builtin_offsetof(ConvG, coff) == 120 && __builtin_offsetof(ConvG, cs) == 128, "ConvG layout");

#define GRID_STRIDE(i, n) \
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64)blockDim.x * gridDim.x)

// Element offsets of row-major position i for the first `NOPS` operands of g. Fully unrolled so that the struct
// (a kernel parameter) is indexed with constants only and stays in the parameter bank.
template <int NOPS>
__device__ __forceinline__ void offsets(const Geom& g, i64 i, i64* o) {
#pragma unroll
    for (int k = 0; k < NOPS; k++) o[k] = g.off[k];
    if (g.rank == 1) {
#pragma unroll
        for (int k = 0; k < NOPS; k++) o[k] += i * g.st[k][0];
        return;
    }
#pragma unroll
    for (int d = MAXR - 1; d >= 0; d--) {
        if (d < g.rank) {
            i64 s = g.shape[d];
            i64 q = i / s;
            i64 r = i - q * s;
            i = q;
#pragma unroll
            for (int k = 0; k < NOPS; k++) o[k] += r * g.st[k][d];
        }
    }
}

// Java's Math.max / Math.min: NaN if either is NaN, and +0 > -0.
__device__ __forceinline__ double jmax(double x, double y) {
    if (x != x) return x;
    if (y != y) return y;
    if (x == 0.0 && y == 0.0) return signbit(x) ? y : x;
    return x > y ? x : y;
}
__device__ __forceinline__ double jmin(double x, double y) {
    if (x != x) return x;
    if (y != y) return y;
    if (x == 0.0 && y == 0.0) return signbit(x) ? x : y;
    return x < y ? x : y;
}
// Java's Math.pow special cases that differ from C's pow: a NaN exponent gives NaN, and (+-1)^(+-inf) is NaN.
__device__ __forceinline__ double jpow(double x, double y) {
    if (y == 0.0) return 1.0;
    if (y != y || x != x) return x + y;
    if (fabs(x) == 1.0 && isinf(y)) return nan("");
    return pow(x, y);
}
__device__ __forceinline__ double sigmoid(double x) {
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

// dev.nabla.backend.UnaryOp, codes from nabla_ops.h.
__device__ double unary_op(int op, double x, double a, double b) {
    switch (op) {
        case NABLA_UNARY_NEG: return -x;
        case NABLA_UNARY_EXP: return exp(x);
        case NABLA_UNARY_LOG: return log(x);
        case NABLA_UNARY_SQRT: return sqrt(x);
        case NABLA_UNARY_RSQRT: return 1.0 / sqrt(x);
        case NABLA_UNARY_ABS: return fabs(x);
        case NABLA_UNARY_SIGN: return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : x;
        case NABLA_UNARY_SQUARE: return x * x;
        case NABLA_UNARY_RECIPROCAL: return 1.0 / x;
        case NABLA_UNARY_POW_SCALAR: return jpow(x, a);
        case NABLA_UNARY_ADD_SCALAR: return x + a;
        case NABLA_UNARY_MUL_SCALAR: return x * a;
        case NABLA_UNARY_RSUB_SCALAR: return a - x;
        case NABLA_UNARY_RDIV_SCALAR: return a / x;
        case NABLA_UNARY_CLAMP: return x != x ? x : jmin(jmax(x, a), b);
        case NABLA_UNARY_RELU: return x > 0 ? x : (x != x ? x : 0.0);
        case NABLA_UNARY_LEAKY_RELU: return x >= 0 ? x : a * x;
        case NABLA_UNARY_ELU: return x > 0 ? x : a * expm1(x);
        case NABLA_UNARY_SIGMOID: return sigmoid(x);
        case NABLA_UNARY_TANH: return tanh(x);
        case NABLA_UNARY_GELU_TANH: {
            const double k = 0.7978845608028654;                   // sqrt(2/pi)
            return 0.5 * x * (1.0 + tanh(k * (x + 0.044715 * x * x * x)));
        }
        case NABLA_UNARY_GELU_TANH_DERIVATIVE: {                 // ((1 - s) x 2u' + 1) s, s = sigmoid(2u)
            if (x > 1e10 || x < -1e10) return x > 0 ? 1.0 : -0.0; // the limits, before x^2 overflows
            const double c = 0.7978845608028654, ck = c * 0.044715;
            const double x2 = x * x;
            const double s = sigmoid(x * (x2 * (2.0 * ck) + 2.0 * c));
            return ((1.0 - s) * x * (x2 * (6.0 * ck) + 2.0 * c) + 1.0) * s;
        }
        case NABLA_UNARY_SOFTPLUS: return jmax(x, 0.0) + log1p(exp(-fabs(x)));
        case NABLA_UNARY_SILU: return x * sigmoid(x);
        case NABLA_UNARY_ERF: return erf(x);
        case NABLA_UNARY_GT_SCALAR: return x > a ? 1.0 : 0.0;
        case NABLA_UNARY_LT_SCALAR: return x < a ? 1.0 : 0.0;
        case NABLA_UNARY_EQ_SCALAR: return x == a ? 1.0 : 0.0;
        case NABLA_UNARY_HARDSWISH: return x * (jmin(jmax(x + 3.0, 0.0), 6.0) / 6.0);
        case NABLA_UNARY_BITWISE_NOT: return (double) ~(long long) x; // integer dtypes only (rejected on CUDA today)
        default: return nan("");
    }
}

// PyTorch's div_floor_floating (dev.nabla.backend.ScalarMath.floorDivide).
__device__ __forceinline__ double floor_divide(double x, double y) {
    if (y == 0) return x / y;
    double mod = fmod(x, y);
    double div = (x - mod) / y;
    if (mod != 0 && (y < 0) != (mod < 0)) div -= 1;
    if (div == 0) return copysign(0.0, x / y);
    double fl = floor(div);
    return div - fl > 0.5 ? fl + 1.0 : fl;
}

// dev.nabla.backend.BinaryOp, codes from nabla_ops.h.
__device__ __forceinline__ double binary_op(int op, double x, double y) {
    switch (op) {
        case NABLA_BINARY_ADD: return x + y;
        case NABLA_BINARY_SUB: return x - y;
        case NABLA_BINARY_MUL: return x * y;
        case NABLA_BINARY_DIV: return x / y;
        case NABLA_BINARY_POW: return jpow(x, y);
        case NABLA_BINARY_MAXIMUM: return jmax(x, y);
        case NABLA_BINARY_MINIMUM: return jmin(x, y);
        case NABLA_BINARY_EQ: return x == y ? 1.0 : 0.0;
        case NABLA_BINARY_GT: return x > y ? 1.0 : 0.0;
        case NABLA_BINARY_GE: return x >= y ? 1.0 : 0.0;
        case NABLA_BINARY_LT: return x < y ? 1.0 : 0.0;
        case NABLA_BINARY_LE: return x <= y ? 1.0 : 0.0;
        case NABLA_BINARY_FLOOR_DIVIDE: return floor_divide(x, y);
        case NABLA_BINARY_TRUNC_DIVIDE: return trunc(x / y);
        case NABLA_BINARY_REMAINDER: { double m = fmod(x, y); return m != 0 && (y < 0) != (m < 0) ? m + y : m; }
        // integer dtypes only (CudaBackend rejects them today: integer tensors are not on CUDA yet)
        case NABLA_BINARY_BITWISE_AND: return (double) ((long long) x & (long long) y);
        case NABLA_BINARY_BITWISE_OR: return (double) ((long long) x | (long long) y);
        case NABLA_BINARY_BITWISE_XOR: return (double) ((long long) x ^ (long long) y);
        case NABLA_BINARY_LEFT_SHIFT: return y < 0 || y >= 64 ? 0.0 : (double) ((long long) x << (long long) y);
        case NABLA_BINARY_RIGHT_SHIFT: return (double) ((long long) x >> (y < 0 || y >= 64 ? 63 : (long long) y));
        default: return nan("");
    }
}

// ------------------------------------------------------------------ element-wise

template <typename T>
__device__ void fill_k(Geom g, T* dst, double value) {
    T v = (T)value;
    GRID_STRIDE(i, g.n) {
        i64 o[1];
        offsets<1>(g, i, o);
        dst[o[0]] = v;
    }
}

template <typename S, typename D>
__device__ void copy_k(Geom g, const S* src, D* dst) {
    GRID_STRIDE(i, g.n) {
        i64 o[2];
        offsets<2>(g, i, o);
        dst[o[1]] = (D)(double)src[o[0]];
    }
}

template <typename T>
__device__ void unary_k(Geom g, const T* x, T* out, int op, double a, double b) {
    GRID_STRIDE(i, g.n) {
        i64 o[2];
        offsets<2>(g, i, o);
        out[o[1]] = (T)unary_op(op, (double)x[o[0]], a, b);
    }
}

template <typename T>
__device__ void binary_k(Geom g, const T* x, const T* y, T* out, int op) {
    GRID_STRIDE(i, g.n) {
        i64 o[3];
        offsets<3>(g, i, o);
        out[o[2]] = (T)binary_op(op, (double)x[o[0]], (double)y[o[1]]);
    }
}

// ------------------------------------------------------------------ reductions

// dev.nabla.backend.ReduceOp, codes from nabla_ops.h: SUM, MEAN, MAX or MIN.
__device__ __forceinline__ double reduce_init(int op) {
    return op == NABLA_REDUCE_MAX ? -INFINITY : op == NABLA_REDUCE_MIN ? INFINITY : 0.0;
}
__device__ __forceinline__ double reduce_combine(int op, double acc, double v) {
    if (op == NABLA_REDUCE_SUM || op == NABLA_REDUCE_MEAN) return acc + v;
    if (acc != acc) return acc;
    if (v != v) return v;
    return op == NABLA_REDUCE_MAX ? (v > acc ? v : acc) : (v < acc ? v : acc);
}

__device__ __forceinline__ void unravel_kept(const RGeom& g, i64 j, i64& xo, i64& oo) {
    xo = g.xoff;
    oo = g.ooff;
#pragma unroll
    for (int d = MAXR - 1; d >= 0; d--) {
        if (d < g.orank) {
            i64 s = g.oshape[d];
            i64 q = j / s;
            i64 r = j - q * s;
            j = q;
            xo += r * g.xst[d];
            oo += r * g.ost[d];
        }
    }
}

__device__ __forceinline__ i64 unravel_reduced(const RGeom& g, i64 r) {
    if (g.rrank == 1) return r * g.rst[0];
    i64 o = 0;
#pragma unroll
    for (int d = MAXR - 1; d >= 0; d--) {
        if (d < g.rrank) {
            i64 s = g.rshape[d];
            i64 q = r / s;
            o += (r - q * s) * g.rst[d];
            r = q;
        }
    }
    return o;
}

// One thread per output element (few reduced elements each).
template <typename T>
__device__ void reduce_thread_k(RGeom g, const T* x, T* out, int op) {
    GRID_STRIDE(j, g.nout) {
        i64 xo, oo;
        unravel_kept(g, j, xo, oo);
        double acc = reduce_init(op);
        for (i64 r = 0; r < g.nred; r++) acc = reduce_combine(op, acc, (double)x[xo + unravel_reduced(g, r)]);
        if (op == NABLA_REDUCE_MEAN) acc = acc / (double)g.nred;
        out[oo] = (T)acc;
    }
}

// One block (of REDUCE_THREADS threads) per output element.
#define REDUCE_THREADS 256
template <typename T>
__device__ void reduce_block_k(RGeom g, const T* x, T* out, int op) {
    __shared__ double part[REDUCE_THREADS];
    for (i64 j = blockIdx.x; j < g.nout; j += gridDim.x) {
        i64 xo, oo;
        unravel_kept(g, j, xo, oo);
        double acc = reduce_init(op);
        for (i64 r = threadIdx.x; r < g.nred; r += blockDim.x) {
            acc = reduce_combine(op, acc, (double)x[xo + unravel_reduced(g, r)]);
        }
        part[threadIdx.x] = acc;
        __syncthreads();
        for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
            if (threadIdx.x < s) part[threadIdx.x] = reduce_combine(op, part[threadIdx.x], part[threadIdx.x + s]);
            __syncthreads();
        }
        if (threadIdx.x == 0) {
            double v = part[0];
            if (op == NABLA_REDUCE_MEAN) v = v / (double)g.nred;
            out[oo] = (T)v;
        }
        __syncthreads();
    }
}

// Index of the first largest (max != 0) or smallest element along one dimension; NaN wins.
// g: operands 0 = x (shape with size 1 at dim), 1 = out.
template <typename T>
__device__ void argreduce_k(Geom g, const T* x, T* out, i64 len, i64 step, int max) {
    GRID_STRIDE(i, g.n) {
        i64 o[2];
        offsets<2>(g, i, o);
        i64 best = 0;
        double bestV = (double)x[o[0]];
        for (i64 j = 1; j < len && bestV == bestV; j++) {
            double v = (double)x[o[0] + j * step];
            if (v != v || (max ? v > bestV : v < bestV)) {
                best = j;
                bestV = v;
            }
        }
        out[o[1]] = (T)(double)best;
    }
}

// ------------------------------------------------------------------ gather / scatter-add

// Records the first bad index in err[0] (flag) and bad[0] (value); the host checks after the kernel.
__device__ __forceinline__ bool check_index(double v, i64 size, i64& idx, int* err, double* bad) {
    i64 i = (i64)v;
    if ((double)i == v && i >= 0 && i < size) {
        idx = i;
        return true;
    }
    if (atomicCAS(err, 0, 1) == 0) *bad = v;
    return false;
}

// Position of dimension `dim` in the row-major multi-index of position i of shape g.shape.
__device__ __forceinline__ i64 coord(const Geom& g, i64 i, int dim) {
    i64 c = 0;
#pragma unroll
    for (int d = MAXR - 1; d >= 0; d--) {
        if (d < g.rank) {
            i64 s = g.shape[d];
            i64 q = i / s;
            if (d == dim) c = i - q * s;
            i = q;
        }
    }
    return c;
}

// g over out's shape: operands 0 = x strides, 1 = index, 2 = out. (Not collapsed: dim must stay a dimension.)
template <typename T, typename I>
__device__ void gather_k(Geom g, const T* x, const I* index, T* out, int dim, i64 xsize, i64 xstride,
                         int* err, double* bad) {
    GRID_STRIDE(i, g.n) {
        i64 o[3];
        offsets<3>(g, i, o);
        i64 idx;
        if (check_index((double)index[o[1]], xsize, idx, err, bad)) {
            i64 along = coord(g, i, dim);
            out[o[2]] = x[o[0] + (idx - along) * xstride];
        }
    }
}

// g over src's shape: operands 0 = out strides, 1 = index, 2 = src.
template <typename T, typename I>
__device__ void scatter_add_k(Geom g, T* out, const I* index, const T* src, int dim, i64 osize, i64 ostride,
                              int* err, double* bad) {
    GRID_STRIDE(i, g.n) {
        i64 o[3];
        offsets<3>(g, i, o);
        i64 idx;
        if (check_index((double)index[o[1]], osize, idx, err, bad)) {
            i64 along = coord(g, i, dim);
            atomicAdd(&out[o[0] + (idx - along) * ostride], src[o[2]]);
        }
    }
}

// ------------------------------------------------------------------ im2col / col2im

// One thread per column entry (n, row, l), row = (c*kh + ki)*kw + kj, l = oy*OW + ox.
template <typename T>
__device__ void im2col_k(ConvG g, const T* x, T* cols, double padValue) {
    i64 L = g.OH * g.OW;
    i64 rows = g.C * g.kh * g.kw;
    i64 total = g.N * rows * L;
    GRID_STRIDE(i, total) {
        i64 l = i % L;
        i64 t = i / L;
        i64 row = t % rows;
        i64 n = t / rows;
        int kj = (int)(row % g.kw);
        int ki = (int)((row / g.kw) % g.kh);
        i64 c = row / ((i64)g.kw * g.kh);
        i64 oy = l / g.OW;
        i64 ox = l - oy * g.OW;
        i64 iy = oy * g.sh - g.ph + (i64)ki * g.dh;
        i64 ix = ox * g.sw - g.pw + (i64)kj * g.dw;
        T v = (iy < 0 || iy >= g.H || ix < 0 || ix >= g.W)
                ? (T)padValue
                : x[g.xoff + n * g.xs[0] + c * g.xs[1] + iy * g.xs[2] + ix * g.xs[3]];
        cols[g.coff + n * g.cs[0] + row * g.cs[1] + l * g.cs[2]] = v;
    }
}

// One thread per input element: adds every column entry that reads it (no atomics, deterministic).
template <typename T>
__device__ void col2im_k(ConvG g, const T* cols, T* x) {
    i64 total = g.N * g.C * g.H * g.W;
    GRID_STRIDE(i, total) {
        i64 ix = i % g.W;
        i64 t = i / g.W;
        i64 iy = t % g.H;
        t /= g.H;
        i64 c = t % g.C;
        i64 n = t / g.C;
        double sum = 0.0;
        for (int ki = 0; ki < g.kh; ki++) {
            i64 ty = iy + g.ph - (i64)ki * g.dh;
            if (ty < 0 || ty % g.sh != 0) continue;
            i64 oy = ty / g.sh;
            if (oy >= g.OH) continue;
            for (int kj = 0; kj < g.kw; kj++) {
                i64 tx = ix + g.pw - (i64)kj * g.dw;
                if (tx < 0 || tx % g.sw != 0) continue;
                i64 ox = tx / g.sw;
                if (ox >= g.OW) continue;
                i64 row = (c * g.kh + ki) * g.kw + kj;
                sum += (double)cols[g.coff + n * g.cs[0] + row * g.cs[1] + (oy * g.OW + ox) * g.cs[2]];
            }
        }
        i64 at = g.xoff + n * g.xs[0] + c * g.xs[1] + iy * g.xs[2] + ix * g.xs[3];
        x[at] = (T)((double)x[at] + sum);
    }
}

// ------------------------------------------------------------------ fused optimizer updates
// Same formulas as dev.nabla.backend.java.FusedUpdates (PyTorch 1.13 single-tensor paths), in double.

template <typename T>
__device__ void sgd_k(T* p, const T* g, T* buf, i64 n, double lr, double momentum, double dampening, double wd,
                      int nesterov, int first) {
    GRID_STRIDE(i, n) {
        double pv = (double)p[i];
        double gv = (double)g[i] + wd * pv;
        if (buf != nullptr) {
            double b = first ? gv : momentum * (double)buf[i] + (1 - dampening) * gv;
            buf[i] = (T)b;
            gv = nesterov ? gv + momentum * b : b;
        }
        p[i] = (T)(pv - lr * gv);
    }
}

template <typename T>
__device__ void adam_k(T* p, const T* g, T* m, T* v, T* vmax, i64 n, double beta1, double beta2, double eps,
                       double wd, int decoupled, double stepSize, double bc2Sqrt, double decay) {
    GRID_STRIDE(i, n) {
        double pv = (double)p[i] * decay;
        double gv = (double)g[i];
        if (!decoupled) gv += wd * pv;
        double mv = beta1 * (double)m[i] + (1 - beta1) * gv;
        double vv = beta2 * (double)v[i] + (1 - beta2) * gv * gv;
        m[i] = (T)mv;
        v[i] = (T)vv;
        double second = vv;
        if (vmax != nullptr) {
            second = jmax((double)vmax[i], vv);
            vmax[i] = (T)second;
        }
        double denom = sqrt(second) / bc2Sqrt + eps;
        p[i] = (T)(pv - stepSize * mv / denom);
    }
}

template <typename T>
__device__ void rmsprop_k(T* p, const T* g, T* sq, T* ga, T* mb, i64 n, double lr, double alpha, double eps,
                          double wd, double momentum) {
    GRID_STRIDE(i, n) {
        double pv = (double)p[i];
        double gv = (double)g[i] + wd * pv;
        double s = alpha * (double)sq[i] + (1 - alpha) * gv * gv;
        sq[i] = (T)s;
        double avg;
        if (ga != nullptr) {
            double a = alpha * (double)ga[i] + (1 - alpha) * gv;
            ga[i] = (T)a;
            avg = sqrt(s - a * a) + eps;
        } else {
            avg = sqrt(s) + eps;
        }
        if (mb != nullptr) {
            double b = momentum * (double)mb[i] + gv / avg;
            mb[i] = (T)b;
            p[i] = (T)(pv - lr * b);
        } else {
            p[i] = (T)(pv - lr * gv / avg);
        }
    }
}

template <typename T>
__device__ void adagrad_k(T* p, const T* g, T* sum, i64 n, double clr, double wd, double eps) {
    GRID_STRIDE(i, n) {
        double pv = (double)p[i];
        double gv = (double)g[i] + wd * pv;
        double s = (double)sum[i] + gv * gv;
        sum[i] = (T)s;
        p[i] = (T)(pv - clr * gv / (sqrt(s) + eps));
    }
}

// ------------------------------------------------------------------ exported entry points

#define FOR_TYPES(X) X(float, f32) X(double, f64)

#define ENTRY_1T(T, N)                                                                                         \
    extern "C" __global__ void fill_##N(Geom g, T* dst, double value) { fill_k<T>(g, dst, value); }          \
    extern "C" __global__ void unary_##N(Geom g, const T* x, T* out, int op, double a, double b) {           \
        unary_k<T>(g, x, out, op, a, b);                                                                       \
    }                                                                                                          \
    extern "C" __global__ void binary_##N(Geom g, const T* x, const T* y, T* out, int op) {                   \
        binary_k<T>(g, x, y, out, op);                                                                         \
    }                                                                                                          \
    extern "C" __global__ void reduce_thread_##N(RGeom g, const T* x, T* out, int op) {                       \
        reduce_thread_k<T>(g, x, out, op);                                                                     \
    }                                                                                                          \
    extern "C" __global__ void __launch_bounds__(REDUCE_THREADS) reduce_block_##N(RGeom g, const T* x, T* out, \
                                                                                  int op) {                    \
        reduce_block_k<T>(g, x, out, op);                                                                      \
    }                                                                                                          \
    extern "C" __global__ void argreduce_##N(Geom g, const T* x, T* out, i64 len, i64 step, int max) {        \
        argreduce_k<T>(g, x, out, len, step, max);                                                             \
    }                                                                                                          \
    extern "C" __global__ void im2col_##N(ConvG g, const T* x, T* cols, double padValue) {                    \
        im2col_k<T>(g, x, cols, padValue);                                                                     \
    }                                                                                                          \
    extern "C" __global__ void col2im_##N(ConvG g, const T* cols, T* x) { col2im_k<T>(g, cols, x); }          \
    extern "C" __global__ void sgd_##N(T* p, const T* g, T* buf, i64 n, double lr, double momentum,           \
                                       double dampening, double wd, int nesterov, int first) {                 \
        sgd_k<T>(p, g, buf, n, lr, momentum, dampening, wd, nesterov, first);                                  \
    }                                                                                                          \
    extern "C" __global__ void adam_##N(T* p, const T* g, T* m, T* v, T* vmax, i64 n, double beta1,           \
                                        double beta2, double eps, double wd, int decoupled, double stepSize,   \
                                        double bc2Sqrt, double decay) {                                        \
        adam_k<T>(p, g, m, v, vmax, n, beta1, beta2, eps, wd, decoupled, stepSize, bc2Sqrt, decay);            \
    }                                                                                                          \
    extern "C" __global__ void rmsprop_##N(T* p, const T* g, T* sq, T* ga, T* mb, i64 n, double lr,           \
                                           double alpha, double eps, double wd, double momentum) {             \
        rmsprop_k<T>(p, g, sq, ga, mb, n, lr, alpha, eps, wd, momentum);                                       \
    }                                                                                                          \
    extern "C" __global__ void adagrad_##N(T* p, const T* g, T* sum, i64 n, double clr, double wd,            \
                                           double eps) {                                                       \
        adagrad_k<T>(p, g, sum, n, clr, wd, eps);                                                              \
    }

FOR_TYPES(ENTRY_1T)

#define ENTRY_2T(S, SN, D, DN)                                                                                 \
    extern "C" __global__ void copy_##SN##_##DN(Geom g, const S* src, D* dst) { copy_k<S, D>(g, src, dst); }  \
    extern "C" __global__ void gather_##SN##_##DN(Geom g, const S* x, const D* index, S* out, int dim,        \
                                                  i64 xsize, i64 xstride, int* err, double* bad) {             \
        gather_k<S, D>(g, x, index, out, dim, xsize, xstride, err, bad);                                       \
    }                                                                                                          \
    extern "C" __global__ void scatter_add_##SN##_##DN(Geom g, S* out, const D* index, const S* src, int dim, \
                                                       i64 osize, i64 ostride, int* err, double* bad) {        \
        scatter_add_k<S, D>(g, out, index, src, dim, osize, ostride, err, bad);                                \
    }

ENTRY_2T(float, f32, float, f32)
ENTRY_2T(float, f32, double, f64)
ENTRY_2T(double, f64, float, f32)
ENTRY_2T(double, f64, double, f64)

#include "nabla_fused.cuh"
