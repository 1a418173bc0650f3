package dev.nabla.distributed;

import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Ends the job when a wait for a collective lasts longer than the group's timeout: another rank is stuck or has
 * stopped calling collectives, and without this every other rank would wait forever. One daemon thread per process;
 * each blocking wait arms it and disarms it when the wait returns.
 */
final class Watchdog {
    private final ScheduledThreadPoolExecutor timer;
    private final Duration timeout;
    private final Runnable abort;

    /**
     * @param timeout how long a wait may last
     * @param abort   what to run when one lasts longer (MPI_Abort); it gets the message printed first
     */
    Watchdog(Duration timeout, Runnable abort) {
        this.timeout = timeout;
        this.abort = abort;
        timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "nabla-mpi-watchdog");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // armed and disarmed per call: keep the queue short
    }

    /**
     * Arms the watchdog for one wait.
     *
     * @param what names the collective and the rank, for the message printed before aborting
     * @return the armed timer: cancel it when the wait returns
     */
    Future<?> arm(String what) {
        return timer.schedule(() -> fire(what), timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void fire(String what) {
        // The process is about to end with the whole job: stderr (which mpirun forwards) is the one place that
        // is certain to show why, whatever logging is configured.
        System.err.println("nabla.distributed: " + what + " did not complete within " + timeout.toMillis()
                + " ms: another rank has failed or stopped calling collectives; aborting the job (MPI_Abort)");
        System.err.flush();
        abort.run();
    }

    /** Stops the timer thread. */
    void shutdown() {
        timer.shutdownNow();
    }
}
