package dev.nabla.distributed;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.time.Duration;

/**
 * A job in which the last rank fails while the others wait in an all-reduce (make test-mpi checks that the job ends
 * within seconds, with a non-zero status): {@code throw} — it throws, so its JVM exits without {@code MPI_Finalize}
 * and mpirun ends the job; {@code stall} — it stops calling collectives, so the waiting ranks' watchdog (a 3-second
 * timeout here) aborts the job with a message naming the collective.
 */
public final class MpiFailFastMain {
    private MpiFailFastMain() {
    }

    /**
     * Runs the scenario.
     *
     * @param args {@code throw} or {@code stall}
     * @throws InterruptedException never in practice (the stalled rank is killed)
     */
    public static void main(String[] args) throws InterruptedException {
        ProcessGroup group = ProcessGroup.init(Duration.ofSeconds(3));
        if (group.rank() == group.size() - 1) {
            if (args[0].equals("throw")) {
                throw new IllegalStateException("rank " + group.rank() + " fails on purpose before the all-reduce");
            }
            Thread.sleep(120_000);
        }
        group.allReduce(Tensor.ones(DType.FLOAT32, Device.CPU, 1000), ReduceOp.SUM);
        System.out.println("rank " + group.rank() + ": the all-reduce returned although a rank failed");
        group.close();
    }
}
