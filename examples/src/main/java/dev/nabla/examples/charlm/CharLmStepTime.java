package dev.nabla.examples.charlm;

import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.examples.cli.Checks;
import dev.nabla.examples.cli.Cli;
import dev.nabla.examples.cli.ProjectVersion;
import dev.nabla.optim.AdamW;
import dev.nabla.optim.LRScheduler;
import dev.nabla.optim.Optimizer;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The Nabla side of {@code make bench-lm}: time per training step of {@link CharLm}'s model and step (AdamW, warm-up
 * and cosine schedule, gradient clipping) on random token windows, the sizes of {@code make run-lm}'s defaults. Its
 * twin is {@code benchmarks/python/torch_char_lm.py}; prints {@code nabla: median <ms> ms/step ...}.
 */
@Command(name = "char-lm-step-time", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        showDefaultValues = true, description = "Time training steps of the character transformer.")
public final class CharLmStepTime implements Callable<Integer> {
    private static final CharLm.Options DEFAULTS = CharLm.Options.defaults();

    @Option(names = "--steps", converter = Checks.PositiveInt.class, description = "timed steps")
    int steps = 20;
    @Option(names = "--warmup", description = "untimed steps first (JIT, pool)")
    int warmup = 5;
    @Option(names = "--batch", converter = Checks.PositiveInt.class, description = "windows per step")
    int batch = DEFAULTS.batch();
    @Option(names = "--context", converter = Checks.PositiveInt.class, description = "characters of context")
    int context = DEFAULTS.size().context();
    @Option(names = "--width", converter = Checks.PositiveInt.class, description = "d_model")
    int width = DEFAULTS.size().width();
    @Option(names = "--layers", converter = Checks.PositiveInt.class, description = "transformer layers")
    int layers = DEFAULTS.size().layers();
    @Option(names = "--heads", converter = Checks.PositiveInt.class, description = "attention heads")
    int heads = DEFAULTS.size().heads();
    @Option(names = "--vocab", converter = Checks.PositiveInt.class, description = "tokens (the fortunes have 113)")
    int vocab = 113;
    @Option(names = "--device", converter = Checks.DeviceName.class, description = "cpu, java, cuda or cuda:N")
    Device device = Device.CPU;

    @Override
    public Integer call() {
        var size = new CharTransformer.Size(vocab, context, width, layers, heads, 0);
        Generator g = new Generator(1);
        int[] tokens = new int[Math.max(100_000, context + 1)];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = g.nextInt(vocab);
        }
        var windows = new CharWindows(tokens, context, device);
        try (CharTransformer model = new CharTransformer(size, new Generator(0), device)) {
            Optimizer opt = new AdamW(model.parameters(), DEFAULTS.lr(), DEFAULTS.weightDecay());
            LRScheduler schedule = CharLm.warmupCosine(opt, warmup + steps, 1 + warmup + steps);
            double[] times = new double[steps];
            for (int s = 0; s < warmup + steps; s++) {
                CharWindows.Batch b = windows.random(batch, g);
                long t0 = System.nanoTime();
                CharLm.trainStep(model, opt, schedule, b, DEFAULTS.clip());
                if (s >= warmup) {
                    times[s - warmup] = (System.nanoTime() - t0) / 1e6;
                }
            }
            Arrays.sort(times);
            double median = (times[(steps - 1) / 2] + times[steps / 2]) / 2;
            System.out.printf(Locale.ROOT, "nabla: median %.1f ms/step over %d steps (%s, %,d parameters)%n",
                    median, steps, device, model.parameterCount());
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new CharLmStepTime(), args));
    }
}
