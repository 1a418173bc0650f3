package dev.nabla.backend.cpu;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.nabla.bindings.dnnl.dnnl_h;
import dev.nabla.nativelib.Dnnl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * GEMM on the CPU through oneDNN's matmul: float32, bfloat16 and float16 with float32 accumulation, and 8-bit
 * integer products with 32-bit accumulation, on operands in raw memory (as {@code Backend.gemm}).
 * All matrices are row-major; {@code op(X)} is {@code X} or, when its flag is set, {@code X} stored transposed.
 *
 * <p>Primitives: oneDNN compiles a kernel per shape, so a primitive is created once per distinct
 * ({@link DnnlMatmulKey}: types, sizes, transposes, leading dimensions, alpha, beta) and cached; at most
 * {@value #CACHE_CAPACITY} are kept, and when a new one would exceed that, all are destroyed and the cache starts
 * again (shapes in a model are few; a workload with more is not helped by caching them), except that {@link #tryGemm}
 * declines a new shape instead, so that a caller with another library never empties the cache.
 *
 * <p>Threads and lifetime: calls from any number of threads may run at once (each execution has its own memory
 * objects, and a stream and scratchpad taken from a pool of {@link DnnlStreamContext}s, one per concurrent caller at
 * most). {@link #close()} destroys every native handle (primitives, streams, scratchpads, engine) after waiting for
 * the calls in flight; a call after it throws {@link IllegalStateException}.
 * The {@link #shared()} instance lives as long as the JVM: it is never closed, and the process exit reclaims it, so
 * no shutdown hook can destroy a primitive under a daemon thread still computing.
 */
public final class DnnlGemm implements AutoCloseable {
    /** Most primitives kept at once. */
    static final int CACHE_CAPACITY = 256;
    /** Largest k of {@link #linearInt8}: sums and zero-point shares, each up to {@code 255 * 128 * k}, fit an int. */
    public static final int MAX_PACKED_K = 32_768;

    private final MemorySegment engine;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Guarded by {@link #lock}: reads under the read lock, changes under the write lock. */
    private final Map<DnnlMatmulKey, DnnlMatmul> primitives = new LinkedHashMap<>();
    private final ConcurrentLinkedQueue<DnnlStreamContext> contexts = new ConcurrentLinkedQueue<>();
    private final int capacity;
    private boolean closed; // guarded by lock

    private DnnlGemm(int capacity) {
        this.capacity = capacity;
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment out = temp.allocate(ADDRESS);
            DnnlStatus.check(dnnl_h.dnnl_engine_create(out, dnnl_h.dnnl_cpu(), 0), "dnnl_engine_create(cpu, 0)");
            engine = out.get(ADDRESS, 0);
        }
    }

    /**
     * Returns the process-wide instance, creating it on first use.
     *
     * @return the instance, or empty when oneDNN is not loaded ({@link Dnnl#attempts()} says why)
     */
    public static Optional<DnnlGemm> shared() {
        return Optional.ofNullable(Shared.INSTANCE);
    }

    /**
     * Creates an instance with its own engine and cache, to be {@linkplain #close() closed} by the caller.
     *
     * @return a new instance
     * @throws IllegalStateException when oneDNN is not loaded, naming what was tried
     */
    public static DnnlGemm create() {
        return create(CACHE_CAPACITY);
    }

    /** {@link #create()} with room for {@code capacity} primitives (tests fill a small cache). */
    static DnnlGemm create(int capacity) {
        if (Dnnl.load().isEmpty()) {
            throw new IllegalStateException("oneDNN is not available: " + String.join("; ", Dnnl.attempts()));
        }
        return new DnnlGemm(capacity);
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} with {@code A}, {@code B} in {@code inputType} ({@link DnnlDataType#F32},
     * {@link DnnlDataType#BF16} or {@link DnnlDataType#F16}), products accumulated in float32, and {@code C} in
     * {@code outputType} (the input type or {@link DnnlDataType#F32}). {@code op(A)} is {@code m x k}, {@code op(B)} is {@code k x n}, {@code C} is
     * {@code m x n}; offsets and leading dimensions count elements. When {@code beta == 0}, C is not read.
     *
     * @throws IllegalArgumentException naming the argument when a segment is null or too small, a size negative,
     *                                  a leading dimension too small or the type pair unsupported
     * @throws UnsupportedOperationException when oneDNN has no kernel for these types on this CPU
     */
    public void gemm(DnnlDataType inputType, DnnlDataType outputType, boolean transA, boolean transB,
                     int m, int n, int k, float alpha, MemorySegment a, long aOffset, int lda,
                     MemorySegment b, long bOffset, int ldb, float beta, MemorySegment c, long cOffset, int ldc) {
        gemm(inputType, outputType, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset,
                ldc, MemorySegment.NULL, true);
    }

    /**
     * {@link #gemm} when a primitive for this shape is cached or the cache has room for one; false, with nothing
     * written, when the cache is full of other shapes. A caller with another library uses it for such shapes instead
     * of evicting the cache: a workload whose shapes keep changing (variable batch or sequence lengths) would
     * otherwise pay a primitive's creation, about a millisecond, on every call.
     *
     * @return whether the product was computed
     * @throws IllegalArgumentException as {@link #gemm}
     */
    public boolean tryGemm(DnnlDataType inputType, DnnlDataType outputType, boolean transA, boolean transB,
                           int m, int n, int k, float alpha, MemorySegment a, long aOffset, int lda,
                           MemorySegment b, long bOffset, int ldb, float beta, MemorySegment c, long cOffset, int ldc) {
        return gemm(inputType, outputType, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c,
                cOffset, ldc, MemorySegment.NULL, false);
    }

    /**
     * {@code C = op(A) * op(B) + bias}, all float32, the bias ({@code n} values from element {@code biasOffset}) added
     * to every row of C as the product is written: Linear's forward in one pass over C, where copying the bias into C
     * and adding the product to it ({@code beta = 1}) takes two. Declines as {@link #tryGemm} when the cache is full.
     *
     * @return whether the product was computed
     * @throws IllegalArgumentException as {@link #gemm}, or when the bias does not hold {@code n} values
     */
    public boolean tryGemmBias(boolean transA, boolean transB, int m, int n, int k, MemorySegment a, long aOffset,
                               int lda, MemorySegment b, long bOffset, int ldb, MemorySegment bias, long biasOffset,
                               MemorySegment c, long cOffset, int ldc) {
        return gemm(DnnlDataType.F32, DnnlDataType.F32, transA, transB, m, n, k, 1f, a, aOffset, lda, b, bOffset, ldb,
                0f, c, cOffset, ldc, GemmOperands.slice("bias", bias, biasOffset, n, DnnlDataType.F32), false);
    }

    /** The float paths; {@code bias} is {@link MemorySegment#NULL} for none, else checked and added to every row. */
    private boolean gemm(DnnlDataType inputType, DnnlDataType outputType, boolean transA, boolean transB,
                         int m, int n, int k, float alpha, MemorySegment a, long aOffset, int lda,
                         MemorySegment b, long bOffset, int ldb, float beta, MemorySegment c, long cOffset, int ldc,
                         MemorySegment bias, boolean mayEvict) {
        if (inputType != DnnlDataType.F32 && inputType != DnnlDataType.BF16 && inputType != DnnlDataType.F16) {
            throw new IllegalArgumentException("inputType must be F32, BF16 or F16, got " + inputType);
        }
        if (outputType != inputType && outputType != DnnlDataType.F32) {
            throw new IllegalArgumentException("outputType must be " + inputType + " or F32, got " + outputType);
        }
        var operands = new GemmOperands(transA, transB, m, n, k);
        MemorySegment pa = operands.a(a, aOffset, lda, inputType);
        MemorySegment pb = operands.b(b, bOffset, ldb, inputType);
        MemorySegment pc = operands.c(c, cOffset, ldc, outputType);
        if (m == 0 || n == 0) {
            return true;
        }
        return run(new DnnlMatmulKey(inputType, inputType, outputType, transA, transB, m, n, k, lda, ldb, ldc, alpha,
                beta, 0, !bias.equals(MemorySegment.NULL), false), pa, pb, pc, bias, MemorySegment.NULL, 0, mayEvict);
    }

    /**
     * The int8 product a quantised Linear layer needs: {@code C[i][j] = scale[j] * sum_p (A[i][p] - aZeroPoint) * op(B)[p][j]}
     * with {@code A} of {@code m x k} in {@link DnnlDataType#U8} or {@link DnnlDataType#S8} (activations), {@code B} in
     * {@link DnnlDataType#S8} (weights; for {@code y = x W^T} pass {@code W} of {@code n x k} with {@code transB}),
     * accumulated exactly in 32 bits, and {@code C} in {@link DnnlDataType#F32} or {@link DnnlDataType#S32} (rounded to
     * nearest, saturated). {@code scales} holds {@code scaleCount} float32 values, 1 (per tensor) or {@code n} (per
     * output column): typically {@code sx * sw} or {@code sx * sw[j]}.
     *
     * @throws IllegalArgumentException naming the argument when a segment is null or too small, a size negative, a
     *                                  leading dimension too small, a type unsupported or {@code scaleCount} not 1 or n
     * @throws UnsupportedOperationException when oneDNN has no kernel for these types on this CPU
     */
    public void gemmInt8(DnnlDataType aType, DnnlDataType outputType, boolean transB, int m, int n, int k,
                         MemorySegment a, long aOffset, int lda, int aZeroPoint, MemorySegment b, long bOffset, int ldb,
                         MemorySegment scales, long scalesOffset, int scaleCount,
                         MemorySegment c, long cOffset, int ldc) {
        if (aType != DnnlDataType.U8 && aType != DnnlDataType.S8) {
            throw new IllegalArgumentException("aType must be U8 or S8, got " + aType);
        }
        if (outputType != DnnlDataType.F32 && outputType != DnnlDataType.S32) {
            throw new IllegalArgumentException("outputType must be F32 or S32, got " + outputType);
        }
        if (scaleCount != 1 && scaleCount != n) {
            throw new IllegalArgumentException("scaleCount must be 1 or n = " + n + ", got " + scaleCount);
        }
        var operands = new GemmOperands(false, transB, m, n, k);
        MemorySegment pa = operands.a(a, aOffset, lda, aType);
        MemorySegment pb = operands.b(b, bOffset, ldb, DnnlDataType.S8);
        MemorySegment pc = operands.c(c, cOffset, ldc, outputType);
        MemorySegment ps = GemmOperands.slice("scales", scales, scalesOffset, scaleCount, DnnlDataType.F32);
        if (m == 0 || n == 0) {
            return;
        }
        run(new DnnlMatmulKey(aType, DnnlDataType.S8, outputType, false, transB, m, n, k, lda, ldb, ldc, 1f, 0f,
                scaleCount, false, false), pa, pb, pc, MemorySegment.NULL, ps, aZeroPoint, true);
    }

    /**
     * {@link #gemmInt8} with {@code transB} and float32 output, then {@code + bias[j]}, with the same results, where the
     * weight {@code B} ({@code n x k}) is packed once into the blocked layout of oneDNN's fastest int8 kernel and kept
     * in {@code packed}: a slot the caller holds for this weight and must replace by an empty one when B's contents
     * change. oneDNN computes the exact sums {@code sum_p A[i][p] * B[j][p]} in 32 bits; one pass
     * ({@link Int8Epilogue}) then takes off {@code aZeroPoint * sum_p B[j][p]} (summed once per packing), scales and
     * adds the bias: {@code C[i][j] = (float) (sum_p (A[i][p] - aZeroPoint) * B[j][p]) * scale[j] + bias[j]}.
     *
     * @param bias {@code n} float32 values, or {@link MemorySegment#NULL} for none
     * @throws IllegalArgumentException as {@link #gemmInt8}, or when {@code k > }{@value #MAX_PACKED_K} (the sums
     *                                  could overflow 32 bits)
     */
    public void linearInt8(DnnlDataType aType, int m, int n, int k, MemorySegment a, long aOffset, int lda,
                           int aZeroPoint, MemorySegment b, long bOffset, int ldb, AtomicReference<Object> packed,
                           MemorySegment scales, long scalesOffset, int scaleCount, MemorySegment bias,
                           long biasOffset, MemorySegment c, long cOffset, int ldc) {
        if (aType != DnnlDataType.U8 && aType != DnnlDataType.S8) {
            throw new IllegalArgumentException("aType must be U8 or S8, got " + aType);
        }
        if (scaleCount != 1 && scaleCount != n) {
            throw new IllegalArgumentException("scaleCount must be 1 or n = " + n + ", got " + scaleCount);
        }
        if (k > MAX_PACKED_K) {
            throw new IllegalArgumentException("k must be at most " + MAX_PACKED_K + ", got " + k);
        }
        var operands = new GemmOperands(false, true, m, n, k);
        MemorySegment pa = operands.a(a, aOffset, lda, aType);
        MemorySegment pb = operands.b(b, bOffset, ldb, DnnlDataType.S8);
        operands.c(c, cOffset, ldc, DnnlDataType.F32);
        MemorySegment ps = GemmOperands.slice("scales", scales, scalesOffset, scaleCount, DnnlDataType.F32);
        float[] biasValues = bias.equals(MemorySegment.NULL) ? null
                : GemmOperands.slice("bias", bias, biasOffset, n, DnnlDataType.F32).toArray(JAVA_FLOAT);
        if (m == 0 || n == 0) {
            return;
        }
        float[] scaleValues = new float[n];
        Arrays.fill(scaleValues, ps.getAtIndex(JAVA_FLOAT, 0));
        if (scaleCount == n) {
            MemorySegment.copy(ps, JAVA_FLOAT, 0, scaleValues, 0, n);
        }
        var key = new DnnlMatmulKey(aType, DnnlDataType.S8, DnnlDataType.S32, false, true, m, n, k, lda, ldb, n, 1f, 0f,
                0, false, true);
        lock.readLock().lock();
        try {
            DnnlMatmul matmul = primitive(key, true);
            DnnlStreamContext context = contexts.poll();
            if (context == null) {
                context = new DnnlStreamContext(engine);
            }
            try {
                DnnlPackedWeights weights = packed.get() instanceof DnnlPackedWeights p && p.fits(matmul) ? p : null;
                if (weights == null) {
                    weights = DnnlPackedWeights.pack(engine, context, matmul, pb, n, k, ldb);
                    packed.set(weights);
                }
                MemorySegment acc = context.accumulators((long) m * n * Integer.BYTES);
                matmul.execute(context, pa, weights.data(), acc, MemorySegment.NULL, MemorySegment.NULL, 0);
                Int8Epilogue.apply(acc, m, n, weights.compensation(aZeroPoint), scaleValues, biasValues, c, cOffset,
                        ldc);
            } finally {
                contexts.add(context);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Returns how many primitives are cached (for tests and diagnostics).
     *
     * @return the cache size
     */
    public int cachedPrimitives() {
        lock.readLock().lock();
        try {
            return primitives.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Waits for the calls in flight, then destroys every primitive, stream context and the engine. Idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            clearPrimitives();
            for (DnnlStreamContext context; (context = contexts.poll()) != null; ) {
                context.close();
            }
            dnnl_h.dnnl_engine_destroy(engine);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Runs {@code key}'s primitive; false when it is not cached, the cache is full and {@code mayEvict} is false. */
    private boolean run(DnnlMatmulKey key, MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment bias,
                        MemorySegment scales, int zeroPoint, boolean mayEvict) {
        lock.readLock().lock();
        try {
            DnnlMatmul matmul = primitive(key, mayEvict);
            if (matmul == null) {
                return false;
            }
            DnnlStreamContext context = contexts.poll();
            if (context == null) {
                context = new DnnlStreamContext(engine);
            }
            try {
                matmul.execute(context, a, b, c, bias, scales, zeroPoint);
            } finally {
                contexts.add(context);
            }
            return true;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The cached primitive for {@code key}, created on a miss (the cache emptied first when full, unless
     * {@code mayEvict} is false: then null); called and returns with the read lock held.
     */
    private DnnlMatmul primitive(DnnlMatmulKey key, boolean mayEvict) {
        if (closed) {
            throw new IllegalStateException("DnnlGemm is closed");
        }
        DnnlMatmul cached = primitives.get(key);
        if (cached != null) {
            return cached;
        }
        lock.readLock().unlock();
        lock.writeLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("DnnlGemm is closed");
            }
            DnnlMatmul matmul = primitives.get(key); // another thread may have created it meanwhile
            if (matmul == null) {
                if (primitives.size() >= capacity) {
                    if (!mayEvict) {
                        return null;
                    }
                    clearPrimitives(); // safe: the write lock means no execution is in flight
                }
                matmul = new DnnlMatmul(key, engine);
                primitives.put(key, matmul);
            }
            return matmul;
        } finally {
            lock.readLock().lock(); // downgrade: keep the primitive alive for the caller's execution
            lock.writeLock().unlock();
        }
    }

    private void clearPrimitives() {
        primitives.values().forEach(DnnlMatmul::close);
        primitives.clear();
    }

    /** The process-wide instance; class initialisation makes it lazy and created once. */
    private static final class Shared {
        static final DnnlGemm INSTANCE = create();

        private static DnnlGemm create() {
            try {
                return Dnnl.load().isPresent() ? new DnnlGemm(CACHE_CAPACITY) : null;
            } catch (RuntimeException e) { // never leave the holder class failed: no engine means no fast path
                System.getLogger(DnnlGemm.class.getName()).log(System.Logger.Level.WARNING, "oneDNN engine creation failed", e);
                return null;
            }
        }
    }
}
