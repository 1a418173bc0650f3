package dev.nabla.data;

/**
 * Indexed samples that can be assembled into batches, like {@code torch.utils.data.Dataset} with a batched
 * fetch: {@link DataLoader} asks for whole batches, so a dataset can copy rows in one native pass instead of one
 * call per sample.
 */
public interface Dataset {
    /** Number of samples. */
    long size();

    /**
     * The samples at {@code indices} stacked into one batch (new tensors owned by the caller).
     *
     * @throws IndexOutOfBoundsException for an index outside {@code [0, size())}
     */
    Batch batch(long[] indices);
}
