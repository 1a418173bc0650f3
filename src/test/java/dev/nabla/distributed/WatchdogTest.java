package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The watchdog without MPI: a wait that outlives the timeout aborts, a disarmed one never does. */
class WatchdogTest {

    @Test
    void aWaitArmedWhileTheThreadSleepsStillAbortsAtItsDeadline() throws InterruptedException {
        CountDownLatch aborted = new CountDownLatch(1);
        AtomicLong abortedAt = new AtomicLong();
        Watchdog watchdog = new Watchdog(Duration.ofMillis(300), () -> {
            abortedAt.set(System.nanoTime());
            aborted.countDown();
        });
        try {
            Thread.sleep(200); // the thread sleeps one timeout on the empty set: until about 300 ms
            long armedAt = System.nanoTime();
            watchdog.arm(() -> "allReduce on rank 0 of 2");
            assertTrue(aborted.await(5, TimeUnit.SECONDS), "the armed wait never aborted");
            long afterMillis = TimeUnit.NANOSECONDS.toMillis(abortedAt.get() - armedAt);
            assertTrue(afterMillis >= 300 && afterMillis < 2000, "aborted " + afterMillis + " ms after arming");
        } finally {
            watchdog.shutdown();
        }
    }

    @Test
    void disarmedWaitsNeverAbort() throws InterruptedException {
        CountDownLatch aborted = new CountDownLatch(1);
        Watchdog watchdog = new Watchdog(Duration.ofMillis(100), aborted::countDown);
        try {
            for (int i = 0; i < 1000; i++) {
                watchdog.arm(() -> "barrier").disarm();
            }
            Watchdog.Armed last = watchdog.arm(() -> "broadcast");
            Thread.sleep(50);
            last.disarm();
            assertFalse(aborted.await(400, TimeUnit.MILLISECONDS), "a disarmed wait aborted the job");
        } finally {
            watchdog.shutdown();
        }
    }

    @Test
    void shutdownStopsTheThreadWithoutAborting() throws InterruptedException {
        CountDownLatch aborted = new CountDownLatch(1);
        Watchdog watchdog = new Watchdog(Duration.ofMillis(200), aborted::countDown);
        watchdog.arm(() -> "allGather");
        watchdog.shutdown();
        assertFalse(aborted.await(600, TimeUnit.MILLISECONDS), "the watchdog aborted after shutdown");
        assertEquals(0, Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("nabla-mpi-watchdog") && t.isAlive()).count(), "thread still alive");
    }
}
