package dev.nabla.data;

/**
 * The dataset indices a {@link DataLoader} visits in one epoch, like {@code torch.utils.data.Sampler}: set with
 * {@link DataLoader.Builder#sampler}. {@code dev.nabla.distributed.DistributedSampler} is one: each process of a
 * data-parallel job gets its own shard.
 */
public interface Sampler {
    /**
     * The indices of the next epoch, in visiting order; the loader calls this once per epoch (per iterator).
     *
     * @return {@link #length()} indices into the dataset
     */
    long[] epochIndices();

    /**
     * How many indices every epoch has.
     *
     * @return the length of {@link #epochIndices()}
     */
    long length();
}
