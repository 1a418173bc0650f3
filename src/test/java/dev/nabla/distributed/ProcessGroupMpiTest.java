package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Every collective of the MPI process group, on every rank of an {@code mpirun -np N} job (N >= 2; make test-mpi),
 * against the result computed locally from the values each rank is known to contribute: every dtype, sizes 0 to
 * 10^6, blocking and async; bad arguments rejected alike on every rank. Skipped when not under mpirun.
 */
@EnabledIfEnvironmentVariable(named = "OMPI_COMM_WORLD_SIZE", matches = "[2-9]|[1-9][0-9]+")
class ProcessGroupMpiTest {
    private static final List<DType> ALL = List.of(DType.FLOAT32, DType.FLOAT64, DType.BFLOAT16, DType.FLOAT16,
            DType.INT64, DType.INT32, DType.INT16, DType.INT8, DType.UINT8, DType.BOOL);
    private static final int[] SIZES = {0, 1, 13, 4099};
    private static final int LARGE = 1_000_000;

    private static ProcessGroup group;
    private static int rank;
    private static int size;

    @BeforeAll
    static void join() {
        group = MpiTests.group();
        rank = group.rank();
        size = group.size();
    }

    /** What rank {@code r} contributes at element {@code i}: small integers, exact in every dtype and in sums. */
    private static double value(DType dtype, int r, long i) {
        if (dtype == DType.BOOL) {
            return (i + r) % 3 == 0 ? 1 : 0;
        }
        double v = (i * 7 + r * 3) % 11;
        return dtype == DType.UINT8 ? v : v - 5;
    }

    private static Tensor contribution(DType dtype, int r, int n) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = value(dtype, r, i);
        }
        return Tensor.of(values, dtype, Device.CPU, n);
    }

    private static double reduced(DType dtype, ReduceOp op, long i) {
        double acc = op == ReduceOp.MAX ? Double.NEGATIVE_INFINITY : 0;
        for (int r = 0; r < size; r++) {
            double v = value(dtype, r, i);
            acc = op == ReduceOp.MAX ? Math.max(acc, v) : acc + v;
        }
        if (dtype == DType.BOOL) {
            return acc > 0 ? 1 : 0; // logical or
        }
        return op == ReduceOp.AVG ? acc / size : acc;
    }

    /** AVG divides: the result is the quotient rounded once to the dtype (float32 first for 16-bit floats). */
    private static double tolerance(DType dtype) {
        return switch (dtype) {
            case FLOAT64 -> 1e-15;
            case FLOAT32 -> 1e-6;
            case FLOAT16 -> 1e-3;
            case BFLOAT16 -> 8e-3;
            default -> 0;
        };
    }

    private static void assertValues(String what, DType dtype, double[] expected, Tensor actual) {
        double[] got = actual.toDoubleArray();
        assertEquals(expected.length, got.length, what);
        double tol = tolerance(dtype);
        for (int i = 0; i < got.length; i++) {
            if (Math.abs(got[i] - expected[i]) > tol * Math.max(1, Math.abs(expected[i]))) {
                throw new AssertionError(what + " rank " + rank + " element " + i + ": expected " + expected[i]
                        + ", got " + got[i]);
            }
        }
    }

    private static void checkAllReduce(DType dtype, ReduceOp op, int n, boolean async) {
        try (Scope s = Scope.open()) {
            Tensor t = contribution(dtype, rank, n);
            if (async) {
                Work w = group.allReduceAsync(t, op);
                w.waitFor();
                assertTrue(w.isCompleted());
            } else {
                group.allReduce(t, op);
            }
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = reduced(dtype, op, i);
            }
            assertValues("allReduce " + op + " " + dtype + " n=" + n + (async ? " async" : ""), dtype, expected, t);
        }
    }

    @Test
    void allReduceEveryDtypeOpAndSize() {
        for (DType dtype : ALL) {
            for (ReduceOp op : ReduceOp.values()) {
                if (op == ReduceOp.AVG && !dtype.isFloatingPoint()) {
                    continue;
                }
                for (int n : SIZES) {
                    checkAllReduce(dtype, op, n, false);
                    checkAllReduce(dtype, op, n, true);
                }
            }
        }
    }

    @Test
    void allReduceAMillionElements() {
        for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64, DType.BFLOAT16, DType.INT64)) {
            checkAllReduce(dtype, ReduceOp.SUM, LARGE, false);
        }
        checkAllReduce(DType.FLOAT32, ReduceOp.AVG, LARGE, true);
    }

    @Test
    void broadcastFromEveryRoot() {
        for (DType dtype : ALL) {
            for (int n : new int[] {0, 5, 4099, LARGE}) {
                if (n == LARGE && dtype != DType.FLOAT32 && dtype != DType.BFLOAT16) {
                    continue;
                }
                for (int root = 0; root < size; root++) {
                    try (Scope s = Scope.open()) {
                        Tensor t = contribution(dtype, rank, n);
                        if (root % 2 == 0) {
                            group.broadcast(t, root);
                        } else {
                            group.broadcastAsync(t, root).waitFor();
                        }
                        assertValues("broadcast " + dtype + " n=" + n + " root " + root, dtype,
                                contribution(dtype, root, n).toDoubleArray(), t);
                    }
                }
            }
        }
    }

    @Test
    void allGatherConcatenatesRanksInOrder() {
        for (DType dtype : ALL) {
            for (int n : new int[] {0, 1, 13, 4099}) {
                for (boolean async : new boolean[] {false, true}) {
                    try (Scope s = Scope.open()) {
                        Tensor in = contribution(dtype, rank, n);
                        Tensor out = Tensor.zeros(dtype, Device.CPU, size, n);
                        if (async) {
                            group.allGatherAsync(out, in).waitFor();
                        } else {
                            group.allGather(out, in);
                        }
                        double[] expected = new double[size * n];
                        for (int r = 0; r < size; r++) {
                            System.arraycopy(contribution(dtype, r, n).toDoubleArray(), 0, expected, r * n, n);
                        }
                        assertValues("allGather " + dtype + " n=" + n, dtype, expected, out);
                    }
                }
            }
        }
    }

    @Test
    void reduceScatterLeavesEachRankItsBlock() {
        for (DType dtype : ALL) {
            for (ReduceOp op : ReduceOp.values()) {
                if (op == ReduceOp.AVG && !dtype.isFloatingPoint()) {
                    continue;
                }
                for (int n : new int[] {0, 1, 13, 4099}) {
                    try (Scope s = Scope.open()) {
                        Tensor in = contribution(dtype, rank, size * n);
                        Tensor out = Tensor.zeros(dtype, Device.CPU, n);
                        if (n % 2 == 0) {
                            group.reduceScatter(out, in, op);
                        } else {
                            group.reduceScatterAsync(out, in, op).waitFor();
                        }
                        double[] expected = new double[n];
                        for (int i = 0; i < n; i++) {
                            expected[i] = reduced(dtype, op, (long) rank * n + i);
                        }
                        assertValues("reduceScatter " + op + " " + dtype + " n=" + n, dtype, expected, out);
                    }
                }
            }
        }
    }

    @Test
    void barriersComplete() {
        group.barrier();
        Work w = group.barrierAsync();
        w.waitFor();
        assertTrue(w.isCompleted());
    }

    @Test
    void badArgumentsAreRejectedBeforeAnyMpiCall() {
        try (Scope s = Scope.open()) {
            Tensor matrix = Tensor.zeros(DType.FLOAT32, Device.CPU, 3, 4);
            var e = assertThrows(IllegalArgumentException.class, () -> group.allReduce(matrix.t(), ReduceOp.SUM));
            assertTrue(e.getMessage().contains("is not contiguous"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> group.broadcast(matrix.t(), 0));
            assertTrue(e.getMessage().contains("is not contiguous"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> group.allReduce(Tensor.zeros(DType.INT32, Device.CPU, 4), ReduceOp.AVG));
            assertTrue(e.getMessage().contains("AVG needs a floating-point tensor"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> group.broadcast(matrix, size));
            assertTrue(e.getMessage().contains("root " + size + " is not a rank"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> group.allGather(Tensor.zeros(DType.FLOAT32, Device.CPU, 5), matrix));
            assertTrue(e.getMessage().contains("must have " + size + " x 12"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> group.allGather(Tensor.zeros(DType.FLOAT64, Device.CPU, size * 12L), matrix));
            assertTrue(e.getMessage().contains("different dtypes"), e.getMessage());
        }
        group.barrier(); // every rank still in step after the rejected calls
    }
}
