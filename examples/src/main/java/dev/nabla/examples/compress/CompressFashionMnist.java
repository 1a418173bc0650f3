package dev.nabla.examples.compress;

import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.data.Batch;
import dev.nabla.data.DataLoader;
import dev.nabla.data.MnistDatasets;
import dev.nabla.data.TensorDataset;
import dev.nabla.examples.cli.Checks;
import dev.nabla.examples.cli.Cli;
import dev.nabla.examples.cli.ProjectVersion;
import dev.nabla.examples.fashion.Models;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ParameterRef;
import dev.nabla.nn.Prune;
import dev.nabla.nn.PruningMethod;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.Optimizer;
import dev.nabla.quantization.Quantization;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Compresses the Fashion-MNIST MLP and CNN ({@code make run-quantize}): trains each in float32 (or loads a
 * {@code make run} checkpoint), then measures test accuracy, model file size and inference throughput of the float32
 * model, its dynamic and static int8 quantizations, and its 50% and 80% magnitude-pruned versions after one epoch of
 * fine-tuning. Prints a markdown table and writes it, with every model file, to the output directory.
 */
@Command(name = "compress-fashion-mnist", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        showDefaultValues = true,
        description = "Quantize and prune Fashion-MNIST models with Nabla; report accuracy, size and speed.")
public final class CompressFashionMnist implements Callable<Integer> {
    @Option(names = "--models", split = ",", converter = ModelName.class, description = "mlp, cnn or both")
    List<String> models = List.of("mlp", "cnn");
    @Option(names = "--epochs", converter = Checks.PositiveInt.class,
            description = "float32 training epochs (default: 8 for mlp, 3 for cnn)")
    Integer epochs;
    @Option(names = "--finetune-epochs", converter = Checks.PositiveInt.class,
            description = "fine-tuning epochs after pruning")
    int finetuneEpochs = 1;
    @Option(names = "--prune", split = ",", converter = PruneAmount.class, description = "pruning amounts: fractions of the weights, in (0, 1)")
    List<Double> pruneAmounts = List.of(0.5, 0.8);
    @Option(names = "--calibration-batches", converter = Checks.PositiveInt.class,
            description = "batches of 128 training images that static quantization's observers see")
    int calibrationBatches = 32;
    @Option(names = "--timing-seconds", converter = Checks.NonNegative.class,
            description = "how long each variant's throughput is timed, after a one-second warm-up")
    double timingSeconds = 3;
    @Option(names = "--seed")
    long seed = 0;
    @Option(names = "--data-dir", converter = Checks.ExistingDirectory.class, description = "directory with the IDX "
            + "files (default: $NABLA_FASHION_MNIST_DIR, /usr/share/datasets/fashion-mnist, or download to the cache)")
    Path dataDir;
    @Option(names = "--output-dir", converter = Checks.OutputDirectory.class)
    Path outputDir = Path.of("runs", "compress");
    @Option(names = "--train-limit", converter = Checks.PositiveInt.class,
            description = "use only the first N training images (quick runs)")
    Integer trainLimit;
    @Option(names = "--test-limit", converter = Checks.PositiveInt.class,
            description = "use only the first N test images (quick runs)")
    Integer testLimit;

    @Spec
    CommandSpec spec;

    private static final Device DEVICE = Device.CPU;

    /** {@code mlp} or {@code cnn}. */
    static final class ModelName implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            if (!value.equals("mlp") && !value.equals("cnn")) {
                throw new CommandLine.TypeConversionException("must be mlp or cnn, got " + value);
            }
            return value;
        }
    }

    /** A fraction of the weights strictly between 0 and 1. */
    static final class PruneAmount implements CommandLine.ITypeConverter<Double> {
        @Override
        public Double convert(String value) {
            double a;
            try {
                a = Double.parseDouble(value);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("not a number: " + value);
            }
            if (!(a > 0 && a < 1)) {
                throw new CommandLine.TypeConversionException("must be in (0, 1), got " + value);
            }
            return a;
        }
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new CompressFashionMnist(), args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Files.createDirectories(outputDir);
        try (MnistDatasets.Splits data = MnistDatasets.fashionMnist(dataDir)) {
            TensorDataset train = trainLimit != null ? MnistDatasets.subset(data.train(), trainLimit) : data.train();
            TensorDataset test = testLimit != null ? MnistDatasets.subset(data.test(), testLimit) : data.test();
            out.printf(Locale.ROOT, "Fashion-MNIST: %d training and %d test images%n", train.size(), test.size());
            Report report = new Report(out);
            out.println(Report.header());
            for (String model : models) {
                compress(model, train, test, report);
            }
            Path table = outputDir.resolve("compression.md");
            report.write(table);
            out.println("report: " + table.toAbsolutePath());
        }
        return 0;
    }

    private Module build(String model) {
        Generator g = new Generator(seed);
        return model.equals("cnn") ? Models.cnn(g) : Models.mlp(g);
    }

    /** A fresh model of the same architecture holding {@code state}. */
    private Module copy(String model, Map<String, Tensor> state) {
        Module net = build(model);
        net.loadStateDict(state);
        return net;
    }

    private void compress(String model, TensorDataset train, TensorDataset test, Report report) throws Exception {
        Generator gen = new Generator(seed + 1);
        DataLoader trainLoader = DataLoader.builder(train).batchSize(128).shuffle(gen.split()).build();
        DataLoader testLoader = DataLoader.builder(test).batchSize(128).build();
        int trainEpochs = epochs != null ? epochs : model.equals("cnn") ? 3 : 8;

        Module original = build(model);
        fit(original, trainLoader, trainEpochs, 1e-3, model + " float32");
        Map<String, Tensor> state = original.stateDict();
        measure(report, model, "float32", original, testLoader, "trained " + trainEpochs + " epochs");

        try (Module dynamic = copy(model, state)) {
            Quantization.quantizeDynamic(dynamic);
            measure(report, model, "int8 dynamic", dynamic, testLoader, "Linear weights int8 per channel");
        }
        // the converted model wraps the copy (PyTorch's QuantWrapper): closing it closes the copy
        try (Module converted = StaticRecipe.quantize(model, copy(model, state), trainLoader, calibrationBatches)) {
            measure(report, model, "int8 static", converted, testLoader,
                    "fused, calibrated on " + calibrationBatches + " batches");
        }
        for (double amount : pruneAmounts) {
            try (Module pruned = copy(model, state)) {
                List<ParameterRef> weights = prunableWeights(pruned);
                Prune.globalUnstructured(weights, PruningMethod.L1, amount);
                double before = Measurement.accuracy(pruned, testLoader, DEVICE);
                fit(pruned, trainLoader, finetuneEpochs, 3e-4, model + " pruned " + amount);
                for (ParameterRef w : weights) {
                    Prune.remove(w.module(), w.name());
                }
                measure(report, model, String.format(Locale.ROOT, "pruned %.0f%%", 100 * amount), pruned, testLoader,
                        String.format(Locale.ROOT, "sparsity %.3f; %.4f before %d fine-tuning epoch(s)",
                                Prune.sparsity(pruned).fraction(), before, finetuneEpochs));
            }
        }
        original.close();
    }

    /** The weights of every Linear and Conv2d layer: what global magnitude pruning ranks together. */
    private static List<ParameterRef> prunableWeights(Module net) {
        List<ParameterRef> out = new ArrayList<>();
        if (net instanceof Linear || net instanceof Conv2d) {
            out.add(new ParameterRef(net, "weight"));
        }
        for (Module child : net.children().values()) {
            out.addAll(prunableWeights(child));
        }
        return out;
    }

    private void measure(Report report, String model, String variant, Module net, DataLoader test, String note)
            throws Exception {
        double accuracy = Measurement.accuracy(net, test, DEVICE);
        double rate = Measurement.throughput(net, test, DEVICE, timingSeconds);
        Path file = outputDir.resolve(model + "-" + variant.replace(' ', '-').replace("%", "") + ".safetensors");
        long bytes = Measurement.save(net, file);
        report.add(new Report.Row(model, variant, accuracy, bytes, rate, note));
    }

    /** {@code epochs} of AdamW at learning rate {@code lr}, batch 128, one summary line per epoch. */
    private void fit(Module net, DataLoader loader, int epochs, double lr, String label) {
        try (Optimizer opt = new AdamW(net.parameters(), lr, 0.01)) {
            for (int epoch = 1; epoch <= epochs; epoch++) {
                net.train();
                double lossSum = 0;
                long seen = 0;
                long start = System.nanoTime();
                for (Batch b : loader) {
                    try (Scope step = Scope.open()) {
                        Tensor loss = F.crossEntropy(net.forward(b.x().to(DEVICE)), b.y().to(DEVICE));
                        opt.zeroGrad();
                        loss.backward();
                        opt.step();
                        lossSum += loss.item() * b.size();
                        seen += b.size();
                    }
                }
                spec.commandLine().getErr().printf(Locale.ROOT, "%s: epoch %d/%d, train loss %.4f (%.1f s)%n", label, epoch, epochs,
                        lossSum / seen, (System.nanoTime() - start) / 1e9);
            }
        }
    }
}
