package dev.nabla;

/**
 * A seedable source of random numbers for tensor creation, initialisers, dropout and shuffling, like
 * {@code torch.Generator}. The same seed gives the same sequence on every run and platform, and the full state can
 * be saved and restored ({@link #state()}, {@link #setState}) so a resumed training run continues the same stream.
 * The algorithm is xoshiro256** seeded through SplitMix64; normals use Marsaglia's polar method.
 *
 * <pre>{@code
 * var g = new Generator(42);
 * Tensor w = Tensor.randn(g, 784, 512);
 * }</pre>
 *
 * Methods are synchronized; for parallel streams give each thread its own generator (see {@link #split()}).
 * Activation checkpointing ({@code dev.nabla.nn.ActivationCheckpoint}) replays a function's draws from private
 * copies of the generators it used, leaving the generators themselves untouched.
 */
public final class Generator {
    private static final Generator DEFAULT = new Generator(67280421310721L);

    private final long[] s = new long[4];
    private long seed;
    private boolean hasSpare;
    private double spare;
    /** A stand-in used by a {@link GeneratorTrace} replay: draws from it are never traced again. */
    private boolean replayCopy;

    /** A generator seeded with {@code seed}. */
    public Generator(long seed) {
        manualSeed(seed);
    }

    /** A private copy restarted at {@code state}, for {@link GeneratorTrace#replay()}. */
    static Generator replayCopy(long[] state) {
        Generator copy = new Generator(0);
        copy.setState(state);
        copy.replayCopy = true;
        return copy;
    }

    /** The generator this thread's draw must use: this one, unless a {@link GeneratorTrace} replay stands in. */
    private Generator source() {
        return replayCopy ? this : GeneratorTrace.resolve(this);
    }

    /** The process-wide generator used when none is given (seeded like PyTorch's default, for repeatability). */
    public static Generator global() {
        return DEFAULT;
    }

    /** Restarts the sequence from {@code seed}; returns this. */
    public synchronized Generator manualSeed(long seed) {
        this.seed = seed;
        long x = seed;
        for (int i = 0; i < 4; i++) {
            x += 0x9E3779B97F4A7C15L;
            long z = x;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            s[i] = z ^ (z >>> 31);
        }
        hasSpare = false;
        return this;
    }

    /** The seed last set. */
    public synchronized long initialSeed() {
        return seed;
    }

    /**
     * The complete state: the four xoshiro words, the seed, a flag for a cached normal and that normal's bits.
     * Restoring it with {@link #setState} continues exactly where this generator is.
     */
    public synchronized long[] state() {
        return new long[] {s[0], s[1], s[2], s[3], seed, hasSpare ? 1 : 0, Double.doubleToRawLongBits(spare)};
    }

    /** Restores a state from {@link #state()}. */
    public synchronized void setState(long[] state) {
        if (state == null || state.length != 7 || (state[0] | state[1] | state[2] | state[3]) == 0) {
            throw new IllegalArgumentException("Generator.setState: expected the 7 words returned by state()");
        }
        System.arraycopy(state, 0, s, 0, 4);
        seed = state[4];
        hasSpare = state[5] != 0;
        spare = Double.longBitsToDouble(state[6]);
    }

    private long next() {
        long result = Long.rotateLeft(s[1] * 5, 7) * 9;
        long t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = Long.rotateLeft(s[3], 45);
        return result;
    }

    /** An independent generator seeded from this one's next output. */
    public synchronized Generator split() {
        Generator g = source();
        if (g != this) {
            return g.split();
        }
        return new Generator(next());
    }

    /** Uniform in [0, 1). */
    public synchronized double nextDouble() {
        Generator g = source();
        if (g != this) {
            return g.nextDouble();
        }
        return (next() >>> 11) * 0x1.0p-53;
    }

    /** Standard normal. */
    public synchronized double nextGaussian() {
        Generator g = source();
        if (g != this) {
            return g.nextGaussian();
        }
        return gaussian();
    }

    private double gaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u;
        double v;
        double q;
        do {
            u = 2 * ((next() >>> 11) * 0x1.0p-53) - 1;
            v = 2 * ((next() >>> 11) * 0x1.0p-53) - 1;
            q = u * u + v * v;
        } while (q >= 1 || q == 0);
        double m = Math.sqrt(-2 * Math.log(q) / q);
        spare = v * m;
        hasSpare = true;
        return u * m;
    }

    /** Uniform integer in [0, bound). */
    public synchronized int nextInt(int bound) {
        Generator g = source();
        if (g != this) {
            return g.nextInt(bound);
        }
        if (bound <= 0) {
            throw new IllegalArgumentException("nextInt: bound must be positive, got " + bound);
        }
        // Lemire's multiply-shift with rejection: unbiased.
        long m = ((next() >>> 32) * bound);
        long low = m & 0xFFFFFFFFL;
        if (low < bound) {
            long threshold = (0x100000000L - bound) % bound;
            while (low < threshold) {
                m = (next() >>> 32) * bound;
                low = m & 0xFFFFFFFFL;
            }
        }
        return (int) (m >>> 32);
    }

    /** Uniform 64-bit value. */
    public synchronized long nextLong() {
        Generator g = source();
        if (g != this) {
            return g.nextLong();
        }
        return next();
    }

    /** Fills {@code out} with uniform values in [lo, hi). */
    synchronized void fillUniform(double[] out, double lo, double hi) {
        Generator g = source();
        if (g != this) {
            g.fillUniform(out, lo, hi);
            return;
        }
        double span = hi - lo;
        for (int i = 0; i < out.length; i++) {
            out[i] = lo + span * ((next() >>> 11) * 0x1.0p-53);
        }
    }

    /** Fills {@code out} with normal values of the given mean and standard deviation. */
    synchronized void fillNormal(double[] out, double mean, double std) {
        Generator g = source();
        if (g != this) {
            g.fillNormal(out, mean, std);
            return;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = mean + std * gaussian();
        }
    }
}
