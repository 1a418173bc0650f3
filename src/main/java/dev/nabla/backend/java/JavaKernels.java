package dev.nabla.backend.java;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.UpdateRule;
import dev.nabla.backend.java.vector.VectorAdam;
import dev.nabla.backend.java.vector.VectorSgd;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.MemorySegment;

/**
 * Element-wise, copy and reduction kernels in pure Java, shared by the {@code java} backend (serial) and the
 * {@code cpu} backend (split over its {@link ChunkRunner}).
 *
 * <p>Every call first collapses its operands ({@link Layout}): a contiguous tensor becomes one row, broadcasts
 * keep a zero stride on their own dimension. It then walks the rows with an odometer and runs one typed loop per
 * row, chosen once per row: float loops for float32 and double loops for float64, one loop per op (no per-element
 * dtype or op switch). With {@code useVector} (and the module present) contiguous rows run the Vector API loops of
 * {@code dev.nabla.backend.java.vector}; otherwise, and for tails and ops without an accurate vector form, the
 * scalar loops. The integer dtypes and bool take {@link IntegerElementwise}'s {@code long}-based loops instead.
 * {@link ReferenceKernels} stays the oracle these are tested against.
 *
 * <p>Threading: a call is split only when a {@link ChunkRunner} with more than one thread is given and the call's
 * work (elements times a per-op cost, {@code WorkCost}) reaches {@link #PARALLEL_MIN_WORK}; below that, waking a
 * parked worker (several microseconds) and sharing the cache cost more than the second thread saves.
 */
public final class JavaKernels {
    /**
     * Work ({@code WorkCost} units of ~0.05 ns, so ~26 us on one thread) from which a call is split across threads:
     * 256K elements of a vector add, 512K of a vector sum, 85K of a vector exp, 6.5K of a scalar exp. Measured on
     * the 2-core EPYC VM, one thread vs. two: scalar exp gains from 16K elements (61 vs 53 us), vector exp from 256K
     * (81 vs 56 us), scalar add from 128K (38 vs 27 us); vector add and sum are bandwidth-bound: add is neutral at
     * 256K (36 vs 37 us) and gains from 512K (78 vs 61 us; 4M: 935 vs 516 us), sum loses at 256K (9.7 vs 11.4 us)
     * and gains from 1M (45 vs 33 us). Below ~64K elements splitting always lost (add 64K: 4.0 vs 4.4 us).
     */
    public static final long PARALLEL_MIN_WORK = 1 << 19;
    /** Smallest chunk worth handing to another thread, in work units. */
    private static final long CHUNK_WORK = 1 << 17;
    /** Chunks per thread: more than one lets a thread that finishes its share early take part of a late one's. */
    private static final int CHUNKS_PER_THREAD = 4;

    private JavaKernels() {
    }

    private static boolean vector(boolean useVector) {
        return useVector && VectorSupport.available();
    }

    /** True for the integer dtypes and bool, which {@link IntegerElementwise} computes. */
    private static boolean isInteger(ScalarType dtype) {
        return dtype.isIntegral() || dtype == ScalarType.BOOL;
    }

    /** How many chunks to split {@code work} into: 1 when serial. */
    private static int chunks(ChunkRunner par, long work) {
        if (par == null || work < PARALLEL_MIN_WORK) {
            return 1;
        }
        int threads = par.threads();
        if (threads <= 1) {
            return 1;
        }
        return (int) Math.max(1, Math.min((long) threads * CHUNKS_PER_THREAD, work / CHUNK_WORK));
    }

    /** Chunk {@code c}'s start in {@code [0, n)}, rounded down to 16 elements so chunks rarely share a cache line. */
    private static long bound(long n, int chunks, int c) {
        return c == chunks ? n : (n / chunks * c + Math.min(c, n % chunks)) & ~15L;
    }

    /** Runs {@code range.run(lo, hi)} over {@code [0, n)}, split in chunks on {@code par} when worth it. */
    static void split(ChunkRunner par, long n, long work, Range range) {
        int chunks = chunks(par, work);
        if (chunks == 1) {
            range.run(0, n);
        } else {
            par.run(chunks, c -> range.run(bound(n, chunks, c), bound(n, chunks, c + 1)));
        }
    }

    /** A kernel over part {@code [lo, hi)} of an index space. */
    @FunctionalInterface
    interface Range {
        void run(long lo, long hi);
    }

    /**
     * Sets every element of {@code dst} to {@code value}; see {@link dev.nabla.backend.Backend#fill}.
     *
     * @param useVector use the Vector API loops when the module is present
     * @param par       where to run chunks, or {@code null} for the calling thread only
     * @param dtype     element type of {@code dst}
     * @param dst       the operand to fill
     * @param value     the value, rounded to the dtype
     */
    public static void fill(boolean useVector, ChunkRunner par, ScalarType dtype, Strided dst, double value) {
        Layout l = Layout.of(dst);
        boolean vec = vector(useVector);
        split(par, l.numel, l.numel * WorkCost.fill(),
                (lo, hi) -> Elementwise.fill(vec, dtype, dst.data(), l, lo, hi, value));
    }

    /**
     * Copies {@code src} into {@code dst}, converting dtypes; see {@link dev.nabla.backend.Backend#copy}.
     *
     * @param useVector use the Vector API loops when the module is present
     * @param par       where to run chunks, or {@code null} for the calling thread only
     * @param srcType   element type of {@code src}
     * @param src       the source
     * @param dstType   element type of {@code dst}
     * @param dst       the destination, same shape as {@code src}
     */
    public static void copy(boolean useVector, ChunkRunner par, ScalarType srcType, Strided src, ScalarType dstType,
                            Strided dst) {
        Layout l = Layout.of(dst.shape(), new long[][] {src.strides(), dst.strides()},
                new long[] {src.offset(), dst.offset()});
        boolean vec = vector(useVector);
        split(par, l.numel, l.numel * WorkCost.copy(srcType == dstType, vec),
                (lo, hi) -> Elementwise.copy(vec, srcType, src.data(), dstType, dst.data(), l, lo, hi));
    }

    /**
     * {@code out = op(x)} element-wise; see {@link dev.nabla.backend.Backend#unary}.
     *
     * @param useVector use the Vector API loops when the module is present
     * @param par       where to run chunks, or {@code null} for the calling thread only
     * @param op        the function
     * @param dtype     element type of both operands
     * @param x         the input
     * @param out       the output, same shape (may be {@code x} itself)
     * @param a         the op's first scalar parameter
     * @param b         the op's second scalar parameter
     */
    public static void unary(boolean useVector, ChunkRunner par, UnaryOp op, ScalarType dtype, Strided x, Strided out,
                             double a, double b) {
        Layout l = Layout.of(out.shape(), new long[][] {x.strides(), out.strides()},
                new long[] {x.offset(), out.offset()});
        if (isInteger(dtype)) {
            split(par, l.numel, l.numel * WorkCost.unary(op, false),
                    (lo, hi) -> IntegerElementwise.unary(op, dtype, x.data(), out.data(), l, lo, hi));
            return;
        }
        boolean vec = vector(useVector);
        split(par, l.numel, l.numel * WorkCost.unary(op, vec),
                (lo, hi) -> Elementwise.unary(vec, op, dtype, x.data(), out.data(), l, lo, hi, a, b));
    }

    /**
     * {@code out = op(x, y)} element-wise; see {@link dev.nabla.backend.Backend#binary}.
     *
     * @param useVector use the Vector API loops when the module is present
     * @param par       where to run chunks, or {@code null} for the calling thread only
     * @param op        the function
     * @param dtype     element type of all operands
     * @param x         the first input
     * @param y         the second input, same shape (zero strides where broadcast)
     * @param out       the output, same shape (may be {@code x} or {@code y} itself)
     */
    public static void binary(boolean useVector, ChunkRunner par, BinaryOp op, ScalarType dtype, Strided x, Strided y,
                              Strided out) {
        Layout l = Layout.of(out.shape(), new long[][] {x.strides(), y.strides(), out.strides()},
                new long[] {x.offset(), y.offset(), out.offset()});
        if (isInteger(dtype)) {
            split(par, l.numel, l.numel * WorkCost.binary(op, false),
                    (lo, hi) -> IntegerElementwise.binary(op, dtype, x.data(), y.data(), out.data(), l, lo, hi));
            return;
        }
        boolean vec = vector(useVector);
        split(par, l.numel, l.numel * WorkCost.binary(op, vec),
                (lo, hi) -> Elementwise.binary(vec, op, dtype, x.data(), y.data(), out.data(), l, lo, hi));
    }

    /**
     * Reduces {@code x} into {@code out}; see {@link dev.nabla.backend.Backend#reduce}. SUM/MEAN accumulate in
     * double across rows and blocks; within a block the vector float32 path sums in float (see
     * {@code VectorReduceFloat}), keeping the error near {@code 40 eps * sum|x|} at any length.
     *
     * @param useVector use the Vector API loops when the module is present
     * @param par       where to run chunks, or {@code null} for the calling thread only
     * @param op        SUM, MEAN, MAX or MIN
     * @param dtype     element type of both operands
     * @param x         the input
     * @param out       the output: {@code x}'s rank, size 1 on every reduced dimension
     */
    public static void reduce(boolean useVector, ChunkRunner par, ReduceOp op, ScalarType dtype, Strided x,
                              Strided out) {
        if (isInteger(dtype)) {
            IntegerElementwise.reduce(op, dtype, x, out);
            return;
        }
        int outN = Math.toIntExact(out.numel());
        double[] acc = Reductions.newAccumulators(op, outN);
        Reductions.Plan plan = Reductions.plan(x, out);
        boolean vec = vector(useVector);
        long work = plan.layout().numel * WorkCost.reduce(vec);
        ParallelReduce.accumulate(vec, par, chunks(par, work), op, dtype, x.data(), plan.layout(), acc);
        Reductions.finish(op, dtype, acc, plan.count(), out);
    }

    /**
     * Index of the first largest or smallest element along {@code dim}; see
     * {@link dev.nabla.backend.Backend#argReduce}. Serial: one pass over the input.
     *
     * @param op    ARGMAX or ARGMIN
     * @param dtype element type of both operands
     * @param x     the input
     * @param dim   the dimension searched
     * @param out   the output: {@code x}'s rank, size 1 at {@code dim}
     */
    public static void argReduce(ReduceOp op, ScalarType dtype, Strided x, int dim, Strided out) {
        Reductions.argReduce(op, dtype, x, dim, out);
    }

    /**
     * One optimizer update over contiguous operands; see {@link dev.nabla.backend.Backend#fusedUpdate}.
     *
     * @param useVector float32 SGD runs the Vector API loop when the module is present
     * @param par   where to run chunks, or {@code null} for the calling thread only
     * @param dtype element type of every operand
     * @param rule  the update and its hyper-parameters
     * @param param the parameter, updated in place
     * @param grad  its gradient
     * @param state the rule's state buffers, updated in place
     */
    public static void fusedUpdate(boolean useVector, ChunkRunner par, ScalarType dtype, UpdateRule rule, Strided param,
                                   Strided grad, Strided[] state) {
        long n = param.numel();
        if (vector(useVector) && dtype == ScalarType.FLOAT32 && rule instanceof UpdateRule.Sgd r) {
            MemorySegment b = state.length > 0 ? state[0].data() : null;
            long bo = state.length > 0 ? state[0].offset() : 0;
            split(par, n, n * WorkCost.fusedUpdate(true), (lo, hi) -> VectorSgd.update(param.data(), param.offset(),
                    grad.data(), grad.offset(), b, bo, lo, hi, (float) r.lr(), (float) r.weightDecay(),
                    (float) r.momentum(), (float) (1 - r.dampening()), r.firstStep(), r.nesterov()));
            return;
        }
        if (vector(useVector) && dtype == ScalarType.FLOAT32 && rule instanceof UpdateRule.Adam r) {
            VectorAdam.Step step = adamStep(r);
            MemorySegment vmax = r.amsgrad() ? state[2].data() : null;
            long xo = r.amsgrad() ? state[2].offset() : 0;
            split(par, n, n * WorkCost.fusedUpdate(true), (lo, hi) -> VectorAdam.update(param.data(), param.offset(),
                    grad.data(), grad.offset(), state[0].data(), state[0].offset(), state[1].data(), state[1].offset(),
                    vmax, xo, lo, hi, step));
            return;
        }
        split(par, n, n * WorkCost.fusedUpdate(false), (lo, hi) -> FusedUpdates.apply(dtype, rule, param, grad, state,
                lo, hi));
    }

    /** Adam's step constants in float32, computed in double as the scalar loop does. */
    private static VectorAdam.Step adamStep(UpdateRule.Adam r) {
        return new VectorAdam.Step((float) r.beta1(), (float) (1 - r.beta1()), (float) r.beta2(),
                (float) (1 - r.beta2()), (float) r.eps(), (float) r.biasCorrection2Sqrt(), (float) r.stepSize(),
                (float) r.decay(), r.decoupled() ? 0f : (float) r.weightDecay());
    }
}
