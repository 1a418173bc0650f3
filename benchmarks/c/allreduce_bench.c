/*
 * Times MPI_Allreduce (MPI_SUM of MPI_FLOAT, in place) the way the OSU micro-benchmark osu_allreduce does, as the
 * reference for dev.nabla.benchmarks.AllReduceBench, which times ProcessGroup.allReduce with the same schedule:
 *
 *   for each size (bytes, a multiple of 4): WARMUP untimed calls, then ITERATIONS timed calls, each one timed alone
 *   (MPI_Wtime before and after) and followed by an MPI_Barrier outside the timing; a rank's latency is the mean of
 *   its timed calls (osu_allreduce's figure) or their median, and the reported latency the largest over the ranks
 *   (MPI_Reduce with MPI_MAX). The median is there for shared machines: a rank that the scheduler takes off its core
 *   stalls its partner's busy-polling call for a time slice, and a few such calls decide the mean.
 *
 * In place (MPI_IN_PLACE) because ProcessGroup.allReduce reduces in place; osu_allreduce uses two buffers.
 *
 * Usage: mpirun -np N allreduce_bench WARMUP ITERATIONS MIN_BYTES MAX_BYTES
 *   sizes MIN_BYTES, 4 * MIN_BYTES, ... up to MAX_BYTES; for sizes of 1 MB and more the iterations are scaled down
 *   as osu_allreduce does for large messages (ITERATIONS * 1 MB / size, at least 10).
 * Output (rank 0): one line per size, "allreduce impl=c bytes=4096 iterations=1000 us=12.3 mean_us=15.1" (us: the
 * median).
 * Errors go to stderr with exit status 1 (2 for bad usage).
 *
 * Build: mpicc -O2 -o allreduce_bench allreduce_bench.c
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_doubles(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static long parse_long(const char *text, const char *what) {
    char *end;
    long value = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || value <= 0) {
        fprintf(stderr, "allreduce_bench: %s must be a positive integer, got '%s'\n", what, text);
        exit(2);
    }
    return value;
}

/** The timed calls of one size: ITERATIONS scaled down for large messages, as the Java runner does. */
static long iterations_for(long bytes, long iterations) {
    const long large = 1L << 20;
    if (bytes < large) {
        return iterations;
    }
    long scaled = iterations * large / bytes;
    return scaled < 10 ? 10 : scaled;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: mpirun -np N %s WARMUP ITERATIONS MIN_BYTES MAX_BYTES\n", argv[0]);
        return 2;
    }
    long warmup = parse_long(argv[1], "WARMUP");
    long iterations = parse_long(argv[2], "ITERATIONS");
    long min_bytes = parse_long(argv[3], "MIN_BYTES");
    long max_bytes = parse_long(argv[4], "MAX_BYTES");
    if (min_bytes % 4 != 0 || max_bytes % 4 != 0 || max_bytes / 4 > 0x7fffffffL) {
        fprintf(stderr, "allreduce_bench: sizes must be multiples of 4 bytes and at most 2^31 floats\n");
        return 2;
    }
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    float *buffer = malloc((size_t) max_bytes);
    if (buffer == NULL) {
        fprintf(stderr, "allreduce_bench: cannot allocate %ld bytes\n", max_bytes);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    memset(buffer, 0, (size_t) max_bytes); /* zeros: sums stay finite however many calls run */
    double *times = malloc((size_t) iterations * sizeof(double));
    if (times == NULL) {
        fprintf(stderr, "allreduce_bench: cannot allocate %ld timings\n", iterations);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (long bytes = min_bytes; bytes <= max_bytes; bytes *= 4) {
        int count = (int) (bytes / 4);
        long timed = iterations_for(bytes, iterations);
        double total = 0;
        MPI_Barrier(MPI_COMM_WORLD);
        for (long i = 0; i < warmup + timed; i++) {
            double start = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, buffer, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            double stop = MPI_Wtime();
            if (i >= warmup) {
                times[i - warmup] = stop - start;
                total += stop - start;
            }
            MPI_Barrier(MPI_COMM_WORLD);
        }
        qsort(times, (size_t) timed, sizeof(double), compare_doubles);
        double local[2] = {(times[(timed - 1) / 2] + times[timed / 2]) * 0.5e6, total * 1e6 / (double) timed};
        double worst[2];
        MPI_Reduce(local, worst, 2, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            printf("allreduce impl=c bytes=%ld iterations=%ld us=%.3f mean_us=%.3f\n", bytes, timed, worst[0],
                   worst[1]);
            fflush(stdout);
        }
    }
    free(times);
    free(buffer);
    MPI_Finalize();
    return 0;
}
