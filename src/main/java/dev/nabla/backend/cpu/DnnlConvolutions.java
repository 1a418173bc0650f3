package dev.nabla.backend.cpu;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.nabla.bindings.dnnl.dnnl_h;
import dev.nabla.nativelib.Dnnl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * float32 2-D convolutions on the CPU through oneDNN's convolution primitives (forward with bias, backward data,
 * backward weights with bias), JIT-compiled by oneDNN for this CPU's instruction set.
 *
 * <p>A primitive is created once per {@link DnnlConvKey} and cached; at most {@value #CACHE_CAPACITY} are kept, and
 * when a new one would exceed that, all are destroyed and the cache starts again. Calls from any number of threads may
 * run at once: each execution takes a stream and scratchpad from a pool of {@link DnnlStreamContext}s. The
 * {@link #shared()} instance lives as long as the JVM (never closed, as {@link DnnlGemm#shared()}).
 */
final class DnnlConvolutions {
    /** Most primitives kept at once. */
    static final int CACHE_CAPACITY = 256;

    private final MemorySegment engine;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Guarded by {@link #lock}: reads under the read lock, changes under the write lock. */
    private final Map<DnnlConvKey, DnnlConvolution> primitives = new HashMap<>();
    private final ConcurrentLinkedQueue<DnnlStreamContext> contexts = new ConcurrentLinkedQueue<>();
    /** Keys oneDNN has no implementation for: refused once, then declined without asking again. */
    private final Set<DnnlConvKey> refused = ConcurrentHashMap.newKeySet();

    private DnnlConvolutions() {
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment out = temp.allocate(ADDRESS);
            DnnlStatus.check(dnnl_h.dnnl_engine_create(out, dnnl_h.dnnl_cpu(), 0), "dnnl_engine_create(cpu, 0)");
            engine = out.get(ADDRESS, 0);
        }
    }

    /** The process-wide instance, or empty when oneDNN is not loaded ({@link Dnnl#attempts()} says why). */
    static Optional<DnnlConvolutions> shared() {
        return Optional.ofNullable(Shared.INSTANCE);
    }

    /**
     * Runs {@code key}'s primitive over buffers at these native addresses, in {@link DnnlConvolution#execute}'s order.
     *
     * @return false, with nothing written, when oneDNN has no implementation for this convolution on this CPU
     */
    boolean run(DnnlConvKey key, MemorySegment... buffers) {
        if (refused.contains(key)) {
            return false;
        }
        lock.readLock().lock();
        try {
            DnnlConvolution convolution;
            try {
                convolution = primitive(key);
            } catch (UnsupportedOperationException e) {
                refused.add(key);
                return false;
            }
            DnnlStreamContext context = contexts.poll();
            if (context == null) {
                context = new DnnlStreamContext(engine);
            }
            try {
                convolution.execute(context, buffers);
            } finally {
                contexts.add(context);
            }
            return true;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The cached primitive for {@code key}, created on a miss; called and returns with the read lock held. */
    private DnnlConvolution primitive(DnnlConvKey key) {
        DnnlConvolution cached = primitives.get(key);
        if (cached != null) {
            return cached;
        }
        lock.readLock().unlock();
        lock.writeLock().lock();
        try {
            DnnlConvolution convolution = primitives.get(key); // another thread may have created it meanwhile
            if (convolution == null) {
                if (primitives.size() >= CACHE_CAPACITY) { // safe: the write lock means no execution is in flight
                    primitives.values().forEach(DnnlConvolution::close);
                    primitives.clear();
                }
                convolution = new DnnlConvolution(key, engine);
                primitives.put(key, convolution);
            }
            return convolution;
        } finally {
            lock.readLock().lock(); // downgrade: keep the primitive alive for the caller's execution
            lock.writeLock().unlock();
        }
    }

    /** The process-wide instance; class initialisation makes it lazy and created once. */
    private static final class Shared {
        static final DnnlConvolutions INSTANCE = create();

        private static DnnlConvolutions create() {
            try {
                return Dnnl.load().isPresent() ? new DnnlConvolutions() : null;
            } catch (RuntimeException e) { // never leave the holder class failed: no engine means no fast path
                System.getLogger(DnnlConvolutions.class.getName())
                        .log(System.Logger.Level.WARNING, "oneDNN engine creation failed", e);
                return null;
            }
        }
    }
}
