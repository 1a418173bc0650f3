package dev.nabla.backend.java;

import java.util.function.IntConsumer;

/**
 * Runs the independent chunks of one kernel call, perhaps on several threads. {@link JavaKernels} decides how to
 * split a call (only calls large enough to repay the hand-off are split); a runner decides where chunks run.
 * The {@code cpu} backend passes a pool of parked worker threads; {@code null} means run everything on the caller.
 */
public interface ChunkRunner {

    /**
     * Returns how many threads may work on one call, the caller included.
     *
     * @return at least 1
     */
    int threads();

    /**
     * Runs {@code chunk.accept(i)} once for every {@code i} in {@code [0, chunks)}, in any order and possibly
     * concurrently, and returns when all have finished. The calling thread takes part. If a chunk throws, the
     * others still finish and the first exception is rethrown here.
     *
     * @param chunks how many chunks, at least 1
     * @param chunk  the work of one chunk
     */
    void run(int chunks, IntConsumer chunk);
}
