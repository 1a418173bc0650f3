package dev.nabla.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The caching allocator's size classes and bookkeeping, over a counting fake allocator. */
class MemoryPoolTest {

    /** Hands out auto-arena segments and counts calls; can be told to fail. */
    static final class CountingAllocator implements MemoryPool.Allocator {
        final List<MemorySegment> live = new ArrayList<>();
        int allocations;
        int frees;
        int failuresLeft;

        @Override
        public MemorySegment allocate(long bytes) {
            if (failuresLeft > 0) {
                failuresLeft--;
                throw new OutOfMemoryError("fake device full");
            }
            allocations++;
            MemorySegment s = Arena.ofAuto().allocate(bytes, 64);
            live.add(s);
            return s;
        }

        @Override
        public void free(MemorySegment block) {
            frees++;
            assertTrue(live.remove(block), "freed a block it did not hand out");
        }
    }

    @Test
    void blockSizesCoverTheRequestWithAtMostAQuarterWasted() {
        assertEquals(512, MemoryPool.blockSize(0));
        assertEquals(512, MemoryPool.blockSize(1));
        assertEquals(512, MemoryPool.blockSize(512));
        long prev = 512;
        for (long b = 513; b <= 1 << 18; b++) {
            long s = MemoryPool.blockSize(b);
            assertTrue(s >= b, "block " + s + " for " + b + " bytes");
            assertTrue(s - b <= b / 4.0, "block " + s + " wastes more than 25% of " + b + " bytes");
            assertEquals(0, s % 64, "block " + s + " is not a multiple of the 64-byte alignment");
            assertTrue(s >= prev, "size classes must grow with the request");
            prev = s;
        }
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            long b = r.nextLong(513, 1L << 40);
            long s = MemoryPool.blockSize(b);
            assertTrue(s >= b && s - b <= b / 4.0, "block " + s + " for " + b + " bytes");
            assertEquals(0, s % 64);
        }
    }

    @Test
    void eachBlockSizeHasItsOwnSizeClassIndex() {
        java.util.Map<Integer, Long> seen = new java.util.HashMap<>();
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < 200_000; i++) {
            long b = i < 100_000 ? r.nextLong(0, 1 << 20) : r.nextLong(0, (1L << 62) + 1);
            long s = MemoryPool.blockSize(b);
            int c = MemoryPool.sizeClass(s);
            assertTrue(c >= 0 && c < 4 * 55, "class " + c + " of block " + s);
            Long other = seen.putIfAbsent(c, s);
            assertTrue(other == null || other == s, "blocks " + s + " and " + other + " share class " + c);
        }
        assertEquals(0, MemoryPool.sizeClass(512));
        assertEquals(4 * 53 + 0, MemoryPool.sizeClass(MemoryPool.blockSize(1L << 62)));
        assertThrows(IllegalArgumentException.class, () -> MemoryPool.host().allocate((1L << 62) + 1));
    }

    @Test
    void fewSizeClassesPerPowerOfTwo() {
        java.util.Set<Long> classes = new java.util.HashSet<>();
        for (long b = 1025; b <= 2048; b++) {
            classes.add(MemoryPool.blockSize(b));
        }
        assertEquals(4, classes.size(), "quarter steps between 1 KiB and 2 KiB: " + classes);
    }

    @Test
    void releasedBlocksAreCachedAndReusedBySizeClass() {
        CountingAllocator a = new CountingAllocator();
        MemoryPool pool = new MemoryPool("test", a);
        Storage s1 = pool.allocate(1000);
        MemorySegment block = s1.segment();
        assertEquals(1000, s1.byteSize());
        assertEquals(MemoryPool.blockSize(1000), block.byteSize());
        assertSame(pool, s1.pool());
        s1.release();
        PoolStats st = pool.stats();
        assertEquals(0, st.bytesInUse());
        assertEquals(MemoryPool.blockSize(1000), st.bytesCached());
        assertEquals(0, st.liveBlocks());
        Storage s2 = pool.allocate(1010); // same size class (1024)
        assertSame(block, s2.segment(), "the cached block is handed out again");
        assertEquals(1, a.allocations);
        Storage s3 = pool.allocate(5000); // another class: a native allocation
        assertNotSame(block, s3.segment());
        st = pool.stats();
        assertEquals(3, st.allocations());
        assertEquals(1, st.cacheHits());
        assertEquals(2, st.nativeAllocations());
        assertEquals(2, st.liveBlocks());
        assertEquals(MemoryPool.blockSize(1010) + MemoryPool.blockSize(5000), st.bytesInUse());
        assertEquals(st.bytesInUse(), st.peakBytesInUse());
        s2.release();
        s3.release();
        assertEquals(0, pool.stats().bytesInUse());
        assertEquals(0, a.frees, "released blocks stay cached");
        pool.emptyCache();
        assertEquals(2, a.frees);
        assertEquals(0, pool.stats().bytesCached());
        assertEquals(2, pool.stats().nativeFrees());
        assertTrue(a.live.isEmpty());
    }

    @Test
    void referenceCountingReturnsTheBlockOnlyAfterTheLastRelease() {
        MemoryPool pool = new MemoryPool("test", new CountingAllocator());
        Storage s = pool.allocate(100);
        s.retain();
        s.release();
        assertTrue(s.isAlive());
        assertEquals(512, pool.stats().bytesInUse());
        s.release();
        assertFalse(s.isAlive());
        assertEquals(0, pool.stats().bytesInUse());
        assertThrows(IllegalStateException.class, s::segment);
        assertThrows(IllegalStateException.class, s::retain);
        assertThrows(IllegalStateException.class, s::release, "released more often than retained");
    }

    @Test
    void theCacheLimitSendsBlocksBeyondItBackToTheAllocator() {
        CountingAllocator a = new CountingAllocator();
        MemoryPool pool = new MemoryPool("test", a);
        pool.setMaxCachedBytes(1024);
        Storage x = pool.allocate(1024);
        Storage y = pool.allocate(1024);
        x.release(); // cached: 1024 <= limit
        y.release(); // would exceed the limit: freed
        assertEquals(1, a.frees);
        assertEquals(1024, pool.stats().bytesCached());
        assertEquals(1, pool.stats().nativeFrees());
    }

    @Test
    void anOutOfMemoryErrorEmptiesTheCacheAndRetriesOnce() {
        CountingAllocator a = new CountingAllocator();
        MemoryPool pool = new MemoryPool("test", a);
        pool.allocate(2048).release(); // a cached block of another class
        a.failuresLeft = 1;
        Storage s = pool.allocate(4096);
        assertTrue(s.isAlive());
        assertEquals(1, a.frees, "the cache was emptied before the retry");
        a.failuresLeft = 2;
        long inUse = pool.stats().bytesInUse();
        assertThrows(OutOfMemoryError.class, () -> pool.allocate(8192));
        assertEquals(inUse, pool.stats().bytesInUse(), "a failed allocation is not counted as in use");
        assertEquals(1, pool.stats().liveBlocks());
    }

    @Test
    void negativeRequestsAreRejected() {
        MemoryPool pool = new MemoryPool("test", new CountingAllocator());
        assertThrows(IllegalArgumentException.class, () -> pool.allocate(-1));
        assertThrows(IllegalArgumentException.class, () -> pool.setMaxCachedBytes(-1));
    }

    @Test
    void hostBlocksAreAlignedForVectorLoads() {
        List<Storage> storages = new ArrayList<>();
        for (long bytes : new long[] {1, 513, 4000, 100_000}) {
            Storage s = MemoryPool.host().allocate(bytes);
            storages.add(s);
            assertEquals(0, s.segment().address() % 64, "address of a " + bytes + "-byte block");
        }
        storages.forEach(Storage::release);
    }
}
