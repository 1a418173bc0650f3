package dev.nabla.memory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A caching allocator: freed blocks go back to a per-size free list, not to the OS, so a training step that
 * allocates the same shapes every iteration performs no native allocation after warm-up.
 *
 * <p>Requests are rounded up to size classes (quarter steps between powers of two, at least 512 bytes), which
 * bounds waste at 25% while letting slightly different sizes share blocks. Free blocks are cached up to
 * {@link #maxCachedBytes()}; beyond it a freed block goes back to the allocator. All methods are thread-safe:
 * data-loader threads and the cleaner thread allocate and free too.
 *
 * <pre>{@code
 * PoolStats before = MemoryPool.host().stats();
 * ... run a step ...
 * long newMallocs = MemoryPool.host().stats().nativeAllocations() - before.nativeAllocations();
 * }</pre>
 */
public final class MemoryPool {
    private static final long MIN_BLOCK = 512;
    private static final MemoryPool HOST = new MemoryPool("host", new HostAllocator());

    /** Where a pool's blocks come from: the host heap, or a device's memory. */
    public interface Allocator {
        /** Allocates {@code bytes} bytes, throwing {@link OutOfMemoryError} when the device is full. */
        MemorySegment allocate(long bytes);

        /** Returns a block obtained from {@link #allocate}. */
        void free(MemorySegment block);
    }

    private static final class HostAllocator implements Allocator {
        @Override
        public MemorySegment allocate(long bytes) {
            return NativeMemory.allocate(bytes);
        }

        @Override
        public void free(MemorySegment block) {
            NativeMemory.free(block);
        }
    }

    private final String name;
    private final Allocator allocator;
    private final Map<Long, ArrayDeque<MemorySegment>> free = new HashMap<>();
    private long maxCachedBytes = 4L << 30;
    private long bytesInUse;
    private long bytesCached;
    private long peakBytesInUse;
    private long allocations;
    private long cacheHits;
    private long nativeAllocations;
    private long nativeFrees;
    private long liveBlocks;

    /** Creates a pool over an allocator; backends create one per device. */
    public MemoryPool(String name, Allocator allocator) {
        this.name = name;
        this.allocator = allocator;
    }

    /** The pool of host (CPU) memory, shared by the {@code cpu} and {@code java} devices. */
    public static MemoryPool host() {
        return HOST;
    }

    /** The pool's name, e.g. {@code host} or {@code cuda:0}. */
    public String name() {
        return name;
    }

    /** The size class a request of {@code bytes} is served from. */
    static long blockSize(long bytes) {
        if (bytes <= MIN_BLOCK) {
            return MIN_BLOCK;
        }
        long high = Long.highestOneBit(bytes);
        long step = high >>> 2;
        return (bytes + step - 1) / step * step;
    }

    /**
     * Hands out a storage of at least {@code bytes} bytes with one reference. Contents are undefined.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Storage allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("allocate: negative size " + bytes);
        }
        long size = blockSize(bytes);
        MemorySegment block;
        synchronized (this) {
            allocations++;
            ArrayDeque<MemorySegment> list = free.get(size);
            block = list == null ? null : list.pollLast();
            if (block != null) {
                cacheHits++;
                bytesCached -= size;
            } else {
                nativeAllocations++;
            }
            bytesInUse += size;
            liveBlocks++;
            peakBytesInUse = Math.max(peakBytesInUse, bytesInUse);
        }
        if (block == null) {
            try {
                block = allocator.allocate(size);
            } catch (OutOfMemoryError e) {
                emptyCache();
                try {
                    block = allocator.allocate(size);
                } catch (OutOfMemoryError again) {
                    synchronized (this) {
                        bytesInUse -= size;
                        liveBlocks--;
                    }
                    throw again;
                }
            }
        }
        return new Storage(this, block, bytes);
    }

    /** Takes back a block from a storage whose last reference was released. */
    void release(MemorySegment block) {
        long size = block.byteSize();
        boolean toAllocator;
        synchronized (this) {
            bytesInUse -= size;
            liveBlocks--;
            toAllocator = bytesCached + size > maxCachedBytes;
            if (toAllocator) {
                nativeFrees++;
            } else {
                free.computeIfAbsent(size, k -> new ArrayDeque<>()).addLast(block);
                bytesCached += size;
            }
        }
        if (toAllocator) {
            allocator.free(block);
        }
    }

    /** Returns every cached free block to the allocator (blocks in use are untouched). */
    public void emptyCache() {
        java.util.List<MemorySegment> blocks = new java.util.ArrayList<>();
        synchronized (this) {
            for (ArrayDeque<MemorySegment> list : free.values()) {
                blocks.addAll(list);
            }
            free.clear();
            nativeFrees += blocks.size();
            bytesCached = 0;
        }
        for (MemorySegment block : blocks) {
            allocator.free(block);
        }
    }

    /** The most bytes of free blocks kept for reuse. */
    public synchronized long maxCachedBytes() {
        return maxCachedBytes;
    }

    /** Sets the most bytes of free blocks kept for reuse; {@code 0} disables caching. */
    public synchronized void setMaxCachedBytes(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("maxCachedBytes must be >= 0, got " + bytes);
        }
        maxCachedBytes = bytes;
    }

    /** Resets {@code peakBytesInUse} to the current use. */
    public synchronized void resetPeak() {
        peakBytesInUse = bytesInUse;
    }

    /** A consistent snapshot of the counters. */
    public synchronized PoolStats stats() {
        return new PoolStats(bytesInUse, bytesCached, peakBytesInUse, allocations, cacheHits, nativeAllocations,
                nativeFrees, liveBlocks);
    }

    @Override
    public String toString() {
        return "MemoryPool[" + name + ", " + stats() + "]";
    }
}
