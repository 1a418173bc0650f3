package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.memory.MemoryPool;
import dev.nabla.memory.PoolStats;
import dev.nabla.memory.Storage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Memory stays flat in loops, the pool reuses blocks, released memory is never read, and tensors nobody closes
 * are still released by the collector.
 */
class MemoryTest {

    private static PoolStats stats() {
        return MemoryPool.host().stats();
    }

    /**
     * Lets the collector release whatever earlier tests dropped without closing, so that this test's counters
     * move only because of this test: runs the GC until bytesInUse stops changing (at most ~2 s).
     */
    private static void settle() throws InterruptedException {
        long last = -1;
        for (int i = 0; i < 40; i++) {
            System.gc();
            Thread.sleep(25);
            long now = stats().bytesInUse();
            if (now == last) {
                return;
            }
            last = now;
        }
    }

    @Test
    void aLoopOfScopedStepsKeepsMemoryFlatAndStopsAllocatingNativeMemory() throws InterruptedException {
        settle();
        Tensor x = Scope.detached(() -> Tensor.randn(new Generator(1), 64));
        long before = stats().bytesInUse();
        long liveBefore = stats().liveBlocks();
        long nativeAfterWarmup = -1;
        for (int i = 0; i < 10_000; i++) {
            if (i == 10) {
                nativeAfterWarmup = stats().nativeAllocations();
            }
            try (Scope step = Scope.open()) {
                Tensor y = x.mul(2).add(1).relu().sum();
                if (y.dim() != 0) {
                    fail("sum() must be 0-dimensional");
                }
            }
        }
        assertEquals(before, stats().bytesInUse(), "bytesInUse after 10,000 scoped steps");
        assertEquals(liveBefore, stats().liveBlocks(), "live blocks after 10,000 scoped steps");
        assertEquals(nativeAfterWarmup, stats().nativeAllocations(),
                "native allocations after the first 10 of 10,000 identical steps");
        x.close();
    }

    @Test
    void closingATensorReturnsItsBlockToThePoolForReuse() throws InterruptedException {
        settle();
        try (Scope s = Scope.open()) {
            Tensor warm = Tensor.zeros(1000); // 4000 bytes -> one size class
            warm.close();
            PoolStats before = stats();
            for (int i = 0; i < 100; i++) {
                Tensor t = Tensor.zeros(1000);
                t.close();
            }
            PoolStats after = stats();
            assertEquals(before.nativeAllocations(), after.nativeAllocations(), "the cached block is reused");
            assertEquals(before.cacheHits() + 100, after.cacheHits());
            assertEquals(before.bytesInUse(), after.bytesInUse());
        }
    }

    @Test
    void aClosedTensorNeverReadsItsRecycledBlock() {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.full(1, 257);
            Storage sa = a.storage();
            a.close();
            Tensor b = Tensor.full(2, 257); // most likely the very same block, from the cache
            assertFalse(sa.isAlive());
            assertThrows(IllegalStateException.class, a::toFloatArray);
            assertThrows(IllegalStateException.class, sa::segment, "the storage refuses to hand out its block");
            assertEquals(2 * 257, b.sum().item());
        }
    }

    @Test
    void viewsKeepTheirBlockInUseUntilTheLastOneCloses() throws InterruptedException {
        settle();
        try (Scope s = Scope.open()) {
            long before = stats().bytesInUse();
            Tensor base = Tensor.zeros(10_000);
            long withBase = stats().bytesInUse();
            assertTrue(withBase - before >= 40_000, "a 40 kB tensor is in use");
            Tensor v1 = base.narrow(0, 0, 10);
            Tensor v2 = base.view(100, 100);
            base.close();
            v1.close();
            assertEquals(withBase, stats().bytesInUse(), "v2 still uses the block");
            v2.close();
            assertEquals(before, stats().bytesInUse());
        }
    }

    @Test
    void emptyCacheReturnsCachedBlocksToTheSystem() {
        try (Scope s = Scope.open()) {
            Tensor.zeros(5000).close(); // make sure something is cached
        }
        PoolStats before = stats();
        assertTrue(before.bytesCached() > 0);
        MemoryPool.host().emptyCache();
        PoolStats after = stats();
        assertEquals(0, after.bytesCached());
        assertTrue(after.nativeFrees() > before.nativeFrees(), "nativeFrees grew");
        assertEquals(before.bytesInUse(), after.bytesInUse(), "blocks in use are untouched");
    }

    /** Makes tensors with no scope open and drops them; returns their storages (which do not keep them alive). */
    private static List<Storage> dropUnscopedTensors(int count) {
        List<Storage> storages = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Tensor t = Tensor.zeros(64 * 1024); // 256 kB each
            storages.add(t.storage());
            Tensor v = t.view(256, 256); // a view, also dropped
            storages.add(v.storage());
        }
        return storages;
    }

    @Test
    void tensorsNobodyClosesAreReleasedByTheCollector() throws InterruptedException {
        settle();
        long before = stats().bytesInUse();
        List<Storage> storages = dropUnscopedTensors(40);
        assertTrue(stats().bytesInUse() >= before + 40L * 256 * 1024);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (storages.stream().anyMatch(Storage::isAlive)) {
            if (System.nanoTime() > deadline) {
                long alive = storages.stream().filter(Storage::isAlive).count();
                fail(alive / 2 + " of 40 dropped tensors were not released within 10 s of System.gc()");
            }
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(stats().bytesInUse() <= before, "bytesInUse back to where it was: " + stats().bytesInUse()
                + " > " + before);
    }

    @Test
    void maxCachedBytesZeroFreesEveryReleasedBlock() throws InterruptedException {
        settle();
        MemoryPool pool = MemoryPool.host();
        long saved = pool.maxCachedBytes();
        try (Scope s = Scope.open()) {
            pool.emptyCache();
            pool.setMaxCachedBytes(0);
            PoolStats before = pool.stats();
            Tensor.zeros(3000).close();
            PoolStats after = pool.stats();
            assertEquals(before.nativeFrees() + 1, after.nativeFrees());
            assertEquals(0, after.bytesCached());
        } finally {
            pool.setMaxCachedBytes(saved);
        }
        assertThrows(IllegalArgumentException.class, () -> pool.setMaxCachedBytes(-1));
    }
}
