package dev.nabla.nn;

/**
 * Options of {@link Module#loadStateDict(java.util.Map, LoadOptions)}: {@code strict} (PyTorch's: missing and
 * unexpected keys are errors) and what to do about a {@link LossyConversion lossy conversion} into the module's
 * dtypes.
 *
 * <pre>{@code
 * model.loadStateDict(tensors, LoadOptions.DEFAULT.lossy(LossyConversion.FAIL));
 * }</pre>
 *
 * @param strict missing and unexpected keys are errors
 * @param lossyConversion what a conversion that changes a value does
 */
public record LoadOptions(boolean strict, LossyConversion lossyConversion) {
    /**
     * Strict keys; lossy conversions allowed. Allowing is PyTorch's behaviour, and the common case of loading a
     * float64 or float32 checkpoint into a float32 or half-precision model changes nearly every value on purpose.
     */
    public static final LoadOptions DEFAULT = new LoadOptions(true, LossyConversion.ALLOW);

    /** Checks the policy is given. */
    public LoadOptions {
        if (lossyConversion == null) {
            throw new IllegalArgumentException("LoadOptions: lossyConversion must not be null");
        }
    }

    /** These options with {@code strict} changed. */
    public LoadOptions strict(boolean on) {
        return new LoadOptions(on, lossyConversion);
    }

    /** These options with the lossy-conversion policy changed. */
    public LoadOptions lossy(LossyConversion policy) {
        return new LoadOptions(strict, policy);
    }
}
