package dev.nabla.data;

import dev.nabla.Tensor;

/**
 * A mini-batch: inputs and targets. Closing it releases both; {@link DataLoader} closes each batch when its
 * iterator advances, so memory use stays flat without any code in the training loop.
 *
 * @param x inputs, batch dimension first
 * @param y targets (e.g. class indices), batch dimension first
 */
public record Batch(Tensor x, Tensor y) implements AutoCloseable {
    /** Number of samples. */
    public long size() {
        return x.size(0);
    }

    @Override
    public void close() {
        x.close();
        y.close();
    }
}
