package dev.nabla.nn;

import java.util.Locale;
import java.util.Map;

/**
 * Zeros in a model's parameters as its layers see them (a pruned {@code weight} is {@code weight_orig * weight_mask}),
 * from {@link Prune#sparsity(Module)}.
 *
 * @param zeros entries equal to zero, over all floating-point parameters
 * @param total entries of those parameters
 * @param byParameter each parameter's fraction of zeros, by dotted name ({@code 0.weight}, not {@code 0.weight_orig})
 */
public record Sparsity(long zeros, long total, Map<String, Double> byParameter) {
    /** Copies the map. */
    public Sparsity {
        byParameter = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(byParameter));
    }

    /** {@code zeros / total}, or 0 for a model without parameters. */
    public double fraction() {
        return total == 0 ? 0 : (double) zeros / total;
    }

    /** {@code sparsity 80.00% (x of y zero); 0.weight 90.00%, ...}. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "sparsity %.2f%% (%d of %d zero)",
                100 * fraction(), zeros, total));
        String sep = "; ";
        for (var e : byParameter.entrySet()) {
            s.append(sep).append(e.getKey()).append(String.format(Locale.ROOT, " %.2f%%", 100 * e.getValue()));
            sep = ", ";
        }
        return s.toString();
    }
}
