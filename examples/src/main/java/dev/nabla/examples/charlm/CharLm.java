package dev.nabla.examples.charlm;

import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.examples.cli.Checks;
import dev.nabla.examples.cli.Cli;
import dev.nabla.examples.cli.ProjectVersion;
import dev.nabla.io.SafeTensors;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.ClipGrad;
import dev.nabla.optim.CosineAnnealingLR;
import dev.nabla.optim.LRScheduler;
import dev.nabla.optim.LinearLR;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.SequentialLR;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A character-level language model trained on Debian's fortunes ({@link FortuneCorpus}): a causal
 * {@link CharTransformer} learns to predict each next character from up to {@code context} previous ones. AdamW
 * with a linear warm-up then cosine decay, batches of random windows of the training text, gradient clipping.
 * Every {@code evalEvery} steps it prints the mean training loss since the last report, the validation loss (nats per
 * character) and perplexity on fixed windows of the held-out fortunes, and the tokens per second; at the end it
 * samples text from the model and saves its weights (safetensors, the vocabulary in the metadata).
 *
 * <pre>
 * java ... dev.nabla.examples.charlm.CharLm --steps 1500 --width 128 --layers 4
 * </pre>
 */
public final class CharLm {
    private CharLm() {
    }

    /**
     * What one run does.
     *
     * @param corpusDir    the fortune files
     * @param maxChars     read only the first fortunes up to about this many characters (0: all)
     * @param size         the model (its vocab, any number, is replaced by the corpus's)
     * @param steps        optimizer steps
     * @param batch        windows per step
     * @param lr           peak learning rate
     * @param warmup       steps of linear warm-up (from 1% of lr), then cosine decay to 10% of lr
     * @param weightDecay  AdamW's decoupled weight decay
     * @param clip         gradient norm clipped to this (0: no clipping)
     * @param evalEvery    steps between reports
     * @param evalBatches  validation batches (of {@code batch} fixed windows) per report
     * @param sampleLength characters sampled at the end (0: none)
     * @param temperature  sampling temperature
     * @param topK         sampling from the k most likely characters
     * @param seed         seeds the weights, the batches and the sampling
     * @param device       where tensors live
     * @param checkpoint   where the weights are saved (null: not saved)
     */
    public record Options(Path corpusDir, long maxChars, CharTransformer.Size size, int steps, int batch, double lr,
                          int warmup, double weightDecay, double clip, int evalEvery, int evalBatches,
                          int sampleLength, double temperature, int topK, long seed, Device device, Path checkpoint) {
        public Options {
            if (maxChars < 0 || warmup < 0 || sampleLength < 0 || !(temperature > 0)) {
                throw new IllegalArgumentException("char-lm: max chars, warm-up and sample length must be >= 0 and "
                        + "temperature > 0, got " + maxChars + ", " + warmup + ", " + sampleLength + ", "
                        + temperature);
            }
        }

        /** Defaults that finish in about 10 minutes on the 2-core development machine (README, "Character-level language model"). */
        public static Options defaults() {
            return new Options(FortuneCorpus.DEBIAN_DIR, 0, new CharTransformer.Size(1, 128, 128, 4, 4, 0),
                    2000, 16, 2e-3, 100, 0.01, 1.0, 200, 16, 400, 0.8, 10, 0, Device.CPU,
                    Path.of("runs", "charlm", "charlm.safetensors"));
        }
    }

    /** One report: the step, the mean training loss since the previous one, validation loss, tokens per second. */
    public record Report(int step, double trainLoss, double validationLoss, double tokensPerSecond) {
        /** exp(validation loss): the per-character perplexity. */
        public double perplexity() {
            return Math.exp(validationLoss);
        }
    }

    /**
     * What the run reached.
     *
     * @param vocabulary     the tokens
     * @param initialLoss    validation loss before training
     * @param reports        one per {@code evalEvery} steps, and one after the last step
     * @param sample         text generated at the end
     * @param secondsPerStep mean wall time of a training step (without the validation passes)
     */
    public record Result(CharVocabulary vocabulary, double initialLoss, List<Report> reports, String sample,
                         double secondsPerStep) {
        /** The last report's validation loss. */
        public double finalLoss() {
            return reports.getLast().validationLoss();
        }
    }

    /** Reads the corpus, trains and samples as {@code o} says, logging to {@code log} (null: silent). */
    public static Result run(Options o, PrintStream log) throws IOException {
        FortuneCorpus corpus = FortuneCorpus.read(o.corpusDir, o.maxChars);
        CharVocabulary vocab = CharVocabulary.of(corpus.train());
        CharTransformer.Size s = o.size;
        CharTransformer.Size size = new CharTransformer.Size(vocab.size(), s.context(), s.width(), s.layers(),
                s.heads(), s.dropout());
        CharWindows train = new CharWindows(vocab.encode(corpus.train()), size.context(), o.device);
        CharWindows validation = new CharWindows(vocab.encode(corpus.validation()), size.context(), o.device);
        Generator g = new Generator(o.seed);
        try (CharTransformer model = new CharTransformer(size, g, o.device)) {
            Optimizer opt = new AdamW(model.parameters(), o.lr, o.weightDecay);
            LRScheduler schedule = warmupCosine(opt, o.warmup, o.steps);
            if (log != null) {
                log.printf(Locale.ROOT, "fortunes: %d fortunes, %,d training and %,d validation characters, "
                        + "vocabulary %d%n", corpus.fortunes(), corpus.train().length(), corpus.validation().length(),
                        vocab.size());
                log.printf(Locale.ROOT, "model: %s, %,d parameters; AdamW lr %s (warm-up %d, cosine), batch %d x %d, "
                        + "%d steps, %s%n", size, model.parameterCount(), o.lr, o.warmup, o.batch, size.context(),
                        o.steps, o.device);
            }
            double initial = validationLoss(model, validation, o);
            if (log != null) {
                log.printf(Locale.ROOT, "step %5d  validation loss %.4f (perplexity %.1f)%n", 0, initial,
                        Math.exp(initial));
            }
            List<Report> reports = new ArrayList<>();
            double lossSum = 0;
            int since = 0;
            long trainNanos = 0;
            long windowNanos = 0;
            for (int step = 1; step <= o.steps; step++) {
                long t0 = System.nanoTime();
                lossSum += trainStep(model, opt, schedule, train.random(o.batch, g), o.clip);
                long took = System.nanoTime() - t0;
                trainNanos += took;
                windowNanos += took;
                since++;
                if (step % o.evalEvery == 0 || step == o.steps) {
                    double val = validationLoss(model, validation, o);
                    Report r = new Report(step, lossSum / since, val,
                            (double) since * o.batch * size.context() / (windowNanos / 1e9));
                    reports.add(r);
                    if (log != null) {
                        log.printf(Locale.ROOT, "step %5d  train loss %.4f  validation loss %.4f (perplexity %.2f)  "
                                + "%,.0f tokens/s  lr %.2e%n", step, r.trainLoss(), r.validationLoss(),
                                r.perplexity(), r.tokensPerSecond(), schedule.lastLr()[0]);
                    }
                    lossSum = 0;
                    since = 0;
                    windowNanos = 0;
                }
            }
            String sample = o.sampleLength == 0 ? ""
                    : new CharSampler(model, vocab).sample("", o.sampleLength, o.temperature, o.topK, g);
            if (log != null) {
                log.printf(Locale.ROOT, "%.3f s per training step; sample (temperature %s, top-%d):%n%s%n",
                        trainNanos / 1e9 / o.steps, o.temperature, o.topK, sample);
            }
            if (o.checkpoint != null) {
                save(model, vocab, o.checkpoint);
                if (log != null) {
                    log.println("saved " + o.checkpoint);
                }
            }
            return new Result(vocab, initial, List.copyOf(reports), sample, trainNanos / 1e9 / o.steps);
        }
    }

    /** Linear warm-up from 1% of the learning rate, then cosine decay to 10% of it at the last step. */
    static LRScheduler warmupCosine(Optimizer opt, int warmup, int steps) {
        if (warmup <= 0 || warmup >= steps) {
            return new CosineAnnealingLR(opt, steps, opt.paramGroups().getFirst().lr() * 0.1);
        }
        double eta = opt.paramGroups().getFirst().lr() * 0.1;
        return new SequentialLR(opt, List.of(new LinearLR(opt, 0.01, 1.0, warmup),
                new CosineAnnealingLR(opt, steps - warmup, eta)), warmup);
    }

    /** One optimizer step on {@code b}; returns its loss. */
    static double trainStep(CharTransformer model, Optimizer opt, LRScheduler schedule, CharWindows.Batch b,
                            double clip) {
        try (Scope step = Scope.open()) {
            Tensor loss = loss(model, b);
            opt.zeroGrad();
            loss.backward();
            if (clip > 0) {
                ClipGrad.norm(model.parameters(), clip);
            }
            opt.step();
            schedule.step();
            return loss.item();
        }
    }

    /** Mean cross entropy (nats per character) of the next-character predictions of a batch. */
    static Tensor loss(CharTransformer model, CharWindows.Batch b) {
        Tensor logits = model.forward(b.inputs());
        return F.crossEntropy(logits.reshape(-1, model.size().vocab()), b.targets().reshape(-1));
    }

    /** Mean loss over the fixed validation windows, in eval mode without gradients. */
    static double validationLoss(CharTransformer model, CharWindows validation, Options o) {
        model.eval();
        double sum = 0;
        try (var noGrad = Grad.disabled()) {
            for (int b = 0; b < o.evalBatches; b++) {
                try (Scope s = Scope.open()) {
                    sum += loss(model, validation.fixed(b, o.evalBatches, o.batch)).item();
                }
            }
        } finally {
            model.train();
        }
        return sum / o.evalBatches;
    }

    private static void save(CharTransformer model, CharVocabulary vocab, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        CharTransformer.Size s = model.size();
        SafeTensors.save(file, model.stateDict(), Map.of("vocabulary", vocab.toString(),
                "size", String.format(Locale.ROOT, "context=%d width=%d layers=%d heads=%d", s.context(), s.width(),
                        s.layers(), s.heads())));
    }

    /** The command line: every field of {@link Options} as an option, with the defaults of {@link Options#defaults}. */
    @Command(name = "char-lm", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
            showDefaultValues = true, description = "Train a character-level transformer on Debian's fortunes, "
            + "report validation loss and perplexity, sample text.")
    public static final class Program implements Callable<Integer> {
        private static final Options DEFAULTS = Options.defaults();

        @Option(names = "--corpus-dir", converter = Checks.ExistingDirectory.class,
                description = "the fortune files (apt-get install fortunes)")
        Path corpusDir = DEFAULTS.corpusDir;
        @Option(names = "--max-chars", description = "read about this many characters of the corpus (0: all)")
        long maxChars = DEFAULTS.maxChars;
        @Option(names = "--context", converter = Checks.PositiveInt.class, description = "characters of context")
        int context = DEFAULTS.size.context();
        @Option(names = "--width", converter = Checks.PositiveInt.class, description = "d_model")
        int width = DEFAULTS.size.width();
        @Option(names = "--layers", converter = Checks.PositiveInt.class, description = "transformer layers")
        int layers = DEFAULTS.size.layers();
        @Option(names = "--heads", converter = Checks.PositiveInt.class, description = "attention heads")
        int heads = DEFAULTS.size.heads();
        @Option(names = "--dropout", converter = Checks.Fraction.class, description = "dropout in the layers")
        double dropout = DEFAULTS.size.dropout();
        @Option(names = "--steps", converter = Checks.PositiveInt.class, description = "training steps")
        int steps = DEFAULTS.steps;
        @Option(names = "--batch", converter = Checks.PositiveInt.class, description = "windows per step")
        int batch = DEFAULTS.batch;
        @Option(names = "--lr", converter = Checks.NonNegative.class, description = "peak learning rate")
        double lr = DEFAULTS.lr;
        @Option(names = "--warmup", description = "warm-up steps before the cosine decay")
        int warmup = DEFAULTS.warmup;
        @Option(names = "--weight-decay", converter = Checks.NonNegative.class, description = "AdamW weight decay")
        double weightDecay = DEFAULTS.weightDecay;
        @Option(names = "--clip", converter = Checks.NonNegative.class, description = "max gradient norm (0: off)")
        double clip = DEFAULTS.clip;
        @Option(names = "--eval-every", converter = Checks.PositiveInt.class, description = "steps per report")
        int evalEvery = DEFAULTS.evalEvery;
        @Option(names = "--eval-batches", converter = Checks.PositiveInt.class,
                description = "validation batches per report")
        int evalBatches = DEFAULTS.evalBatches;
        @Option(names = "--sample-length", description = "characters sampled at the end")
        int sampleLength = DEFAULTS.sampleLength;
        @Option(names = "--temperature", converter = Checks.NonNegative.class, description = "sampling temperature")
        double temperature = DEFAULTS.temperature;
        @Option(names = "--top-k", converter = Checks.PositiveInt.class, description = "sample among the k likeliest")
        int topK = DEFAULTS.topK;
        @Option(names = "--seed", description = "seeds weights, batches and sampling")
        long seed = DEFAULTS.seed;
        @Option(names = "--device", converter = Checks.DeviceName.class, description = "cpu, java, cuda or cuda:N")
        Device device = DEFAULTS.device;
        @Option(names = "--checkpoint", description = "safetensors file for the trained weights")
        Path checkpoint = DEFAULTS.checkpoint;

        @Override
        public Integer call() throws IOException {
            run(new Options(corpusDir, maxChars, new CharTransformer.Size(1, context, width, layers, heads, dropout),
                    steps, batch, lr, warmup, weightDecay, clip, evalEvery, evalBatches, sampleLength, temperature,
                    topK, seed, device, checkpoint), System.out);
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new Program(), args));
    }
}
