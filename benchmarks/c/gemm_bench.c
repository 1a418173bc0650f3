/*
 * Times cblas_sgemm / cblas_dgemm (row-major, no transposes, C = A B with alpha 1, beta 0) of the OpenBLAS
 * library at the given path, the same way dev.nabla.benchmarks.GemmVsC times Nabla's Tensor.matmul:
 *
 *   for each size n: inner = max(1, ceil(min_flops / (2 n^3))) products make one repetition;
 *   untimed warm-up repetitions until at least `warmup` of them and WARMUP_SECONDS have passed,
 *   then the median wall time of `reps` repetitions.
 *
 * Usage: gemm_bench LIBRARY THREADS s|d REPS WARMUP MIN_FLOPS N...
 * Output: one line per size, key=value pairs, e.g.
 *   result dtype=s n=256 threads=1 reps=21 inner=61 median_s=0.00123 gflops=102.3
 * plus one "library ..." line first. Errors go to stderr with exit status 1 (2 for bad usage).
 *
 * Build: gcc -O2 -o gemm_bench gemm_bench.c -ldl   (needs no OpenBLAS headers: the library is dlopen()ed)
 */
#define _ISOC11_SOURCE
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Least warm-up time per size: a fresh process needs it for page faults, thread start-up and clock ramp-up. */
#define WARMUP_SECONDS 0.5

/* CBLAS enum values (cblas.h). */
enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111 };

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float,
                         float *, int);
typedef void (*dgemm_fn)(int, int, int, int, int, int, double, const double *, int, const double *, int, double,
                         double *, int);
typedef void (*set_threads_fn)(int);
typedef int (*get_threads_fn)(void);
typedef char *(*get_config_fn)(void);

static void *symbol(void *lib, const char *name) {
    void *s = dlsym(lib, name);
    if (s == NULL) {
        fprintf(stderr, "gemm_bench: symbol %s not found: %s\n", name, dlerror());
        exit(1);
    }
    return s;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec * 1e-9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, (size_t) n, sizeof(double), compare);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Uniform values in [-1, 1) from a fixed-seed LCG (the values do not affect the timing). */
static unsigned long long state = 42;
static double next_uniform(void) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double) (state >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s LIBRARY THREADS s|d REPS WARMUP MIN_FLOPS N...\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    int threads = atoi(argv[2]);
    char dtype = argv[3][0];
    int reps = atoi(argv[4]);
    int warmup = atoi(argv[5]);
    double min_flops = atof(argv[6]);
    if (threads < 1 || (dtype != 's' && dtype != 'd') || argv[3][1] != '\0' || reps < 1 || warmup < 0
        || !(min_flops >= 0)) {
        fprintf(stderr, "%s: bad arguments (need THREADS >= 1, s or d, REPS >= 1, WARMUP >= 0, MIN_FLOPS >= 0)\n",
                argv[0]);
        return 2;
    }

    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "gemm_bench: cannot load %s: %s\n", path, dlerror());
        return 1;
    }
    sgemm_fn sgemm = (sgemm_fn) symbol(lib, "cblas_sgemm");
    dgemm_fn dgemm = (dgemm_fn) symbol(lib, "cblas_dgemm");
    set_threads_fn set_threads = (set_threads_fn) symbol(lib, "openblas_set_num_threads");
    get_threads_fn get_threads = (get_threads_fn) symbol(lib, "openblas_get_num_threads");
    get_config_fn get_config = (get_config_fn) symbol(lib, "openblas_get_config");
    set_threads(threads);
    printf("library path=%s threads=%d config=%s\n", path, get_threads(), get_config());

    double *times = malloc(sizeof(double) * (size_t) reps);
    for (int arg = 7; arg < argc; arg++) {
        int n = atoi(argv[arg]);
        if (n < 1) {
            fprintf(stderr, "gemm_bench: bad size '%s'\n", argv[arg]);
            return 2;
        }
        double flops = 2.0 * n * n * n;
        long inner = min_flops > flops ? (long) ceil(min_flops / flops) : 1;
        size_t elems = (size_t) n * (size_t) n;
        size_t size = dtype == 's' ? sizeof(float) : sizeof(double);
        /* 64-byte aligned, as Nabla's memory pool allocates (aligned_alloc(64, size rounded up to 64)). */
        size_t bytes = (elems * size + 63) / 64 * 64;
        void *a = aligned_alloc(64, bytes), *b = aligned_alloc(64, bytes), *c = aligned_alloc(64, bytes);
        if (a == NULL || b == NULL || c == NULL || times == NULL) {
            fprintf(stderr, "gemm_bench: out of memory at n=%d\n", n);
            return 1;
        }
        for (size_t i = 0; i < elems; i++) {
            if (dtype == 's') {
                ((float *) a)[i] = (float) next_uniform();
                ((float *) b)[i] = (float) next_uniform();
            } else {
                ((double *) a)[i] = next_uniform();
                ((double *) b)[i] = next_uniform();
            }
        }
        double warmup_start = now();
        for (int r = -warmup; r < reps; r++) {
            if (r == 0 && now() - warmup_start < WARMUP_SECONDS) {
                r = -1; /* keep warming up */
            }
            double start = now();
            for (long i = 0; i < inner; i++) {
                if (dtype == 's') {
                    sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
                } else {
                    dgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
                }
            }
            double seconds = (now() - start) / (double) inner;
            if (r >= 0) {
                times[r] = seconds;
            }
        }
        double med = median(times, reps);
        printf("result dtype=%c n=%d threads=%d reps=%d inner=%ld median_s=%.9g gflops=%.4f\n", dtype, n, threads,
               reps, inner, med, flops / med / 1e9);
        fflush(stdout);
        free(a);
        free(b);
        free(c);
    }
    free(times);
    dlclose(lib);
    return 0;
}
