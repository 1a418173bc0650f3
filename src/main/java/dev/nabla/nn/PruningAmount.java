package dev.nabla.nn;

/**
 * How much to prune, as PyTorch's {@code amount}: a fraction of the still-unpruned units in {@code [0, 1]} (a Python
 * float, rounded half to even as Python's {@code round}) or an absolute count of units (a Python int).
 */
record PruningAmount(double fraction, long count) {
    /** A fraction in {@code [0, 1]}. */
    static PruningAmount fraction(double amount) {
        if (!(amount >= 0 && amount <= 1)) {
            throw new IllegalArgumentException("amount=" + amount
                    + " should either be a float in the range [0, 1] or a non-negative integer");
        }
        return new PruningAmount(amount, -1);
    }

    /** An absolute count, at least 0. */
    static PruningAmount count(long amount) {
        if (amount < 0) {
            throw new IllegalArgumentException("amount=" + amount
                    + " should either be a float in the range [0, 1] or a non-negative integer");
        }
        return new PruningAmount(Double.NaN, amount);
    }

    /**
     * How many of {@code units} still-unpruned {@code what} (entries, channels) to prune.
     *
     * @throws IllegalArgumentException if an absolute count exceeds {@code units}
     */
    long toPrune(long units, String what) {
        if (count < 0) {
            return (long) Math.rint(fraction * units);
        }
        if (count > units) {
            throw new IllegalArgumentException("amount=" + count + " should be at most the number of " + what
                    + " left to prune=" + units);
        }
        return count;
    }
}
