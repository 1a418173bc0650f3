// The cuDNN 9 legacy calls of dev.nabla.backend.cuda (Cudnn*), emulated on the CPU for the CUDA emulator (see
// fake_cuda.cpp): NCHW float/double tensors, 2-D cross-correlation with groups forward / backward-data /
// backward-filter / backward-bias, add and scale tensor, softmax (instance mode) and spatial batch norm, written
// plainly from cuDNN's documented semantics. Every call checks its descriptors' shapes against each other, that each
// operand and workspace lies inside a live device allocation, and that the workspace is as large as the chosen
// algorithm needs (CUDNN_STATUS_BAD_PARAM otherwise). The algorithm reports list a fast non-deterministic algorithm
// that needs a workspace, a deterministic one that needs none and one that is not supported, so that the caller's
// choice is exercised. Built as libcudnn.so.9 by scripts/gpu/emu-test.sh when EMU_CUDNN=1.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "emu_common.h"

namespace {
constexpr int OK = 0, NOT_INITIALIZED = 1001, BAD_PARAM = 2000, NOT_SUPPORTED = 3000;
constexpr int FLOAT = 0, DOUBLE = 1;
constexpr size_t WORKSPACE = 1024;  // what algorithm 1 of every pass asks for

struct Tensor { int dtype = -1, n = 0, c = 0, h = 0, w = 0; };
struct Filter { int dtype = -1, k = 0, c = 0, h = 0, w = 0; };
struct Conv { int ph = 0, pw = 0, sh = 1, sw = 1, dh = 1, dw = 1, mode = 1, dtype = -1, groups = 1, math = 0; };

size_t elements(const Tensor* t) { return size_t(t->n) * t->c * t->h * t->w; }
size_t elements(const Filter* f) { return size_t(f->k) * f->c * f->h * f->w; }
size_t bytes(int dtype) { return dtype == DOUBLE ? 8 : 4; }

bool valid(const Tensor* t) { return t && (t->dtype == FLOAT || t->dtype == DOUBLE) && t->n > 0 && t->c > 0; }

/** The host view of a device operand of {@code count} elements, or null when it is not inside an allocation. */
void* operand(const void* p, size_t count, int dtype, const char* what) {
    uint64_t d = reinterpret_cast<uint64_t>(p);
    if (!emu::is_device(d) || !emu::inside(d, count * bytes(dtype), what)) return nullptr;
    return emu::to_host(d);
}

double scalar(const void* p, int dtype) {
    return dtype == DOUBLE ? *static_cast<const double*>(p) : *static_cast<const float*>(p);
}

/** Reads and writes elements of either dtype as double. */
struct View {
    void* p;
    int dtype;
    double get(size_t i) const { return dtype == DOUBLE ? static_cast<double*>(p)[i] : static_cast<float*>(p)[i]; }
    void set(size_t i, double v) const {
        if (dtype == DOUBLE) static_cast<double*>(p)[i] = v;
        else static_cast<float*>(p)[i] = float(v);
    }
    /** out = alpha * v + beta * out, not reading out when beta is 0 (as cuDNN). */
    void blend(size_t i, double v, double alpha, double beta) const {
        set(i, beta == 0 ? alpha * v : alpha * v + beta * get(i));
    }
};

/** x [n, c, h, w], filter [k, c/groups, r, s] and y must form the convolution. */
bool consistent(const Tensor* x, const Filter* f, const Conv* cv, const Tensor* y) {
    if (!valid(x) || !valid(y) || !f || !cv || x->dtype != f->dtype || x->dtype != y->dtype) return false;
    if (cv->mode != 1 || x->c % cv->groups != 0 || f->k % cv->groups != 0 || f->c * cv->groups != x->c) return false;
    int oh = (x->h + 2 * cv->ph - cv->dh * (f->h - 1) - 1) / cv->sh + 1;
    int ow = (x->w + 2 * cv->pw - cv->dw * (f->w - 1) - 1) / cv->sw + 1;
    return y->n == x->n && y->c == f->k && y->h == oh && y->w == ow;
}

/** Calls visit(yIndex, xIndex, wIndex) for every product of the convolution. */
template <typename Visit>
void each_product(const Tensor* x, const Filter* f, const Conv* cv, const Tensor* y, Visit visit) {
    int cg = f->c, kg = f->k / cv->groups;
    for (int n = 0; n < y->n; n++)
        for (int k = 0; k < y->c; k++)
            for (int oy = 0; oy < y->h; oy++)
                for (int ox = 0; ox < y->w; ox++) {
                    size_t yi = ((size_t(n) * y->c + k) * y->h + oy) * y->w + ox;
                    int g = k / kg;
                    for (int c = 0; c < cg; c++)
                        for (int r = 0; r < f->h; r++)
                            for (int s = 0; s < f->w; s++) {
                                int iy = oy * cv->sh - cv->ph + r * cv->dh, ix = ox * cv->sw - cv->pw + s * cv->dw;
                                if (iy < 0 || iy >= x->h || ix < 0 || ix >= x->w) continue;
                                size_t xi = ((size_t(n) * x->c + g * cg + c) * x->h + iy) * x->w + ix;
                                size_t wi = ((size_t(k) * cg + c) * f->h + r) * f->w + s;
                                visit(yi, xi, wi);
                            }
                }
}

/** Checks the workspace the chosen algorithm needs. */
bool workspace_ok(int algo, const void* ws, size_t size) {
    size_t need = algo == 1 ? WORKSPACE : 0;
    if (size < need) return false;
    return need == 0 || (emu::is_device(reinterpret_cast<uint64_t>(ws))
                         && emu::inside(reinterpret_cast<uint64_t>(ws), need, "cudnn workspace"));
}

/** The same three report rows for every pass (struct cudnnConvolution*AlgoPerf_t, 48 bytes each). */
struct Perf { int algo, status; float time; int pad; size_t memory; int determinism, math, reserved[3]; };
static_assert(sizeof(Perf) == 48, "cudnnConvolution*AlgoPerf_t layout");

int report(int requested, int* returned, void* out, int math) {
    Perf rows[3] = {{1, OK, 0.5f, 0, WORKSPACE, 0, math, {}}, {0, OK, 0.9f, 0, 0, 1, math, {}},
                    {5, NOT_SUPPORTED, -1, 0, 0, 1, math, {}}};
    int n = requested < 3 ? requested : 3;
    std::memcpy(out, rows, sizeof(Perf) * n);
    *returned = n;
    return OK;
}

/** Softmax rows of one n: cuDNN's instance mode normalises over c * h * w. */
size_t row_length(const Tensor* t) { return size_t(t->c) * t->h * t->w; }

bool same(const Tensor* a, const Tensor* b) {
    return valid(a) && valid(b) && a->dtype == b->dtype && a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w;
}

/** The per-channel descriptor of spatial batch norm: [1, C, 1, 1]. */
bool per_channel(const Tensor* x, const Tensor* p) {
    return valid(p) && p->dtype == x->dtype && p->n == 1 && p->c == x->c && p->h == 1 && p->w == 1;
}
}  // namespace

extern "C" {
size_t cudnnGetVersion() { return 91300; }
const char* cudnnGetErrorString(int s) {
    switch (s) {
        case OK: return "CUDNN_STATUS_SUCCESS";
        case NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
        case BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM (emulator: shapes, pointers or workspace do not fit)";
        case NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
        default: return "CUDNN_STATUS_UNKNOWN";
    }
}
int cudnnCreate(void** h) { *h = new int(1); return OK; }
int cudnnDestroy(void* h) { delete static_cast<int*>(h); return OK; }
int cudnnSetStream(void* h, void* stream) { return h && stream ? OK : BAD_PARAM; }

int cudnnCreateTensorDescriptor(void** d) { *d = new Tensor(); return OK; }
int cudnnDestroyTensorDescriptor(void* d) { delete static_cast<Tensor*>(d); return OK; }
int cudnnSetTensor4dDescriptor(void* d, int format, int dtype, int n, int c, int h, int w) {
    if (format != 0 || (dtype != FLOAT && dtype != DOUBLE) || n < 1 || c < 1 || h < 1 || w < 1) return BAD_PARAM;
    *static_cast<Tensor*>(d) = Tensor{dtype, n, c, h, w};
    return OK;
}
int cudnnCreateFilterDescriptor(void** d) { *d = new Filter(); return OK; }
int cudnnDestroyFilterDescriptor(void* d) { delete static_cast<Filter*>(d); return OK; }
int cudnnSetFilter4dDescriptor(void* d, int dtype, int format, int k, int c, int h, int w) {
    if (format != 0 || (dtype != FLOAT && dtype != DOUBLE) || k < 1 || c < 1 || h < 1 || w < 1) return BAD_PARAM;
    *static_cast<Filter*>(d) = Filter{dtype, k, c, h, w};
    return OK;
}
int cudnnCreateConvolutionDescriptor(void** d) { *d = new Conv(); return OK; }
int cudnnDestroyConvolutionDescriptor(void* d) { delete static_cast<Conv*>(d); return OK; }
int cudnnSetConvolution2dDescriptor(void* d, int ph, int pw, int u, int v, int dh, int dw, int mode, int dtype) {
    if (ph < 0 || pw < 0 || u < 1 || v < 1 || dh < 1 || dw < 1 || (mode != 0 && mode != 1)) return BAD_PARAM;
    Conv* c = static_cast<Conv*>(d);
    *c = Conv{ph, pw, u, v, dh, dw, mode, dtype, c->groups, c->math};
    return OK;
}
int cudnnSetConvolutionGroupCount(void* d, int groups) {
    if (groups < 1) return BAD_PARAM;
    static_cast<Conv*>(d)->groups = groups;
    return OK;
}
int cudnnSetConvolutionMathType(void* d, int math) {
    if (math != 0 && math != 1 && math != 2 && math != 3) return BAD_PARAM;
    static_cast<Conv*>(d)->math = math;
    return OK;
}

// ---------------------------------------------------------------- algorithm reports and workspace sizes

int cudnnGetConvolutionForwardAlgorithmMaxCount(void*, int* n) { *n = 8; return OK; }
int cudnnGetConvolutionBackwardDataAlgorithmMaxCount(void*, int* n) { *n = 6; return OK; }
int cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(void*, int* n) { *n = 7; return OK; }

int cudnnGetConvolutionForwardAlgorithm_v7(void*, Tensor* x, Filter* f, Conv* cv, Tensor* y, int req, int* ret,
                                           void* perf) {
    return consistent(x, f, cv, y) ? report(req, ret, perf, cv->math) : BAD_PARAM;
}
int cudnnFindConvolutionForwardAlgorithm(void* h, Tensor* x, Filter* f, Conv* cv, Tensor* y, int req, int* ret,
                                         void* perf) {
    return cudnnGetConvolutionForwardAlgorithm_v7(h, x, f, cv, y, req, ret, perf);
}
int cudnnGetConvolutionBackwardDataAlgorithm_v7(void*, Filter* f, Tensor* dy, Conv* cv, Tensor* dx, int req, int* ret,
                                                void* perf) {
    return consistent(dx, f, cv, dy) ? report(req, ret, perf, cv->math) : BAD_PARAM;
}
int cudnnFindConvolutionBackwardDataAlgorithm(void* h, Filter* f, Tensor* dy, Conv* cv, Tensor* dx, int req, int* ret,
                                              void* perf) {
    return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, f, dy, cv, dx, req, ret, perf);
}
int cudnnGetConvolutionBackwardFilterAlgorithm_v7(void*, Tensor* x, Tensor* dy, Conv* cv, Filter* dw, int req,
                                                  int* ret, void* perf) {
    return consistent(x, dw, cv, dy) ? report(req, ret, perf, cv->math) : BAD_PARAM;
}
int cudnnFindConvolutionBackwardFilterAlgorithm(void* h, Tensor* x, Tensor* dy, Conv* cv, Filter* dw, int req,
                                                int* ret, void* perf) {
    return cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, x, dy, cv, dw, req, ret, perf);
}
int cudnnGetConvolutionForwardWorkspaceSize(void*, Tensor* x, Filter* f, Conv* cv, Tensor* y, int algo, size_t* s) {
    if (!consistent(x, f, cv, y) || (algo != 0 && algo != 1)) return BAD_PARAM;
    *s = algo == 1 ? WORKSPACE : 0;
    return OK;
}
int cudnnGetConvolutionBackwardDataWorkspaceSize(void*, Filter* f, Tensor* dy, Conv* cv, Tensor* dx, int algo,
                                                 size_t* s) {
    if (!consistent(dx, f, cv, dy) || (algo != 0 && algo != 1)) return BAD_PARAM;
    *s = algo == 1 ? WORKSPACE : 0;
    return OK;
}
int cudnnGetConvolutionBackwardFilterWorkspaceSize(void*, Tensor* x, Tensor* dy, Conv* cv, Filter* dw, int algo,
                                                   size_t* s) {
    if (!consistent(x, dw, cv, dy) || (algo != 0 && algo != 1)) return BAD_PARAM;
    *s = algo == 1 ? WORKSPACE : 0;
    return OK;
}

// ---------------------------------------------------------------- convolution passes

int cudnnConvolutionForward(void* h, const void* alpha, Tensor* xd, const void* x, Filter* wd, const void* w, Conv* cv,
                            int algo, void* ws, size_t wsSize, const void* beta, Tensor* yd, void* y) {
    if (!h) return NOT_INITIALIZED;
    if (!consistent(xd, wd, cv, yd) || !workspace_ok(algo, ws, wsSize)) return BAD_PARAM;
    int t = xd->dtype;
    void* xp = operand(x, elements(xd), t, "conv x");
    void* wp = operand(w, elements(wd), t, "conv w");
    void* yp = operand(y, elements(yd), t, "conv y");
    if (!xp || !wp || !yp) return BAD_PARAM;
    View X{xp, t}, W{wp, t}, Y{yp, t};
    std::vector<double> acc(elements(yd), 0.0);
    each_product(xd, wd, cv, yd, [&](size_t yi, size_t xi, size_t wi) { acc[yi] += X.get(xi) * W.get(wi); });
    double a = scalar(alpha, t), b = scalar(beta, t);
    for (size_t i = 0; i < acc.size(); i++) Y.blend(i, acc[i], a, b);
    return OK;
}

int cudnnConvolutionBackwardData(void* h, const void* alpha, Filter* wd, const void* w, Tensor* dyd, const void* dy,
                                 Conv* cv, int algo, void* ws, size_t wsSize, const void* beta, Tensor* dxd, void* dx) {
    if (!h) return NOT_INITIALIZED;
    if (!consistent(dxd, wd, cv, dyd) || !workspace_ok(algo, ws, wsSize)) return BAD_PARAM;
    int t = dxd->dtype;
    void* wp = operand(w, elements(wd), t, "conv w");
    void* dyp = operand(dy, elements(dyd), t, "conv dy");
    void* dxp = operand(dx, elements(dxd), t, "conv dx");
    if (!wp || !dyp || !dxp) return BAD_PARAM;
    View W{wp, t}, DY{dyp, t}, DX{dxp, t};
    std::vector<double> acc(elements(dxd), 0.0);
    each_product(dxd, wd, cv, dyd, [&](size_t yi, size_t xi, size_t wi) { acc[xi] += DY.get(yi) * W.get(wi); });
    double a = scalar(alpha, t), b = scalar(beta, t);
    for (size_t i = 0; i < acc.size(); i++) DX.blend(i, acc[i], a, b);
    return OK;
}

int cudnnConvolutionBackwardFilter(void* h, const void* alpha, Tensor* xd, const void* x, Tensor* dyd, const void* dy,
                                   Conv* cv, int algo, void* ws, size_t wsSize, const void* beta, Filter* dwd,
                                   void* dw) {
    if (!h) return NOT_INITIALIZED;
    if (!consistent(xd, dwd, cv, dyd) || !workspace_ok(algo, ws, wsSize)) return BAD_PARAM;
    int t = xd->dtype;
    void* xp = operand(x, elements(xd), t, "conv x");
    void* dyp = operand(dy, elements(dyd), t, "conv dy");
    void* dwp = operand(dw, elements(dwd), t, "conv dw");
    if (!xp || !dyp || !dwp) return BAD_PARAM;
    View X{xp, t}, DY{dyp, t}, DW{dwp, t};
    std::vector<double> acc(elements(dwd), 0.0);
    each_product(xd, dwd, cv, dyd, [&](size_t yi, size_t xi, size_t wi) { acc[wi] += DY.get(yi) * X.get(xi); });
    double a = scalar(alpha, t), b = scalar(beta, t);
    for (size_t i = 0; i < acc.size(); i++) DW.blend(i, acc[i], a, b);
    return OK;
}

int cudnnConvolutionBackwardBias(void* h, const void* alpha, Tensor* dyd, const void* dy, const void* beta,
                                 Tensor* dbd, void* db) {
    if (!h) return NOT_INITIALIZED;
    if (!valid(dyd) || !per_channel(dyd, dbd)) return BAD_PARAM;
    int t = dyd->dtype;
    void* dyp = operand(dy, elements(dyd), t, "bias dy");
    void* dbp = operand(db, dbd->c, t, "bias db");
    if (!dyp || !dbp) return BAD_PARAM;
    View DY{dyp, t}, DB{dbp, t};
    size_t plane = size_t(dyd->h) * dyd->w;
    std::vector<double> acc(dyd->c, 0.0);
    for (size_t i = 0; i < elements(dyd); i++) acc[(i / plane) % dyd->c] += DY.get(i);
    for (int c = 0; c < dyd->c; c++) DB.blend(c, acc[c], scalar(alpha, t), scalar(beta, t));
    return OK;
}

// ---------------------------------------------------------------- tensor ops

int cudnnAddTensor(void* h, const void* alpha, Tensor* ad, const void* a, const void* beta, Tensor* cd, void* c) {
    if (!h) return NOT_INITIALIZED;
    if (!valid(ad) || !valid(cd) || ad->dtype != cd->dtype) return BAD_PARAM;
    // A broadcasts over C: each of its sizes equals C's or is 1
    int as[4] = {ad->n, ad->c, ad->h, ad->w}, cs[4] = {cd->n, cd->c, cd->h, cd->w};
    for (int i = 0; i < 4; i++)
        if (as[i] != cs[i] && as[i] != 1) return BAD_PARAM;
    int t = cd->dtype;
    void* ap = operand(a, elements(ad), t, "add A");
    void* cp = operand(c, elements(cd), t, "add C");
    if (!ap || !cp) return BAD_PARAM;
    View A{ap, t}, C{cp, t};
    for (int n = 0; n < cd->n; n++)
        for (int ch = 0; ch < cd->c; ch++)
            for (int y = 0; y < cd->h; y++)
                for (int x = 0; x < cd->w; x++) {
                    size_t ci = ((size_t(n) * cd->c + ch) * cd->h + y) * cd->w + x;
                    size_t ai = ((size_t(as[0] == 1 ? 0 : n) * ad->c + (as[1] == 1 ? 0 : ch)) * ad->h
                                 + (as[2] == 1 ? 0 : y)) * ad->w + (as[3] == 1 ? 0 : x);
                    C.blend(ci, A.get(ai), scalar(alpha, t), scalar(beta, t));
                }
    return OK;
}

int cudnnScaleTensor(void* h, Tensor* yd, void* y, const void* alpha) {
    if (!h) return NOT_INITIALIZED;
    if (!valid(yd)) return BAD_PARAM;
    void* yp = operand(y, elements(yd), yd->dtype, "scale y");
    if (!yp) return BAD_PARAM;
    View Y{yp, yd->dtype};
    for (size_t i = 0; i < elements(yd); i++) Y.set(i, Y.get(i) * scalar(alpha, yd->dtype));
    return OK;
}

// ---------------------------------------------------------------- softmax (instance mode)

int cudnnSoftmaxForward(void* h, int algo, int mode, const void* alpha, Tensor* xd, const void* x, const void* beta,
                        Tensor* yd, void* y) {
    if (!h) return NOT_INITIALIZED;
    if (mode != 0 || algo < 0 || algo > 2 || !same(xd, yd)) return BAD_PARAM;
    int t = xd->dtype;
    void* xp = operand(x, elements(xd), t, "softmax x");
    void* yp = operand(y, elements(yd), t, "softmax y");
    if (!xp || !yp) return BAD_PARAM;
    View X{xp, t}, Y{yp, t};
    size_t len = row_length(xd);
    std::vector<double> out(len);
    for (int n = 0; n < xd->n; n++) {
        size_t o = n * len;
        double mx = -INFINITY, sum = 0;
        for (size_t i = 0; i < len; i++) mx = std::fmax(mx, X.get(o + i));
        for (size_t i = 0; i < len; i++) sum += std::exp(X.get(o + i) - mx);
        for (size_t i = 0; i < len; i++)
            out[i] = algo == 2 ? X.get(o + i) - mx - std::log(sum) : std::exp(X.get(o + i) - mx) / sum;
        for (size_t i = 0; i < len; i++) Y.blend(o + i, out[i], scalar(alpha, t), scalar(beta, t));
    }
    return OK;
}

int cudnnSoftmaxBackward(void* h, int algo, int mode, const void* alpha, Tensor* yd, const void* y, Tensor* dyd,
                         const void* dy, const void* beta, Tensor* dxd, void* dx) {
    if (!h) return NOT_INITIALIZED;
    if (mode != 0 || algo < 0 || algo > 2 || !same(yd, dyd) || !same(yd, dxd)) return BAD_PARAM;
    int t = yd->dtype;
    void* yp = operand(y, elements(yd), t, "softmax y");
    void* dyp = operand(dy, elements(dyd), t, "softmax dy");
    void* dxp = operand(dx, elements(dxd), t, "softmax dx");
    if (!yp || !dyp || !dxp) return BAD_PARAM;
    View Y{yp, t}, DY{dyp, t}, DX{dxp, t};
    size_t len = row_length(yd);
    for (int n = 0; n < yd->n; n++) {
        size_t o = n * len;
        double s = 0;
        for (size_t i = 0; i < len; i++) s += algo == 2 ? DY.get(o + i) : DY.get(o + i) * Y.get(o + i);
        for (size_t i = 0; i < len; i++) {
            double g = algo == 2 ? DY.get(o + i) - std::exp(Y.get(o + i)) * s : Y.get(o + i) * (DY.get(o + i) - s);
            DX.blend(o + i, g, scalar(alpha, t), scalar(beta, t));
        }
    }
    return OK;
}

// ---------------------------------------------------------------- batch norm (spatial)

namespace {
struct Stats { std::vector<double> mean, var; };

Stats statistics(const Tensor* xd, const View& X) {
    size_t plane = size_t(xd->h) * xd->w, m = plane * xd->n;
    Stats s{std::vector<double>(xd->c, 0.0), std::vector<double>(xd->c, 0.0)};
    for (int c = 0; c < xd->c; c++) {
        for (int n = 0; n < xd->n; n++)
            for (size_t i = 0; i < plane; i++) s.mean[c] += X.get((size_t(n) * xd->c + c) * plane + i);
        s.mean[c] /= m;
        for (int n = 0; n < xd->n; n++)
            for (size_t i = 0; i < plane; i++) {
                double d = X.get((size_t(n) * xd->c + c) * plane + i) - s.mean[c];
                s.var[c] += d * d;
            }
        s.var[c] /= m;  // biased
    }
    return s;
}

bool bn_args(int mode, const Tensor* xd, const Tensor* yd, const Tensor* pd, double eps) {
    return mode == 1 && same(xd, yd) && per_channel(xd, pd) && eps >= 0;
}
}  // namespace

int cudnnBatchNormalizationForwardTraining(void* h, int mode, const void* alpha, const void* beta, Tensor* xd,
                                           const void* x, Tensor* yd, void* y, Tensor* pd, const void* scale,
                                           const void* bias, double factor, void* runMean, void* runVar, double eps,
                                           void* saveMean, void* saveInvVar) {
    if (!h) return NOT_INITIALIZED;
    if (!bn_args(mode, xd, yd, pd, eps) || (runMean == nullptr) != (runVar == nullptr)) return BAD_PARAM;
    int t = xd->dtype, C = xd->c;
    size_t plane = size_t(xd->h) * xd->w, m = plane * xd->n;
    void* xp = operand(x, elements(xd), t, "bn x");
    void* yp = operand(y, elements(yd), t, "bn y");
    void* sp = operand(scale, C, t, "bn scale");
    void* bp = operand(bias, C, t, "bn bias");
    if (!xp || !yp || !sp || !bp) return BAD_PARAM;
    View X{xp, t}, Y{yp, t}, S{sp, t}, B{bp, t};
    Stats st = statistics(xd, X);
    for (int c = 0; c < C; c++) {
        double inv = 1 / std::sqrt(st.var[c] + eps);
        for (int n = 0; n < xd->n; n++)
            for (size_t i = 0; i < plane; i++) {
                size_t k = (size_t(n) * C + c) * plane + i;
                Y.blend(k, (X.get(k) - st.mean[c]) * inv * S.get(c) + B.get(c), scalar(alpha, t), scalar(beta, t));
            }
    }
    if (runMean) {
        void* rm = operand(runMean, C, t, "bn running mean");
        void* rv = operand(runVar, C, t, "bn running var");
        if (!rm || !rv || m < 2) return BAD_PARAM;
        View RM{rm, t}, RV{rv, t};
        for (int c = 0; c < C; c++) {
            RM.set(c, (1 - factor) * RM.get(c) + factor * st.mean[c]);
            RV.set(c, (1 - factor) * RV.get(c) + factor * st.var[c] * m / (m - 1));  // unbiased, as cuDNN
        }
    }
    if (saveMean || saveInvVar) {
        void* sm = operand(saveMean, C, t, "bn saved mean");
        void* si = operand(saveInvVar, C, t, "bn saved inverse variance");
        if (!sm || !si) return BAD_PARAM;
        for (int c = 0; c < C; c++) {
            View{sm, t}.set(c, st.mean[c]);
            View{si, t}.set(c, 1 / std::sqrt(st.var[c] + eps));
        }
    }
    return OK;
}

int cudnnBatchNormalizationForwardInference(void* h, int mode, const void* alpha, const void* beta, Tensor* xd,
                                            const void* x, Tensor* yd, void* y, Tensor* pd, const void* scale,
                                            const void* bias, const void* mean, const void* var, double eps) {
    if (!h) return NOT_INITIALIZED;
    if (!bn_args(mode, xd, yd, pd, eps)) return BAD_PARAM;
    int t = xd->dtype, C = xd->c;
    size_t plane = size_t(xd->h) * xd->w;
    void* xp = operand(x, elements(xd), t, "bn x");
    void* yp = operand(y, elements(yd), t, "bn y");
    void* sp = operand(scale, C, t, "bn scale");
    void* bp = operand(bias, C, t, "bn bias");
    void* mp = operand(mean, C, t, "bn mean");
    void* vp = operand(var, C, t, "bn var");
    if (!xp || !yp || !sp || !bp || !mp || !vp) return BAD_PARAM;
    View X{xp, t}, Y{yp, t}, S{sp, t}, B{bp, t}, M{mp, t}, V{vp, t};
    for (int c = 0; c < C; c++) {
        double inv = 1 / std::sqrt(V.get(c) + eps);
        for (int n = 0; n < xd->n; n++)
            for (size_t i = 0; i < plane; i++) {
                size_t k = (size_t(n) * C + c) * plane + i;
                Y.blend(k, (X.get(k) - M.get(c)) * inv * S.get(c) + B.get(c), scalar(alpha, t), scalar(beta, t));
            }
    }
    return OK;
}

int cudnnBatchNormalizationBackward(void* h, int mode, const void* alphaData, const void* betaData,
                                    const void* alphaParam, const void* betaParam, Tensor* xd, const void* x,
                                    Tensor* dyd, const void* dy, Tensor* dxd, void* dx, Tensor* pd, const void* scale,
                                    void* dScale, void* dBias, double eps, const void* savedMean,
                                    const void* savedInvVar) {
    if (!h) return NOT_INITIALIZED;
    if (!bn_args(mode, xd, dyd, pd, eps) || !same(xd, dxd) || (savedMean == nullptr) != (savedInvVar == nullptr)) {
        return BAD_PARAM;
    }
    int t = xd->dtype, C = xd->c;
    size_t plane = size_t(xd->h) * xd->w, m = plane * xd->n;
    void* xp = operand(x, elements(xd), t, "bn x");
    void* dyp = operand(dy, elements(dyd), t, "bn dy");
    void* dxp = operand(dx, elements(dxd), t, "bn dx");
    void* sp = operand(scale, C, t, "bn scale");
    void* dsp = operand(dScale, C, t, "bn dscale");
    void* dbp = operand(dBias, C, t, "bn dbias");
    if (!xp || !dyp || !dxp || !sp || !dsp || !dbp) return BAD_PARAM;
    View X{xp, t}, DY{dyp, t}, DX{dxp, t}, S{sp, t}, DS{dsp, t}, DB{dbp, t};
    Stats st = statistics(xd, X);
    for (int c = 0; c < C; c++) {
        double inv = 1 / std::sqrt(st.var[c] + eps), sg = 0, sgx = 0;
        for (int n = 0; n < xd->n; n++)
            for (size_t i = 0; i < plane; i++) {
                size_t k = (size_t(n) * C + c) * plane + i;
                sg += DY.get(k);
                sgx += DY.get(k) * (X.get(k) - st.mean[c]) * inv;
            }
        for (int n = 0; n < xd->n; n++)
            for (size_t i = 0; i < plane; i++) {
                size_t k = (size_t(n) * C + c) * plane + i;
                double xhat = (X.get(k) - st.mean[c]) * inv;
                double g = S.get(c) * inv * (DY.get(k) - sg / m - xhat * sgx / m);
                DX.blend(k, g, scalar(alphaData, t), scalar(betaData, t));
            }
        DS.blend(c, sgx, scalar(alphaParam, t), scalar(betaParam, t));
        DB.blend(c, sg, scalar(alphaParam, t), scalar(betaParam, t));
    }
    return OK;
}
}  // extern "C"
