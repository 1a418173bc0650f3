package dev.nabla;

/** How a loss combines per-element values, like PyTorch's {@code reduction=} argument. */
public enum Reduction {
    /** The mean (for weighted class losses: the weighted mean). PyTorch's default. */
    MEAN,
    /** The sum. */
    SUM,
    /** No reduction: one loss value per element/sample. */
    NONE
}
