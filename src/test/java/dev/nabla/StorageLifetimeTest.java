package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.memory.MemoryPool;
import dev.nabla.memory.PoolStats;
import dev.nabla.memory.Storage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A release on one thread while another thread is inside a kernel on the same memory: the kernel finishes on intact
 * memory (the block goes back to the pool only when the last in-flight use ends) or throws the use-after-close error.
 * It never crashes the JVM and never reads memory that now belongs to another tensor.
 */
class StorageLifetimeTest {
    private final long cacheLimit = MemoryPool.host().maxCachedBytes();

    @AfterEach
    void restorePool() {
        MemoryPool.host().setMaxCachedBytes(cacheLimit);
    }

    @Test
    void aPinnedBlockGoesBackToThePoolOnlyAtTheLastUnpin() {
        MemoryPool pool = MemoryPool.host();
        Storage s = pool.allocate(4096);
        PoolStats before = pool.stats();
        assertTrue(s.pin());
        s.release(); // the last owner leaves while a kernel is in flight
        assertFalse(s.isAlive());
        assertEquals(before.liveBlocks(), pool.stats().liveBlocks(), "the block stays in use while pinned");
        assertFalse(s.pin(), "no new use may start once the owners are gone");
        assertThrows(IllegalStateException.class, s::retain);
        s.segment(); // the in-flight kernel still reaches its memory
        s.unpin();
        assertEquals(before.liveBlocks() - 1, pool.stats().liveBlocks(), "the last unpin returned the block");
        assertThrows(IllegalStateException.class, s::segment);
        assertThrows(IllegalStateException.class, s::unpin, "an unpin without a pin is refused");
    }

    @Test
    void pinningAClosedTensorThrowsTheUseAfterCloseErrorEvenWhileAViewKeepsTheMemory() {
        Tensor base = Scope.detached(() -> Tensor.ones(8));
        Tensor view = base.narrow(0, 2, 4);
        base.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> base.sum());
        assertTrue(e.getMessage().contains("was used after it was closed"), e.getMessage());
        assertEquals(4.0, view.sum().item(), "the view still reads intact memory");
        view.close();
    }

    /**
     * The reported crash: a reader sums a 64 MiB tensor in a loop while the main thread closes it and empties the
     * pool's cache (or, above the cache limit, the block goes straight back to libc). Another thread then allocates
     * same-sized tensors of another value, so a read of recycled memory would show up as a wrong sum.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"emptyCache", "aboveCacheLimit", "recycled"})
    void closingATensorThatAnotherThreadIsSummingNeverCrashesOrReadsRecycledMemory(String mode) throws Exception {
        for (Device device : new Device[] {Device.CPU, Device.JAVA}) {
            for (int round = 0; round < 4; round++) {
                closeWhileSumming(device, mode);
            }
        }
    }

    private void closeWhileSumming(Device device, String mode) throws Exception {
        final int n = 1 << 24;
        if (mode.equals("aboveCacheLimit")) {
            MemoryPool.host().setMaxCachedBytes(1 << 20);
        }
        Tensor t = Scope.detached(() -> Tensor.full(1.0, DType.FLOAT32, device, n));
        AtomicReference<Throwable> wrong = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        CountDownLatch started = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            started.countDown();
            while (true) {
                try (Scope s = Scope.open()) {
                    double v = t.sum().item();
                    reads.incrementAndGet();
                    if (v != n) {
                        wrong.set(new AssertionError("read " + v + " instead of " + n + " from " + t.describe()));
                        return;
                    }
                } catch (IllegalStateException closed) {
                    if (!closed.getMessage().contains("closed") && !closed.getMessage().contains("released")) {
                        wrong.set(closed);
                    }
                    return;
                } catch (Throwable other) {
                    wrong.set(other);
                    return;
                }
            }
        }, "summing-reader");
        reader.start();
        started.await();
        Thread.sleep(3);
        t.close();
        if (mode.equals("emptyCache")) {
            MemoryPool.host().emptyCache();
        }
        // whatever memory the reader might wrongly see next now holds 2.0
        try (Scope s = Scope.open()) {
            for (int i = 0; i < 3 && reader.isAlive(); i++) {
                Tensor.full(2.0, DType.FLOAT32, device, n);
            }
        }
        reader.join(30_000);
        assertFalse(reader.isAlive(), "the reader ended");
        if (wrong.get() != null) {
            fail(device + " " + mode + " after " + reads.get() + " reads", wrong.get());
        }
    }

    @Test
    void concurrentBackwardIntoOneLeafLosesNoGradient() throws Exception {
        for (Device device : new Device[] {Device.CPU, Device.JAVA}) {
            for (int round = 0; round < 20; round++) {
                Tensor w = Scope.detached(() -> Tensor.zeros(DType.FLOAT32, device, 16).requiresGrad_(true));
                int threads = 4;
                int steps = 50;
                CountDownLatch go = new CountDownLatch(1);
                Thread[] ts = new Thread[threads];
                AtomicReference<Throwable> failure = new AtomicReference<>();
                for (int i = 0; i < threads; i++) {
                    ts[i] = new Thread(() -> {
                        try {
                            go.await();
                            for (int k = 0; k < steps; k++) {
                                try (Scope s = Scope.open()) {
                                    w.add(1).sum().backward();
                                }
                            }
                        } catch (Throwable e) {
                            failure.set(e);
                        }
                    });
                    ts[i].start();
                }
                go.countDown();
                for (Thread t : ts) {
                    t.join();
                }
                if (failure.get() != null) {
                    fail(failure.get());
                }
                double[] g = w.grad().toDoubleArray();
                for (double v : g) {
                    assertEquals(threads * steps, v, 0.0, device + " round " + round + ": every backward counted");
                }
                w.setGrad(null);
                w.close();
            }
        }
    }
}
