package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.data.Batch;
import dev.nabla.data.DataLoader;
import dev.nabla.data.MnistDatasets;
import dev.nabla.data.TensorDataset;
import dev.nabla.distributed.DistributedDataParallel;
import dev.nabla.distributed.DistributedSampler;
import dev.nabla.distributed.ProcessGroup;
import dev.nabla.distributed.ReduceOp;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.SGD;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Times training epochs of the Fashion-MNIST MLP of {@code make run-ddp} (784-512-256-10, ReLU, dropout 0.2, SGD with
 * Nesterov momentum) over the full training set: under {@code mpirun} data-parallel on the job's ranks with
 * {@link DistributedDataParallel}, otherwise as one plain process (no DDP wrapper), so that {@code make bench-ddp}
 * compares 2 ranks at batch B per rank with one process at batch 2B and with {@code benchmarks/python/torch_ddp_step.py}
 * (PyTorch DDP, gloo). An epoch is every step of the rank's {@link DistributedSampler} shard, data loading included;
 * the first epoch is warm-up (JIT), the result is the best of the later ones, the slowest rank's time.
 * <pre>
 *   [mpirun -np 2] java ... dev.nabla.benchmarks.DdpStepBench BATCH_PER_RANK EPOCHS [DATA_DIR]
 * </pre>
 * Rank 0 prints {@code ddp impl=nabla ranks=2 batch=128 threads=1 steps=235 epoch_s=2.50 step_ms=10.6
 * epochs_s=3.1,2.5,2.6}.
 */
public final class DdpStepBench {
    private DdpStepBench() {
    }

    /**
     * Runs the benchmark.
     *
     * @param args images per rank and step, epochs (at least 2: the first is warm-up), optionally the data directory
     * @throws IOException when Fashion-MNIST cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: [mpirun -np N] java ... dev.nabla.benchmarks.DdpStepBench BATCH_PER_RANK EPOCHS"
                    + " [DATA_DIR]");
            System.exit(2);
        }
        int batch = Integer.parseInt(args[0]);
        int epochs = Integer.parseInt(args[1]);
        if (batch < 1 || epochs < 2) {
            throw new IllegalArgumentException("BATCH_PER_RANK must be >= 1 and EPOCHS >= 2 (the first is warm-up), got "
                    + batch + " and " + epochs);
        }
        Path dataDir = args.length == 3 ? Path.of(args[2]) : null;
        try (ProcessGroup group = ProcessGroup.init(); MnistDatasets.Splits data = MnistDatasets.fashionMnist(dataDir)) {
            TensorDataset train = data.train();
            Generator g = new Generator(0);
            Module mlp = mlp(g);
            DistributedDataParallel ddp = group.size() > 1 ? new DistributedDataParallel(mlp, group) : null;
            Module model = ddp != null ? ddp : mlp;
            var opt = new SGD(model.parameters(), 0.05, 0.9, 0, 5e-4, true);
            var sampler = new DistributedSampler(train.size(), group, true, 0, false);
            DataLoader loader = DataLoader.builder(train).batchSize(batch).sampler(sampler).build();
            model.train();
            double[] seconds = new double[epochs];
            long steps = 0;
            for (int epoch = 0; epoch < epochs; epoch++) {
                sampler.setEpoch(epoch);
                steps = 0;
                group.barrier();
                long t0 = System.nanoTime();
                for (Batch b : loader) {
                    try (Scope step = Scope.open()) {
                        Tensor loss = F.crossEntropy(model.forward(b.x()), b.y());
                        opt.zeroGrad();
                        loss.backward();
                        opt.step();
                    }
                    steps++;
                }
                seconds[epoch] = slowestRank(group, (System.nanoTime() - t0) / 1e9);
            }
            if (group.rank() == 0) {
                double best = Arrays.stream(seconds, 1, epochs).min().orElseThrow();
                StringBuilder all = new StringBuilder();
                for (double s : seconds) {
                    all.append(all.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%.3f", s));
                }
                System.out.printf(Locale.ROOT, "ddp impl=nabla ranks=%d batch=%d threads=%d steps=%d epoch_s=%.3f"
                        + " step_ms=%.2f epochs_s=%s%n", group.size(), batch, Runtime.getRuntime().availableProcessors(),
                        steps, best, best * 1e3 / steps, all);
            }
            if (ddp != null) {
                ddp.close();
            }
        }
    }

    /** The MLP of the examples' {@code Models.mlp}, which the benchmarks cannot depend on. */
    private static Module mlp(Generator g) {
        return new Sequential(
                new Flatten(),
                new Linear(784, 512, true, g, DType.FLOAT32, Device.CPU), new ReLU(), new Dropout(0.2, g.split()),
                new Linear(512, 256, true, g, DType.FLOAT32, Device.CPU), new ReLU(), new Dropout(0.2, g.split()),
                new Linear(256, 10, true, g, DType.FLOAT32, Device.CPU));
    }

    private static double slowestRank(ProcessGroup group, double value) {
        try (Scope scope = Scope.open()) {
            Tensor t = Tensor.of(new double[] {value}, 1);
            group.allReduce(t, ReduceOp.MAX);
            return t.toDoubleArray()[0];
        }
    }
}
