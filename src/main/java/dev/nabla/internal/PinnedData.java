package dev.nabla.internal;

import dev.nabla.memory.Storage;
import java.lang.foreign.MemorySegment;

/**
 * Not API: a contiguous tensor's elements as one native segment, its storage pinned until {@link #close()}
 * ({@link Internals#pinData}), so another thread closing the tensor meanwhile cannot recycle the memory under a
 * native call.
 *
 * @param segment the elements, {@code numel * element size} bytes
 * @param storage the pinned storage
 */
public record PinnedData(MemorySegment segment, Storage storage) implements AutoCloseable {
    /** Ends the pin. */
    @Override
    public void close() {
        storage.unpin();
    }
}
