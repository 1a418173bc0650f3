package dev.nabla.memory;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A reference-counted block of device memory that one or more tensors (a base and its views) look at.
 * The block returns to its {@link MemoryPool} when the last reference is released; after that
 * {@link #segment()} throws instead of exposing memory that another tensor may already be using.
 */
public final class Storage {
    private final MemoryPool pool;
    private final MemorySegment block;
    private final long byteSize;
    private final AtomicInteger refs = new AtomicInteger(1);

    Storage(MemoryPool pool, MemorySegment block, long byteSize) {
        this.pool = pool;
        this.block = block;
        this.byteSize = byteSize;
    }

    /** The memory, valid only while a reference is held. */
    public MemorySegment segment() {
        if (refs.get() <= 0) {
            throw new IllegalStateException("storage used after its memory was released");
        }
        return block;
    }

    /** Bytes requested for this storage (the block may be larger). */
    public long byteSize() {
        return byteSize;
    }

    /** The pool the block came from. */
    public MemoryPool pool() {
        return pool;
    }

    /** True when exactly one tensor references this storage (no views of it are alive). */
    public boolean isExclusive() {
        return refs.get() == 1;
    }

    /** True while at least one reference is held. */
    public boolean isAlive() {
        return refs.get() > 0;
    }

    /** Adds a reference (a new view). */
    public void retain() {
        int before = refs.getAndUpdate(r -> r <= 0 ? r : r + 1);
        if (before <= 0) {
            throw new IllegalStateException("retain: storage already released");
        }
    }

    /** Drops a reference; the last one returns the block to the pool. */
    public void release() {
        int after = refs.decrementAndGet();
        if (after == 0) {
            pool.release(block);
        } else if (after < 0) {
            throw new IllegalStateException("storage released more often than retained");
        }
    }
}
