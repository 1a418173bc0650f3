package dev.nabla.examples.fashion;

import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Grad;
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
import dev.nabla.examples.cli.ProjectVersion;
import dev.nabla.io.SafeTensors;
import dev.nabla.optim.SGD;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Fashion-MNIST MLP of {@link FashionMnistTrain} trained data-parallel on the ranks of an MPI job
 * ({@code make run-ddp NP=2}, or {@code mpirun -np N java ... FashionMnistDdp}): each rank trains on its
 * {@link DistributedSampler} shard with {@code --batch-size} images per step (global batch N times that), gradients
 * averaged by {@link DistributedDataParallel}; the test accuracy is summed over the ranks' shards of the test set.
 * Rank 0 prints and saves the checkpoint. Without mpirun it trains as a single process.
 */
@Command(name = "fashion-mnist-ddp", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        description = "Train the Fashion-MNIST MLP on the ranks of an MPI job (mpirun -np N ...).")
public final class FashionMnistDdp implements Callable<Integer> {
    @Option(names = "--epochs", defaultValue = "3", description = "epochs (default ${DEFAULT-VALUE})")
    int epochs;
    @Option(names = "--batch-size", defaultValue = "64", description = "images per rank and step (default ${DEFAULT-VALUE})")
    int batchSize;
    @Option(names = "--lr", defaultValue = "0.05", description = "SGD learning rate (default ${DEFAULT-VALUE})")
    double lr;
    @Option(names = "--seed", defaultValue = "0", description = "seed shared by all ranks (default ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--train-limit", description = "use only the first N training images")
    Long trainLimit;
    @Option(names = "--test-limit", description = "use only the first N test images")
    Long testLimit;
    @Option(names = "--data-dir", description = "Fashion-MNIST directory (default: the system's or a download)")
    Path dataDir;
    @Option(names = "--output-dir", defaultValue = "fashion-ddp-output", description = "where rank 0 saves the"
            + " checkpoint (default ${DEFAULT-VALUE})")
    Path outputDir;

    /**
     * Runs the program.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(new CommandLine(new FashionMnistDdp()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try (ProcessGroup group = ProcessGroup.init()) {
            boolean lead = group.rank() == 0;
            MnistDatasets.Splits data = MnistDatasets.fashionMnist(dataDir);
            TensorDataset train = trainLimit != null ? MnistDatasets.subset(data.train(), trainLimit) : data.train();
            TensorDataset test = testLimit != null ? MnistDatasets.subset(data.test(), testLimit) : data.test();
            var model = new DistributedDataParallel(Models.mlp(new Generator(seed)), group);
            var opt = new SGD(model.parameters(), lr, 0.9, 0, 5e-4, true);
            var sampler = new DistributedSampler(train.size(), group, true, seed, false);
            DataLoader trainLoader = DataLoader.builder(train).batchSize(batchSize).sampler(sampler).build();
            DataLoader testLoader = DataLoader.builder(test).batchSize(1000)
                    .sampler(new DistributedSampler(test.size(), group, false, seed, true)).build();
            if (lead) {
                System.out.printf(Locale.ROOT, "Fashion-MNIST MLP on %d ranks: %d training images, %d per rank and"
                        + " step (global batch %d)%n", group.size(), train.size(), batchSize, batchSize * group.size());
            }
            double accuracy = Double.NaN;
            for (int epoch = 1; epoch <= epochs; epoch++) {
                long t0 = System.nanoTime();
                sampler.setEpoch(epoch);
                model.train();
                for (Batch b : trainLoader) {
                    try (Scope step = Scope.open()) {
                        Tensor loss = F.crossEntropy(model.forward(b.x()), b.y());
                        opt.zeroGrad();
                        loss.backward();
                        opt.step();
                    }
                }
                accuracy = evaluate(model, testLoader, group);
                if (lead) {
                    System.out.printf(Locale.ROOT, "epoch %d/%d: test accuracy %.4f (%.1f s)%n", epoch, epochs,
                            accuracy, (System.nanoTime() - t0) / 1e9);
                }
            }
            if (lead) { // one writer: every rank holds the same parameters
                Files.createDirectories(outputDir);
                Path file = outputDir.resolve("model.safetensors");
                SafeTensors.save(file, model.module().stateDict(), Map.of("epochs", Integer.toString(epochs)));
                System.out.printf(Locale.ROOT, "checkpoint: %s%nfinal test accuracy: %.4f%n", file.toAbsolutePath(),
                        accuracy);
            }
            model.close();
            data.close();
        }
        return 0;
    }

    /** Correct predictions and images of every rank's test shard, summed over the ranks: the accuracy. */
    private static double evaluate(DistributedDataParallel model, DataLoader loader, ProcessGroup group) {
        model.eval();
        double correct = 0;
        long seen = 0;
        try (Grad off = Grad.disabled()) {
            for (Batch b : loader) {
                try (Scope s = Scope.open()) {
                    correct += model.forward(b.x()).argmax(1, false).eq(b.y()).sum().item();
                    seen += b.size();
                }
            }
        }
        Tensor totals = Tensor.of(new double[] {correct, seen}, 2);
        group.allReduce(totals, ReduceOp.SUM);
        double[] sums = totals.toDoubleArray();
        return sums[0] / sums[1];
    }
}
