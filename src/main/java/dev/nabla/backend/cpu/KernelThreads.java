package dev.nabla.backend.cpu;

import dev.nabla.backend.java.ChunkRunner;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * The {@code cpu} backend's worker threads for element-wise kernels and reductions.
 *
 * <p>Workers are daemon threads blocked on a queue when idle: they park in the kernel and never spin, so an idle
 * pool costs nothing and does not steal a core from other work on a small machine (spinning pools make PyTorch
 * and DL4J several times slower on 2 cores when anything else runs). A call puts its job on the queue for up to
 * {@code threads - 1} workers, then works on it itself. The chunks are dealt out in contiguous shares, one per
 * participant (the caller takes the first), so consecutive calls over the same tensor give each thread the same
 * part of it and its cache stays warm; a participant that finishes its share takes unclaimed chunks of the
 * others', one at a time, so a worker that is slow to wake (a busy core) just ends up doing less. The caller then
 * parks until the chunks in flight finish. Several threads may call at once; each waits only for its own job.
 *
 * <p>The thread count defaults to {@link Runtime#availableProcessors()} and caps OpenBLAS's threads as well
 * (see {@link CpuBackend}).
 */
public final class KernelThreads {
    /** The largest accepted thread count. */
    public static final int MAX_THREADS = 1024;

    private static final LinkedBlockingQueue<Runnable> QUEUE = new LinkedBlockingQueue<>();
    private static final Runnable STOP = () -> { };
    private static final AtomicInteger NAMES = new AtomicInteger();
    private static final int DEFAULT_THREADS = Runtime.getRuntime().availableProcessors();
    private static volatile int threads = DEFAULT_THREADS;
    private static int workers; // guarded by KernelThreads.class

    private static final ChunkRunner RUNNER = new ChunkRunner() {
        @Override
        public int threads() {
            return KernelThreads.threads();
        }

        @Override
        public void run(int chunks, IntConsumer chunk) {
            KernelThreads.run(chunks, chunk);
        }
    };

    private KernelThreads() {
    }

    /**
     * Returns the number of threads a kernel call may use, the caller included.
     *
     * @return at least 1
     */
    public static int threads() {
        return threads;
    }

    /** Whether {@link #setThreads} capped the count below its default, the processor count. */
    static boolean capped() {
        return threads < DEFAULT_THREADS;
    }

    /**
     * Sets the number of threads a kernel call may use, the caller included. Surplus workers exit when next idle;
     * missing ones start on the next parallel call.
     *
     * @param n from 1 (everything on the calling thread) to {@link #MAX_THREADS}
     * @throws IllegalArgumentException if {@code n} is out of range
     */
    public static void setThreads(int n) {
        if (n < 1 || n > MAX_THREADS) {
            throw new IllegalArgumentException("kernel thread count must be in [1, " + MAX_THREADS + "], got " + n);
        }
        synchronized (KernelThreads.class) {
            threads = n;
            for (; workers > n - 1; workers--) {
                QUEUE.add(STOP);
            }
        }
    }

    /**
     * Returns this pool as a {@link ChunkRunner} for {@link dev.nabla.backend.java.JavaKernels}.
     *
     * @return the shared runner
     */
    public static ChunkRunner runner() {
        return RUNNER;
    }

    /**
     * Runs {@code chunk.accept(i)} for every {@code i < chunks} on the calling thread and up to
     * {@code threads() - 1} workers, returning when all are done; the first exception thrown by a chunk is
     * rethrown here after the others finish.
     *
     * @param chunks how many chunks
     * @param chunk  the work of one chunk
     */
    public static void run(int chunks, IntConsumer chunk) {
        int helpers = Math.min(chunks, threads) - 1;
        if (helpers <= 0) {
            for (int i = 0; i < chunks; i++) {
                chunk.accept(i);
            }
            return;
        }
        ensureWorkers();
        Job job = new Job(chunk, chunks, helpers + 1, Thread.currentThread());
        for (int p = 1; p <= helpers; p++) {
            int participant = p;
            QUEUE.add(() -> job.run(participant));
        }
        job.run(0);
        job.await();
    }

    private static synchronized void ensureWorkers() {
        for (; workers < threads - 1; workers++) {
            Thread t = new Thread(KernelThreads::work, "nabla-kernel-" + NAMES.incrementAndGet());
            t.setDaemon(true);
            t.start();
        }
    }

    private static void work() {
        while (true) {
            Runnable r;
            try {
                r = QUEUE.take();
            } catch (InterruptedException e) {
                continue; // nobody interrupts these threads on purpose; keep serving
            }
            if (r == STOP) {
                return;
            }
            r.run();
        }
    }

    /** One call's chunks, in one contiguous share per participant; shares are claimed chunk by chunk. */
    private static final class Job {
        private final IntConsumer body;
        private final Thread caller;
        private final AtomicInteger[] next;
        private final int[] end;
        private final AtomicInteger pending;
        private final AtomicReference<Throwable> error = new AtomicReference<>();

        Job(IntConsumer body, int chunks, int participants, Thread caller) {
            this.body = body;
            this.caller = caller;
            this.pending = new AtomicInteger(chunks);
            next = new AtomicInteger[participants];
            end = new int[participants];
            for (int p = 0; p < participants; p++) {
                next[p] = new AtomicInteger((int) ((long) chunks * p / participants));
                end[p] = (int) ((long) chunks * (p + 1) / participants);
            }
        }

        /** Participant {@code p}: its own share first, then whatever is left of the others'. */
        void run(int p) {
            for (int k = 0; k < next.length; k++) {
                int share = (p + k) % next.length;
                for (int i; (i = next[share].getAndIncrement()) < end[share]; ) {
                    runChunk(i);
                }
            }
        }

        private void runChunk(int i) {
            try {
                body.accept(i);
            } catch (Throwable t) {
                error.compareAndSet(null, t);
            } finally {
                if (pending.decrementAndGet() == 0) {
                    LockSupport.unpark(caller);
                }
            }
        }

        /** Parks the caller until every chunk has finished, then rethrows a chunk's exception. */
        void await() {
            boolean interrupted = false;
            while (pending.get() > 0) {
                LockSupport.park(this);
                interrupted |= Thread.interrupted(); // an interrupt must not turn this wait into a spin
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            Throwable t = error.get();
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("kernel chunk failed", t);
            }
        }
    }
}
