package dev.nabla.examples.fashion;

import dev.nabla.Autocast;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Nabla;
import dev.nabla.Reduction;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.data.Batch;
import dev.nabla.data.DataLoader;
import dev.nabla.data.MnistDatasets;
import dev.nabla.data.TensorDataset;
import dev.nabla.data.Transforms;
import dev.nabla.examples.cli.Checks;
import dev.nabla.examples.cli.Cli;
import dev.nabla.examples.cli.ProjectVersion;
import dev.nabla.io.Checkpoint;
import dev.nabla.nn.Module;
import dev.nabla.optim.Adam;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.CosineAnnealingLR;
import dev.nabla.optim.GradScaler;
import dev.nabla.optim.LRScheduler;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SGD;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Trains an MLP or a CNN on Fashion-MNIST: the README's main job ({@code make run}). Prints a progress bar per
 * epoch, a line per epoch with train loss, test loss and accuracy, and at the end {@code final test accuracy: ...};
 * leaves a safetensors checkpoint, {@code history.csv} and {@code history.png} in the output directory.
 */
@Command(name = "fashion-mnist", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        showDefaultValues = true, description = "Train a network on Fashion-MNIST with Nabla.")
public final class FashionMnistTrain implements Callable<Integer> {
    /** A non-finite loss: training stops before it saves anything. */
    private static final class Diverged extends RuntimeException {
        Diverged(String message) {
            super(message);
        }
    }

    /** The two networks of {@link Models}. */
    enum Arch {
        MLP, CNN;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The optimizers the program can build. */
    enum OptimizerName {
        SGD, ADAM, ADAMW;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Mixed-precision modes: none (float32), bf16 or fp16 matrix products. */
    enum Amp {
        NONE(null), BF16(DType.BFLOAT16), FP16(DType.FLOAT16);

        @Option(names = "--info", description = "print what Nabla found (versions, backends, native libraries and "
            + "their paths, threads, Vector API) and exit")
    boolean info;

    @Spec
    CommandSpec spec;

    /** The autocast dtype, or null for float32 training. */
        final DType dtype;

        Amp(DType dtype) {
            this.dtype = dtype;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code --model}'s values. */
    static final class ArchChoice extends Checks.Choice<Arch> {
        ArchChoice() {
            super(Arch.class);
        }
    }

    /** {@code --optimizer}'s values. */
    static final class OptimizerChoice extends Checks.Choice<OptimizerName> {
        OptimizerChoice() {
            super(OptimizerName.class);
        }
    }

    /** {@code --amp}'s values. */
    static final class AmpChoice extends Checks.Choice<Amp> {
        AmpChoice() {
            super(Amp.class);
        }
    }

    @Option(names = "--model", converter = ArchChoice.class, description = "${COMPLETION-CANDIDATES}")
    Arch model = Arch.MLP;
    @Option(names = "--epochs", converter = Checks.PositiveInt.class, description = "length of the run in epochs, "
            + "which the cosine schedule spans (default: 15 for mlp, 8 for cnn; when resuming, the checkpoint's). "
            + "With --resume, more epochs than the checkpoint's extend the run to N in all, the cosine schedule "
            + "re-created over the N epochs")
    Integer epochs;
    @Option(names = "--stop-after", converter = Checks.PositiveInt.class,
            description = "stop after this many epochs in this invocation (resume later)")
    Integer stopAfter;
    @Option(names = "--batch-size", converter = Checks.PositiveInt.class)
    int batchSize = 128;
    @Option(names = "--lr", converter = Checks.NonNegative.class,
            description = "learning rate (default: 1e-3 for adam/adamw, 0.05 for sgd)")
    Double lr;
    @Option(names = "--optimizer", converter = OptimizerChoice.class, description = "${COMPLETION-CANDIDATES}")
    OptimizerName optimizer = OptimizerName.ADAMW;
    @Option(names = "--device", converter = Checks.DeviceName.class, description = "cpu, java, cuda or cuda:N")
    Device device = Device.CPU;
    @Option(names = "--seed")
    long seed = 0;
    @Option(names = "--data-dir", converter = Checks.ExistingDirectory.class, description = "directory with the IDX "
            + "files (default: $NABLA_FASHION_MNIST_DIR, /usr/share/datasets/fashion-mnist, or download to the cache)")
    Path dataDir;
    @Option(names = "--output-dir", converter = Checks.OutputDirectory.class)
    Path outputDir = Path.of("runs", "fashion-mnist");
    @Option(names = "--resume", converter = Checks.ReadableFile.class, description = "continue from this checkpoint (model, optimizer, schedule position, history); a finished run "
            + "is left as it is unless --epochs asks for more")
    Path resume;
    @Option(names = "--train-limit", converter = Checks.PositiveInt.class,
            description = "use only the first N training images (quick runs)")
    Integer trainLimit;
    @Option(names = "--test-limit", converter = Checks.PositiveInt.class,
            description = "use only the first N test images (quick runs)")
    Integer testLimit;
    @Option(names = "--augment", description = "random crop (padding 2) and horizontal flip while training")
    boolean augment;
    @Option(names = "--no-progress", description = "no progress display at all")
    boolean noProgress;
    @Option(names = "--progress-seconds", converter = Checks.PositiveInt.class, description = "when the output is "
            + "not a terminal: a plain progress line at most this often during an epoch (a terminal gets a bar)")
    int progressSeconds = 60;
    @Option(names = "--amp", converter = AmpChoice.class, description = "mixed precision: ${COMPLETION-CANDIDATES} (matrix products and "
            + "convolutions in 16 bits under Autocast, weights and losses in float32; fp16 adds dynamic loss scaling)")
    Amp amp = Amp.NONE;

    @Option(names = "--info", description = "print what Nabla found (versions, backends, native libraries and "
            + "their paths, threads, Vector API) and exit")
    boolean info;

    @Spec
    CommandSpec spec;

    /** The autocast dtype, or null for float32 training. */
    private DType ampDtype;
    /** Loss scaling, enabled for fp16 only (bf16 has float32's range). */
    private GradScaler scaler;

    public static void main(String[] args) {
        System.exit(Cli.execute(new FashionMnistTrain(), args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (info) {
            out.print(Nabla.info());
            return 0;
        }
        boolean cnn = model == Arch.CNN;
        ampDtype = amp.dtype;
        scaler = new GradScaler(65536.0, 2.0, 0.5, 2000, ampDtype == DType.FLOAT16);
        Map<String, String> saved = resume != null ? Checkpoint.readExtra(resume) : Map.of();
        int done = Integer.parseInt(saved.getOrDefault("epoch", "0"));
        if (saved.containsKey("model") && !saved.get("model").equals(model.toString())) {
            throw new ParameterException(spec.commandLine(), "--resume: " + resume + " holds a " + saved.get("model")
                    + " model; add --model " + saved.get("model"));
        }
        int totalEpochs = epochs != null ? epochs
                : saved.containsKey("total_epochs") ? Integer.parseInt(saved.get("total_epochs")) : cnn ? 8 : 15;
        if (resume != null && totalEpochs < done) {
            throw new ParameterException(spec.commandLine(), "--epochs " + totalEpochs + " is fewer than the " + done
                    + " epochs " + resume + " has done; give more to extend the run");
        }
        if (resume != null && totalEpochs == done) {
            out.printf("%s: the run has finished (%d of %d epochs); nothing to do, outputs left as they are. "
                    + "To train longer, add --epochs N with N > %d.%n", resume, done, totalEpochs, done);
            return 0;
        }
        Files.createDirectories(outputDir);
        Generator gen = new Generator(seed);

        MnistDatasets.Splits data = MnistDatasets.fashionMnist(dataDir);
        TensorDataset train = trainLimit != null ? MnistDatasets.subset(data.train(), trainLimit) : data.train();
        TensorDataset test = testLimit != null ? MnistDatasets.subset(data.test(), testLimit) : data.test();
        out.printf(Locale.ROOT, "Fashion-MNIST: %d training and %d test images; model %s on %s%s%n",
                train.size(), test.size(), model, device, ampDtype == null ? "" : ", mixed precision " + ampDtype);

        Module net = cnn ? Models.cnn(gen) : Models.mlp(gen);
        net.to(device);
        out.println(net);
        Optimizer opt = optimizer(net);
        LRScheduler schedule = new CosineAnnealingLR(opt, totalEpochs, 0.0);
        History history = new History();
        int startEpoch = 1;
        if (resume != null) {
            Map<String, String> extra = Checkpoint.load(resume, net, opt, null, gen);
            schedule = cosineAfter(opt, totalEpochs, done);
            history = History.fromCsv(extra.getOrDefault("history", History.HEADER + "\n"));
            if (extra.containsKey("grad_scaler.scale")) {
                scaler.loadStateDict(Map.of("scale", Double.parseDouble(extra.get("grad_scaler.scale")),
                        "_growth_tracker", Double.parseDouble(extra.get("grad_scaler._growth_tracker"))));
            }
            startEpoch = done + 1;
            out.printf("resumed from %s after epoch %d of %d%n", resume, done, totalEpochs);
        }
        int lastEpoch = stopAfter != null ? Math.min(totalEpochs, startEpoch - 1 + stopAfter) : totalEpochs;

        var trainBuilder = DataLoader.builder(train).batchSize(batchSize).shuffle(gen.split());
        if (augment) {
            trainBuilder.transform(Transforms.compose(Transforms.randomCrop(2, gen.split()),
                    Transforms.randomHorizontalFlip(0.5, gen.split())));
        }
        DataLoader trainLoader = trainBuilder.build();
        DataLoader testLoader = DataLoader.builder(test).batchSize(1000).build();
        Path checkpoint = outputDir.resolve("checkpoint.safetensors");
        double accuracy = Double.NaN;
        for (int epoch = startEpoch; epoch <= lastEpoch; epoch++) {
            long t0 = System.nanoTime();
            double trainLoss;
            double[] eval;
            try {
                trainLoss = trainEpoch(net, opt, trainLoader, epoch, totalEpochs);
                eval = evaluate(net, testLoader, epoch);
            } catch (Diverged e) {
                boolean savedOne = epoch > startEpoch;
                spec.commandLine().getErr().printf(Locale.ROOT, "%s: training stopped: %s; the learning rate "
                        + "(%s) is probably too high. %s%n", spec.name(), e.getMessage(), opt.paramGroups().get(0).lr(),
                        savedOne ? "The last good checkpoint is " + checkpoint + " (epoch " + (epoch - 1) + ")."
                        : resume != null ? "The last good checkpoint is " + resume + " (epoch " + done + ")."
                        : "No checkpoint was written.");
                return 1;
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            schedule.step();
            accuracy = eval[1];
            double rate = train.size() / seconds;
            history.add(new History.Epoch(epoch, trainLoss, eval[0], accuracy, seconds, rate));
            out.printf(Locale.ROOT,
                    "epoch %d/%d: train loss %.4f, test loss %.4f, test accuracy %.4f (%.1f s, %.0f img/s)%n",
                    epoch, totalEpochs, trainLoss, eval[0], accuracy, seconds, rate);
            Map<String, String> extra = new LinkedHashMap<>(Map.of("epoch", Integer.toString(epoch),
                    "total_epochs", Integer.toString(totalEpochs), "model", model.toString(), "history", history.toCsv()));
            scaler.stateDict().forEach((k, v) -> extra.put("grad_scaler." + k, Double.toString(v)));
            Checkpoint.save(checkpoint, net, opt, schedule, gen, extra);
        }
        Path csv = outputDir.resolve("history.csv");
        Path png = outputDir.resolve("history.png");
        history.writeCsv(csv);
        history.writeChart(png, "Fashion-MNIST " + model + " (Nabla, " + device + ")");
        out.println("checkpoint: " + checkpoint.toAbsolutePath());
        out.println("history:    " + csv.toAbsolutePath());
        out.println("chart:      " + png.toAbsolutePath());
        out.println("memory:     " + Device.CPU.memoryStats());
        out.printf(Locale.ROOT, "final test accuracy: %.4f%n", accuracy);
        opt.close();
        net.close();
        data.close();
        return 0;
    }

    /**
     * The cosine schedule over {@code totalEpochs} epochs as it stands after {@code done} of them: re-created rather
     * than loaded, so that a resumed run with more epochs anneals over the new length (a loaded schedule would have
     * ended at lr 0). Stepping from the base lr gives exactly the values an uninterrupted run had.
     */
    private static LRScheduler cosineAfter(Optimizer opt, int totalEpochs, int done) {
        // a schedule starts from the groups' current lr, which the checkpoint left where the old schedule was
        opt.paramGroups().forEach(g -> g.setLr(g.get("initial_lr")));
        LRScheduler schedule = new CosineAnnealingLR(opt, totalEpochs, 0.0);
        for (int i = 0; i < done; i++) {
            schedule.step();
        }
        return schedule;
    }

    private Optimizer optimizer(Module net) {
        return switch (optimizer) {
            case SGD -> new SGD(net.parameters(), lr != null ? lr : 0.05, 0.9, 0, 5e-4, true);
            case ADAM -> new Adam(net.parameters(), lr != null ? lr : 1e-3);
            case ADAMW -> new AdamW(net.parameters(), lr != null ? lr : 1e-3, 0.01);
        };
    }

    /** One pass over the training data; returns the mean training loss. */
    private double trainEpoch(Module net, Optimizer opt, DataLoader loader, int epoch, int total) {
        net.train();
        double lossSum = 0;
        long seen = 0;
        String task = String.format(Locale.ROOT, "epoch %d/%d", epoch, total);
        try (Progress progress = noProgress ? Progress.NONE : Progress.start(task, loader.dataset().size(),
                Progress.onTerminal(), spec.commandLine().getErr(), progressSeconds)) {
            for (Batch b : loader) {
                try (Scope step = Scope.open()) {
                    Tensor x = b.x().to(device);
                    Tensor y = b.y().to(device);
                    Tensor loss;
                    try (Autocast region = autocast()) {
                        loss = F.crossEntropy(net.forward(x), y);
                    }
                    opt.zeroGrad();
                    scaler.scale(loss).backward();
                    scaler.step(opt);
                    scaler.update();
                    double value = loss.item();
                    if (!Double.isFinite(value)) {
                        throw new Diverged("the training loss became " + value + " in epoch " + epoch + " after "
                                + seen + " images");
                    }
                    lossSum += value * b.size();
                    seen += b.size();
                }
                progress.step(b.size(), lossSum / seen);
            }
        }
        return lossSum / seen;
    }

    /** An autocast region in the --amp dtype, or a region with autocast off. */
    private Autocast autocast() {
        return ampDtype == null ? Autocast.disable() : Autocast.enable(ampDtype);
    }

    /** Mean loss and accuracy on {@code loader}, in evaluation mode without recording a graph. */
    private double[] evaluate(Module net, DataLoader loader, int epoch) {
        net.eval();
        double lossSum = 0;
        double correct = 0;
        long seen = 0;
        try (Grad off = Grad.disabled()) {
            for (Batch b : loader) {
                try (Scope s = Scope.open()) {
                    Tensor y = b.y().to(device);
                    Tensor logits;
                    try (Autocast region = autocast()) {
                        logits = net.forward(b.x().to(device));
                    }
                    lossSum += F.crossEntropy(logits, y, null, Reduction.SUM, 0).item();
                    correct += logits.argmax(1, false).eq(y).sum().item();
                    seen += b.size();
                }
            }
        }
        if (!Double.isFinite(lossSum)) {
            throw new Diverged("the test loss became " + lossSum / seen + " after epoch " + epoch);
        }
        return new double[] {lossSum / seen, correct / seen};
    }
}
