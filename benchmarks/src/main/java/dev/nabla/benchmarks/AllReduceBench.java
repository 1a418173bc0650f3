package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.distributed.ProcessGroup;
import dev.nabla.distributed.ReduceOp;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times {@link ProcessGroup#allReduce} (SUM of a float32 CPU tensor, in place) with the schedule of the C reference
 * {@code benchmarks/c/allreduce_bench.c}, itself the schedule of the OSU micro-benchmark {@code osu_allreduce}: per
 * size, untimed warm-up calls, then timed calls, each timed alone and followed by a barrier outside the timing; a
 * rank's latency is the median of its timed calls (and their mean, osu_allreduce's figure; the C program says why
 * the median), the reported one the largest over the ranks. Run it under
 * {@code mpirun} ({@code make bench-allreduce}), with the C program's arguments:
 * <pre>
 *   mpirun -np 2 java ... dev.nabla.benchmarks.AllReduceBench WARMUP ITERATIONS MIN_BYTES MAX_BYTES
 * </pre>
 * Before the schedule, {@value #JIT_WARMUP_CALLS} untimed calls of the smallest size let the JIT compile the call
 * path (C has nothing to compile; without them the first sizes measure the interpreter, 15 us instead of 5 us at
 * 4 KB). Rank 0 prints one line per size in the C program's format, {@code allreduce impl=nabla bytes=4096 iterations=1000
 * us=12.3 mean_us=15.1}, which {@link AllReduceTable} turns into the comparison table. Not JMH: JMH cannot run under mpirun.
 */
public final class AllReduceBench {
    /** Calls that bring the call path to its compiled steady state (measured: about 10,000 are needed). */
    static final int JIT_WARMUP_CALLS = 20_000;

    private AllReduceBench() {
    }

    /**
     * Runs the benchmark on the job's ranks.
     *
     * @param args WARMUP ITERATIONS MIN_BYTES MAX_BYTES, as for the C program
     */
    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: mpirun -np N java ... dev.nabla.benchmarks.AllReduceBench"
                    + " WARMUP ITERATIONS MIN_BYTES MAX_BYTES");
            System.exit(2);
        }
        long warmup = positive(args[0], "WARMUP");
        long iterations = positive(args[1], "ITERATIONS");
        long minBytes = positive(args[2], "MIN_BYTES");
        long maxBytes = positive(args[3], "MAX_BYTES");
        if (minBytes % 4 != 0 || maxBytes % 4 != 0) {
            throw new IllegalArgumentException("sizes must be multiples of 4 bytes, got " + minBytes + " and " + maxBytes);
        }
        try (ProcessGroup group = ProcessGroup.initMpi(ProcessGroup.DEFAULT_TIMEOUT)) {
            medianAndMeanMicros(group, minBytes / 4, JIT_WARMUP_CALLS, 1);
            for (long bytes = minBytes; bytes <= maxBytes; bytes *= 4) {
                long timed = iterationsFor(bytes, iterations);
                double[] us = maxOverRanks(group, medianAndMeanMicros(group, bytes / 4, warmup, timed));
                if (group.rank() == 0) {
                    System.out.printf(Locale.ROOT, "allreduce impl=nabla bytes=%d iterations=%d us=%.3f mean_us=%.3f%n",
                            bytes, timed, us[0], us[1]);
                }
            }
        }
    }

    /** The C program's rule: sizes of 1 MB and more get ITERATIONS * 1 MB / size timed calls, at least 10. */
    static long iterationsFor(long bytes, long iterations) {
        long large = 1L << 20;
        return bytes < large ? iterations : Math.max(10, iterations * large / bytes);
    }

    /** This rank's median and mean time of one allReduce of {@code count} floats, in microseconds. */
    private static double[] medianAndMeanMicros(ProcessGroup group, long count, long warmup, long timed) {
        try (Scope scope = Scope.open()) {
            Tensor buffer = Tensor.zeros(DType.FLOAT32, Device.CPU, count); // zeros: sums stay finite
            long[] times = new long[Math.toIntExact(timed)];
            group.barrier();
            for (long i = 0; i < warmup + timed; i++) {
                long start = System.nanoTime();
                group.allReduce(buffer, ReduceOp.SUM);
                long stop = System.nanoTime();
                if (i >= warmup) {
                    times[(int) (i - warmup)] = stop - start;
                }
                group.barrier();
            }
            double mean = Arrays.stream(times).average().orElseThrow() / 1e3;
            Arrays.sort(times);
            double median = (times[(times.length - 1) / 2] + times[times.length / 2]) / 2e3;
            return new double[] {median, mean};
        }
    }

    private static double[] maxOverRanks(ProcessGroup group, double[] values) {
        try (Scope scope = Scope.open()) {
            Tensor t = Tensor.of(values, values.length);
            group.allReduce(t, ReduceOp.MAX);
            return t.toDoubleArray();
        }
    }

    private static long positive(String text, String what) {
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a positive integer, got '" + text + "'", e);
        }
        if (value <= 0) {
            throw new IllegalArgumentException(what + " must be a positive integer, got '" + text + "'");
        }
        return value;
    }
}
