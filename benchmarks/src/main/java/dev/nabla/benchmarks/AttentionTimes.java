package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * The Nabla side of the attention timing against {@code benchmarks/python/torch_attention.py}: forward + backward
 * (from {@code out.sum()}) of {@link F#scaledDotProductAttention} on the cpu device, float32, q, k, v of shape
 * {@code [batch, heads, seq, dim]}, and of the matmul/softmax composite a user would write, for each sequence length;
 * median of the timed repetitions, each in its own scope, and the peak of the cpu pool's bytes in use above those
 * before the call ({@link Device#memoryStats()}). Prints
 * {@code nabla: seq <L> fused <ms> ms, composite <ms> ms (forward+backward, ...); peak pool fused <MB> MB, composite
 * <MB> MB}.
 * <pre>
 *   java ... dev.nabla.benchmarks.AttentionTimes [SEQS=128,256,512,1024,2048] [REPS=10] [BATCH=4] [HEADS=8]
 *            [DIM=64] [causal]
 * </pre>
 */
public final class AttentionTimes {
    private static final int WARMUP = 3;

    private AttentionTimes() {
    }

    /**
     * Runs the timing.
     *
     * @param args sequence lengths (comma-separated), repetitions, batch, heads, head dim, and {@code causal}
     */
    public static void main(String[] args) {
        int[] seqs = Arrays.stream((args.length > 0 ? args[0] : "128,256,512,1024,2048").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int heads = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        int dim = args.length > 4 ? Integer.parseInt(args[4]) : 64;
        boolean causal = args.length > 5 && args[5].equals("causal");
        if (Arrays.stream(seqs).min().orElse(0) < 1 || Math.min(Math.min(reps, batch), Math.min(heads, dim)) < 1) {
            System.err.println("usage: AttentionTimes [SEQS] [REPS] [BATCH] [HEADS] [DIM] [causal]; all positive");
            System.exit(2);
        }
        for (int n : seqs) {
            Generator g = new Generator(n);
            Tensor[] qkv = new Tensor[3];
            for (int i = 0; i < 3; i++) {
                qkv[i] = Scope.detached(() -> Tensor.normal(g, 0, 1, DType.FLOAT32, Device.CPU, batch, heads, n, dim)
                        .requiresGrad_(true));
            }
            double[] fused = median(reps,
                    () -> F.scaledDotProductAttention(qkv[0], qkv[1], qkv[2], null, 0, causal), qkv);
            double[] composite = median(reps, () -> composite(qkv, causal), qkv);
            System.out.printf(Locale.ROOT, "nabla: seq %d fused %.2f ms, composite %.2f ms (forward+backward, batch %d"
                    + " x %d heads, dim %d%s, %s); peak pool fused %.1f MB, composite %.1f MB%n", n, fused[0],
                    composite[0], batch, heads, dim, causal ? ", causal" : "", Device.CPU, fused[1] / 1e6,
                    composite[1] / 1e6);
            for (Tensor t : qkv) {
                t.close();
            }
        }
    }

    private static Tensor composite(Tensor[] qkv, boolean causal) {
        Tensor s = qkv[0].matmul(qkv[1].transpose(-2, -1)).mul(1 / Math.sqrt(qkv[0].size(-1)));
        if (causal) {
            int n = (int) qkv[0].size(-2);
            double[] above = new double[n * n];
            for (int i = 0; i < n; i++) {
                Arrays.fill(above, i * n + i + 1, (i + 1) * n, Double.NEGATIVE_INFINITY);
            }
            s = s.add(Tensor.of(above, DType.FLOAT32, Device.CPU, n, n));
        }
        return s.softmax(-1).matmul(qkv[2]);
    }

    /** The median milliseconds of the timed repetitions and the largest peak of pool bytes above the start. */
    private static double[] median(int reps, java.util.function.Supplier<Tensor> attention, Tensor[] qkv) {
        double[] ms = new double[reps];
        long peak = 0;
        for (int r = 0; r < WARMUP + reps; r++) {
            Device.CPU.resetPeakMemoryStats();
            long before = Device.CPU.memoryStats().bytesInUse();
            long t0 = System.nanoTime();
            try (Scope s = Scope.open()) {
                attention.get().sum().backward();
            }
            peak = Math.max(peak, Device.CPU.memoryStats().peakBytesInUse() - before);
            for (Tensor t : qkv) {
                t.setGrad(null);
            }
            if (r >= WARMUP) {
                ms[r - WARMUP] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        return new double[] {(ms[(reps - 1) / 2] + ms[reps / 2]) / 2, peak};
    }
}
