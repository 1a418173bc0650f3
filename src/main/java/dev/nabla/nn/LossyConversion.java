package dev.nabla.nn;

/**
 * What {@link Module#loadStateDict(java.util.Map, LoadOptions)} does when converting a saved tensor to its
 * parameter's or buffer's dtype changes a value: a float64 that float32 cannot hold exactly, a float with a fraction
 * or out of range going to an integer type, an integer too large for the target.
 */
public enum LossyConversion {
    /** Convert silently, as PyTorch's {@code load_state_dict} does (the default). */
    ALLOW,
    /** Convert, and log a warning per tensor naming the key, both dtypes and the first changed value. */
    WARN,
    /** Refuse the whole load (nothing changes), naming each such key, both dtypes and its first changed value. */
    FAIL
}
