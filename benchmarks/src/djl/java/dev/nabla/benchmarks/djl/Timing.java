package dev.nabla.benchmarks.djl;

/**
 * COMPARE.md's timing method for harnesses outside JMH.
 *
 * @param samples mean time per operation of each timed repetition, in microseconds
 * @param inner   operations per repetition
 */
record Timing(double[] samples, int inner) {
    private static final long NS_PER_S = 1_000_000_000L;

    /**
     * Warms up (at least 5 operations and 0.5 s, or 2 and 1 s when {@code slowWarmUp}), then times
     * {@code samples} repetitions of {@code inner = max(1, ceil(0.2 s / estimated op time))} back-to-back
     * operations each.
     *
     * @param op         the operation
     * @param slowWarmUp the long warm-up form (step_cnn)
     * @param samples    number of timed repetitions
     * @return the samples and the repetition size
     */
    static Timing measure(Runnable op, boolean slowWarmUp, int samples) {
        int minOps = slowWarmUp ? 2 : 5;
        long minNs = slowWarmUp ? NS_PER_S : NS_PER_S / 2;
        long start = System.nanoTime();
        op.run();
        // The first call pays one-time costs (allocation, lazy init), so the estimate starts after it.
        long afterFirst = System.nanoTime();
        int ops = 1;
        long now = afterFirst;
        while (ops < minOps || now - start < minNs) {
            op.run();
            ops++;
            now = System.nanoTime();
        }
        double estimateNs = Math.max(1.0, (now - afterFirst) / (double) (ops - 1));
        int inner = (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.ceil(0.2 * NS_PER_S / estimateNs)));

        double[] result = new double[samples];
        for (int s = 0; s < samples; s++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < inner; i++) {
                op.run();
            }
            long t1 = System.nanoTime();
            result[s] = (t1 - t0) / 1000.0 / inner;
        }
        return new Timing(result, inner);
    }
}
