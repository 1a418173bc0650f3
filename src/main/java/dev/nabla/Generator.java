package dev.nabla;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * A seedable source of random numbers for tensor creation, initialisers, dropout and shuffling, like
 * {@code torch.Generator}. The same seed gives the same sequence on every run and platform. Not thread-safe:
 * give each thread its own generator (see {@link #split()}).
 *
 * <pre>{@code
 * var g = new Generator(42);
 * Tensor w = Tensor.randn(g, 784, 512);
 * }</pre>
 */
public final class Generator {
    private static final String ALGORITHM = "L64X128MixRandom";
    private static final Generator DEFAULT = new Generator(67280421310721L);

    private RandomGenerator random;
    private long seed;

    /** A generator seeded with {@code seed}. */
    public Generator(long seed) {
        manualSeed(seed);
    }

    /** The process-wide generator used when none is given (seeded like PyTorch's default, for repeatability). */
    public static Generator global() {
        return DEFAULT;
    }

    /** Restarts the sequence from {@code seed}. */
    public synchronized Generator manualSeed(long seed) {
        this.seed = seed;
        this.random = RandomGeneratorFactory.<RandomGenerator>of(ALGORITHM).create(seed);
        return this;
    }

    /** The seed last set. */
    public synchronized long initialSeed() {
        return seed;
    }

    /** An independent generator derived from this one's next output. */
    public synchronized Generator split() {
        return new Generator(random.nextLong());
    }

    /** Uniform in [0, 1). */
    public synchronized double nextDouble() {
        return random.nextDouble();
    }

    /** Standard normal. */
    public synchronized double nextGaussian() {
        return random.nextGaussian();
    }

    /** Uniform integer in [0, bound). */
    public synchronized int nextInt(int bound) {
        return random.nextInt(bound);
    }

    /** Uniform 64-bit value. */
    public synchronized long nextLong() {
        return random.nextLong();
    }

    /** Fills {@code out} with uniform values in [lo, hi). */
    synchronized void fillUniform(double[] out, double lo, double hi) {
        double span = hi - lo;
        for (int i = 0; i < out.length; i++) {
            out[i] = lo + span * random.nextDouble();
        }
    }

    /** Fills {@code out} with normal values of the given mean and standard deviation. */
    synchronized void fillNormal(double[] out, double mean, double std) {
        for (int i = 0; i < out.length; i++) {
            out[i] = mean + std * random.nextGaussian();
        }
    }
}
