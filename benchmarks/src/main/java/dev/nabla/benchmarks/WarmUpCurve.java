package dev.nabla.benchmarks;

import dev.nabla.Device;
import dev.nabla.benchmarks.Workloads.TrainingStep;
import dev.nabla.benchmarks.Workloads.Workload;
import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * How fast a fresh JVM trains: {@code EPOCHS} epochs of {@code STEPS} training steps of a {@link Workloads} workload on
 * one batch (no data loading, so the curve is the JIT's and the native libraries' first use alone), timed per epoch,
 * with the first epoch split into steps 1, 2-10, 11-50 and the rest. Prints the first epoch's throughput relative to
 * the median of the later ones ({@code make bench-warmup}; 1.0 would mean no warm-up cost).
 * <pre>
 *   java ... dev.nabla.benchmarks.WarmUpCurve [STEPS=469] [EPOCHS=3] [WORKLOAD=mlp] [DEVICE=cpu]
 * </pre>
 * 469 steps of batch 128 are one epoch of Fashion-MNIST's 60,000 training images.
 */
public final class WarmUpCurve {
    private WarmUpCurve() {
    }

    /**
     * Runs the epochs and prints the curve.
     *
     * @param args steps per epoch and epochs (positive; at least 2 epochs), the workload and the device
     */
    public static void main(String[] args) {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 469;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Workload workload = args.length > 2 ? Workload.parse(args[2]) : Workload.MLP;
        Device device = args.length > 3 ? Device.parse(args[3]) : Device.CPU;
        if (steps < 1 || epochs < 2) {
            System.err.println("usage: WarmUpCurve [STEPS >= 1] [EPOCHS >= 2] [WORKLOAD] [DEVICE]");
            System.exit(2);
        }
        long buildStart = System.nanoTime();
        try (TrainingStep step = Workloads.build(workload, device)) {
            System.out.printf("%s on %s: JVM up %d ms at the first step, the workload built in %.0f ms%n",
                    workload.compareName(), device, ManagementFactory.getRuntimeMXBean().getUptime(),
                    ms(System.nanoTime() - buildStart));
            double[] epochMs = new double[epochs];
            for (int e = 0; e < epochs; e++) {
                long start = System.nanoTime();
                long mark = start;
                int phaseStart = 1;
                StringBuilder phases = new StringBuilder();
                for (int i = 1; i <= steps; i++) {
                    step.step();
                    if (e == 0 && (i == 1 || i == 10 || i == 50 || i == steps)) {
                        long now = System.nanoTime();
                        String range = phaseStart == i ? Integer.toString(i) : phaseStart + "-" + i;
                        phases.append(String.format(" steps %s: %.0f ms;", range, ms(now - mark)));
                        mark = now;
                        phaseStart = i + 1;
                    }
                }
                epochMs[e] = ms(System.nanoTime() - start);
                System.out.printf("epoch %d: %.0f ms (%.2f ms per step)%s%n", e + 1, epochMs[e], epochMs[e] / steps,
                        phases);
            }
            double[] later = Arrays.copyOfRange(epochMs, 1, epochs);
            Arrays.sort(later);
            double steady = later.length % 2 == 1 ? later[later.length / 2]
                    : (later[later.length / 2 - 1] + later[later.length / 2]) / 2;
            System.out.printf("warm-up: the first epoch ran at %.2fx the throughput of the later ones (median %.0f ms)%n",
                    steady / epochMs[0], steady);
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
