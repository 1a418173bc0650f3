package dev.nabla.memory;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

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
    /** Four size classes per power of two from 2^9 (MIN_BLOCK) to 2^63. */
    private static final int SIZE_CLASSES = 4 * (64 - 9);
    /** The largest request: its size class still fits a long. */
    private static final long MAX_BYTES = 1L << 62;
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
    /** Free blocks per size class ({@link #sizeClass}): an array, so the hot path neither boxes nor hashes. */
    @SuppressWarnings("unchecked")
    private final ArrayDeque<MemorySegment>[] free = new ArrayDeque[SIZE_CLASSES];
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
        int shift = 61 - Long.numberOfLeadingZeros(bytes); // log2 of a quarter of the highest power of two
        return ((bytes - 1) >>> shift) + 1 << shift; // bytes rounded up to a multiple of that quarter
    }

    /**
     * The index of a size class: a block size {@code 2^e * (1 + q/4)} ({@link #blockSize} makes no other) is class
     * {@code 4 * (e - 9) + q}.
     */
    static int sizeClass(long blockSize) {
        int e = 63 - Long.numberOfLeadingZeros(blockSize);
        int q = (int) (blockSize >>> (e - 2)) & 3;
        return 4 * (e - 9) + q;
    }

    /**
     * Hands out a storage of at least {@code bytes} bytes with one reference. Contents are undefined.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public Storage allocate(long bytes) {
        if (bytes < 0 || bytes > MAX_BYTES) {
            throw new IllegalArgumentException("allocate: " + bytes + " bytes is "
                    + (bytes < 0 ? "a negative size" : "more than any device holds (at most 2^62)"));
        }
        long size = blockSize(bytes);
        MemorySegment block;
        synchronized (this) {
            allocations++;
            ArrayDeque<MemorySegment> list = free[sizeClass(size)];
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
                int c = sizeClass(size);
                if (free[c] == null) {
                    free[c] = new ArrayDeque<>();
                }
                free[c].addLast(block);
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
            for (ArrayDeque<MemorySegment> list : free) {
                if (list != null) {
                    blocks.addAll(list);
                    list.clear();
                }
            }
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
