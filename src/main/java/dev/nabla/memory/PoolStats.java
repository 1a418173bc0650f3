package dev.nabla.memory;

/**
 * A snapshot of a {@link MemoryPool}'s counters.
 *
 * @param bytesInUse      bytes held by live storages (rounded up to the pool's block sizes)
 * @param bytesCached     bytes of free blocks kept for reuse
 * @param peakBytesInUse  the high-water mark of {@code bytesInUse} since the last {@link MemoryPool#resetPeak()}
 * @param allocations     blocks handed out (cache hits plus native allocations)
 * @param cacheHits       allocations served from the cache, without a native call
 * @param nativeAllocations calls to the native allocator
 * @param nativeFrees     blocks returned to the native allocator (by {@link MemoryPool#emptyCache()}, or on release
 *                        when the cache already holds {@link MemoryPool#maxCachedBytes()})
 * @param liveBlocks      blocks currently held by storages
 */
public record PoolStats(long bytesInUse, long bytesCached, long peakBytesInUse, long allocations, long cacheHits,
                        long nativeAllocations, long nativeFrees, long liveBlocks) {
}
