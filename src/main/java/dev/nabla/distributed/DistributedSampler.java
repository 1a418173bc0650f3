package dev.nabla.distributed;

import dev.nabla.Generator;
import dev.nabla.data.Sampler;

/**
 * Each rank's shard of a dataset, like {@code torch.utils.data.DistributedSampler}: with {@link #setEpoch} called
 * before every epoch, all ranks draw the same permutation (from {@code seed + epoch}) and rank {@code r} takes its
 * elements {@code r, r + size, r + 2 size, ...}, so the shards are disjoint and together cover the dataset.
 *
 * <p>Uneven sizes as PyTorch: without {@code dropLast} the permuted indices are padded by repeating them from the
 * start until every rank has {@code ceil(n / size)}; with it the tail is cut so that every rank has
 * {@code ceil((n - size) / size)}. The permutation is Nabla's (a Fisher-Yates shuffle driven by
 * {@code new Generator(seed + epoch)}), not the one {@code torch.randperm} draws.
 *
 * <pre>{@code
 * var sampler = new DistributedSampler(train.size(), group, true, 0, false);
 * var loader = DataLoader.builder(train).batchSize(64).sampler(sampler).build();
 * for (int epoch = 0; epoch < epochs; epoch++) {
 *     sampler.setEpoch(epoch);
 *     for (Batch b : loader) { ... }
 * }
 * }</pre>
 */
public final class DistributedSampler implements Sampler {
    private final int datasetSize;
    private final int replicas;
    private final int rank;
    private final boolean shuffle;
    private final long seed;
    private final boolean dropLast;
    private final int perRank;
    private volatile long epoch;

    /**
     * A sampler for this process's rank in {@code group}.
     *
     * @param datasetSize how many samples the dataset has
     * @param group       the ranks to split over
     * @param shuffle     draw a new permutation every epoch (else the dataset's order)
     * @param seed        the seed every rank shares
     * @param dropLast    drop the tail instead of padding
     */
    public DistributedSampler(long datasetSize, ProcessGroup group, boolean shuffle, long seed, boolean dropLast) {
        this(datasetSize, group.size(), group.rank(), shuffle, seed, dropLast);
    }

    /**
     * A sampler for rank {@code rank} of {@code replicas} (PyTorch's {@code num_replicas} and {@code rank}).
     *
     * @param datasetSize how many samples the dataset has
     * @param replicas    the number of ranks
     * @param rank        this rank
     * @param shuffle     draw a new permutation every epoch (else the dataset's order)
     * @param seed        the seed every rank shares
     * @param dropLast    drop the tail instead of padding
     */
    public DistributedSampler(long datasetSize, int replicas, int rank, boolean shuffle, long seed, boolean dropLast) {
        if (datasetSize < 0 || datasetSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("DistributedSampler: dataset size " + datasetSize + " is out of range");
        }
        if (replicas < 1 || rank < 0 || rank >= replicas) {
            throw new IllegalArgumentException("DistributedSampler: rank " + rank + " is not in [0, " + replicas + ")");
        }
        this.datasetSize = (int) datasetSize;
        this.replicas = replicas;
        this.rank = rank;
        this.shuffle = shuffle;
        this.seed = seed;
        this.dropLast = dropLast;
        // PyTorch: ceil((n - replicas) / replicas) when dropping a tail that does not divide evenly, else ceil(n / replicas)
        perRank = dropLast && datasetSize % replicas != 0
                ? (int) Math.ceilDiv(datasetSize - replicas, replicas)
                : (int) Math.ceilDiv(datasetSize, replicas);
    }

    /**
     * Sets the epoch the next {@link #epochIndices()} is for; every rank must set the same one.
     *
     * @param epoch the epoch number (the permutation's seed is {@code seed + epoch})
     */
    public void setEpoch(long epoch) {
        this.epoch = epoch;
    }

    @Override
    public long[] epochIndices() {
        long[] all = new long[datasetSize];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        if (shuffle) {
            Generator g = new Generator(seed + epoch);
            for (int i = all.length - 1; i > 0; i--) {
                int j = g.nextInt(i + 1);
                long t = all[i];
                all[i] = all[j];
                all[j] = t;
            }
        }
        long[] mine = new long[perRank];
        for (int k = 0; k < perRank; k++) {
            int position = rank + k * replicas; // in the padded (repeated from the start) or cut list
            mine[k] = all[position % datasetSize];
        }
        return mine;
    }

    @Override
    public long length() {
        return perRank;
    }
}
