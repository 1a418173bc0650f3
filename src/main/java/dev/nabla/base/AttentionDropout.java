package dev.nabla.base;

/**
 * The keep-or-drop decision of attention dropout for one weight, as a pure function of a seed and the weight's
 * index {@code (batch * L + query) * S + key}: a counter-based generator (SplitMix64's finalizer over the seed and
 * the index), so the fused kernel's backward regenerates the forward's mask instead of storing L x S bits, and the
 * composite path builds the same mask.
 */
public final class AttentionDropout {
    private AttentionDropout() {
    }

    /** True when the weight at {@code index} is kept under drop probability {@code p}. */
    public static boolean keep(long seed, long index, double p) {
        long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53 >= p;
    }
}
