package dev.nabla.optim;

import java.util.HashMap;
import java.util.Map;

/** Helpers the optimizers share: PyTorch's default options and its validation messages. */
final class Options {
    private Options() {
    }

    /** {@code base} overridden by {@code given}. */
    static Map<String, Double> merge(Map<String, Double> base, Map<String, Double> given) {
        Map<String, Double> m = new HashMap<>(base);
        m.putAll(given);
        return m;
    }

    /** A 0/1 flag. */
    static double flag(boolean on) {
        return on ? 1.0 : 0.0;
    }

    /**
     * Throws {@code "<optimizer>: invalid <what>: <value>"} (PyTorch's wording) unless option {@code key} is
     * {@code >= 0} (NaN is rejected too).
     */
    static void nonNegative(String optimizer, ParamGroup g, String key, String what) {
        double v = g.get(key);
        if (!(v >= 0)) {
            throw new IllegalArgumentException(optimizer + ": invalid " + what + ": " + v);
        }
    }

    /** Throws unless {@code 0 <= beta < 1}, naming the index as PyTorch does. */
    static void beta(String optimizer, ParamGroup g, String key, int index) {
        double v = g.get(key);
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException(optimizer + ": invalid beta parameter at index " + index + ": " + v
                    + " (expected 0 <= beta < 1)");
        }
    }

    /** Throws unless the 0/1 option {@code key} is 0 or 1. */
    static void isFlag(String optimizer, ParamGroup g, String key) {
        double v = g.get(key);
        if (v != 0 && v != 1) {
            throw new IllegalArgumentException(optimizer + ": option " + key + " is a flag (0 or 1), got " + v);
        }
    }
}
