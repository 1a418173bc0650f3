/*
 * Times cblas_sgemm / cblas_dgemm (row-major, no transposes, C = A B with alpha 1, beta 0) of the OpenBLAS
 * library at the given path, the same way dev.nabla.benchmarks.GemmVsC times Nabla's Tensor.matmul:
 *
 *   for each size n: inner = max(1, ceil(min_flops / (2 n^3))) products make one repetition;
 *   untimed warm-up repetitions until at least `warmup` of them and WARMUP_SECONDS have passed,
 *   then the median wall time of `reps` repetitions.
 *
 * MIN_FLOPS may instead be a time with the suffix s (e.g. 0.2s), as benchmarks/COMPARE.md times a harness: the
 * warm-up then runs single products (at least `warmup` of them and WARMUP_SECONDS), estimates the time of one
 * product as the median of those, and a repetition is inner = max(1, ceil(seconds / estimate)) products.
 *
 * Usage: gemm_bench LIBRARY THREADS s|d REPS WARMUP MIN_FLOPS|SECONDSs N...
 * Output: two lines per size, key=value pairs, e.g.
 *   samples dtype=s n=256 threads=1 inner=61 us=1203.1,1199.8,...
 *   result dtype=s n=256 threads=1 reps=21 inner=61 median_s=0.00123 gflops=102.3
 * where `us` lists every repetition's mean time per product in microseconds, in the order they ran,
 * plus one "library path=... threads=... core=... config=..." line first (config last: it contains spaces).
 * Errors go to stderr with exit status 1 (2 for bad usage).
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
typedef char *(*get_corename_fn)(void);

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

static sgemm_fn sgemm;
static dgemm_fn dgemm;

/* Runs `inner` products C = A B back to back; returns the mean wall time of one, in seconds. */
static double run_gemm(char dtype, int n, long inner, void *a, void *b, void *c) {
    double start = now();
    for (long i = 0; i < inner; i++) {
        if (dtype == 's') {
            sgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        } else {
            dgemm(CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_NO_TRANS, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
        }
    }
    return (now() - start) / (double) inner;
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s LIBRARY THREADS s|d REPS WARMUP MIN_FLOPS|SECONDSs N...\n", argv[0]);
        return 2;
    }
    const char *path = argv[1];
    int threads = atoi(argv[2]);
    char dtype = argv[3][0];
    int reps = atoi(argv[4]);
    int warmup = atoi(argv[5]);
    /* "0.2s": least seconds per repetition; a plain number: least flops per repetition. */
    char *end = NULL;
    double min_amount = strtod(argv[6], &end);
    int by_time = end != argv[6] && strcmp(end, "s") == 0;
    int amount_ok = end != argv[6] && (by_time || *end == '\0') && min_amount >= 0;
    if (threads < 1 || (dtype != 's' && dtype != 'd') || argv[3][1] != '\0' || reps < 1 || warmup < 0 || !amount_ok) {
        fprintf(stderr, "%s: bad arguments (need THREADS >= 1, s or d, REPS >= 1, WARMUP >= 0,"
                " MIN_FLOPS >= 0 or SECONDS >= 0 followed by s)\n", argv[0]);
        return 2;
    }

    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "gemm_bench: cannot load %s: %s\n", path, dlerror());
        return 1;
    }
    sgemm = (sgemm_fn) symbol(lib, "cblas_sgemm");
    dgemm = (dgemm_fn) symbol(lib, "cblas_dgemm");
    set_threads_fn set_threads = (set_threads_fn) symbol(lib, "openblas_set_num_threads");
    get_threads_fn get_threads = (get_threads_fn) symbol(lib, "openblas_get_num_threads");
    get_config_fn get_config = (get_config_fn) symbol(lib, "openblas_get_config");
    get_corename_fn get_corename = (get_corename_fn) symbol(lib, "openblas_get_corename");
    set_threads(threads);
    printf("library path=%s threads=%d core=%s config=%s\n", path, get_threads(), get_corename(), get_config());

    double *times = malloc(sizeof(double) * (size_t) reps);
    double *warm_times = NULL; /* the warm-up's single-product times, when timing by seconds */
    size_t warm_capacity = 0;
    for (int arg = 7; arg < argc; arg++) {
        int n = atoi(argv[arg]);
        if (n < 1) {
            fprintf(stderr, "gemm_bench: bad size '%s'\n", argv[arg]);
            return 2;
        }
        double flops = 2.0 * n * n * n;
        long inner = by_time ? 1 : min_amount > flops ? (long) ceil(min_amount / flops) : 1;
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
        /* Warm-up: at least `warmup` repetitions and WARMUP_SECONDS (single products when timing by seconds). */
        size_t warm_count = 0;
        double warmup_start = now();
        while (warm_count < (size_t) warmup || now() - warmup_start < WARMUP_SECONDS) {
            double seconds = run_gemm(dtype, n, inner, a, b, c);
            if (by_time) {
                if (warm_count == warm_capacity) {
                    warm_capacity = warm_capacity ? 2 * warm_capacity : 1024;
                    warm_times = realloc(warm_times, sizeof(double) * warm_capacity);
                    if (warm_times == NULL) {
                        fprintf(stderr, "gemm_bench: out of memory at n=%d\n", n);
                        return 1;
                    }
                }
                warm_times[warm_count] = seconds;
            }
            warm_count++;
        }
        if (by_time && warm_count > 0) {
            double estimate = median(warm_times, (int) warm_count);
            inner = estimate > 0 && min_amount > estimate ? (long) ceil(min_amount / estimate) : 1;
        }
        for (int r = 0; r < reps; r++) {
            times[r] = run_gemm(dtype, n, inner, a, b, c);
        }
        printf("samples dtype=%c n=%d threads=%d inner=%ld us=", dtype, n, threads, inner);
        for (int r = 0; r < reps; r++) {
            printf(r ? ",%.6g" : "%.6g", times[r] * 1e6);
        }
        printf("\n");
        double med = median(times, reps);
        printf("result dtype=%c n=%d threads=%d reps=%d inner=%ld median_s=%.9g gflops=%.4f\n", dtype, n, threads,
               reps, inner, med, flops / med / 1e9);
        fflush(stdout);
        free(a);
        free(b);
        free(c);
    }
    free(times);
    free(warm_times);
    dlclose(lib);
    return 0;
}
