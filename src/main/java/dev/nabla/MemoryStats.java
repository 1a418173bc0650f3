package dev.nabla;

import dev.nabla.memory.PoolStats;

/**
 * A snapshot of a device's caching memory pool ({@link Device#memoryStats()}). After warm-up a training step
 * allocates only from the cache: {@code nativeAllocations} stays flat while {@code cacheHits} grows.
 *
 * @param bytesInUse        bytes held by live tensors (rounded up to the pool's block sizes)
 * @param bytesCached       bytes of free blocks kept for reuse
 * @param peakBytesInUse    the high-water mark of {@code bytesInUse} since the last {@link Device#resetPeakMemoryStats()}
 * @param allocations       blocks handed out (cache hits plus native allocations)
 * @param cacheHits         allocations served from the cache, without a native call
 * @param nativeAllocations calls to the native allocator
 * @param nativeFrees       blocks returned to the native allocator ({@link Device#emptyCache()}, or a release beyond
 *                          the cache's cap)
 * @param liveBlocks        blocks currently held by tensors
 */
public record MemoryStats(long bytesInUse, long bytesCached, long peakBytesInUse, long allocations, long cacheHits,
                          long nativeAllocations, long nativeFrees, long liveBlocks) {

    static MemoryStats of(PoolStats p) {
        return new MemoryStats(p.bytesInUse(), p.bytesCached(), p.peakBytesInUse(), p.allocations(), p.cacheHits(),
                p.nativeAllocations(), p.nativeFrees(), p.liveBlocks());
    }
}
