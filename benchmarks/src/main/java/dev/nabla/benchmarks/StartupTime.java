package dev.nabla.benchmarks;

import dev.nabla.Device;
import dev.nabla.benchmarks.Workloads.Workload;
import java.time.Instant;

/**
 * The program {@code make bench-startup} times from outside: it builds the seed network's training step on the
 * {@code DEVICE} (default {@code cpu}; {@link Workloads#build}: the tutorial network, its optimizer and a batch), runs {@code STEPS}
 * steps (default 1), and prints the wall clock at the end of the first one as {@code first-step-done <epoch ns>}, so
 * the caller can subtract the time it launched {@code java}. More steps serve as the training run that records a JDK
 * AOT cache.
 * <pre>
 *   java ... dev.nabla.benchmarks.StartupTime [STEPS=1] [DEVICE=cpu]
 * </pre>
 */
public final class StartupTime {
    private StartupTime() {
    }

    /**
     * Runs the steps.
     *
     * @param args the number of steps (positive) and the device
     */
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        if (steps < 1) {
            System.err.println("usage: StartupTime [STEPS] [DEVICE]; STEPS positive");
            System.exit(2);
        }
        Device device = args.length > 1 ? Device.parse(args[1]) : Device.CPU;
        try (Workloads.TrainingStep step = Workloads.build(Workload.SEED, device)) {
            step.step();
            Instant done = Instant.now();
            for (int i = 1; i < steps; i++) {
                step.step();
            }
            System.out.println("first-step-done " + (done.getEpochSecond() * 1_000_000_000L + done.getNano()));
        }
    }
}
