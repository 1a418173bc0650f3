package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nabla.data.DataLoader;
import dev.nabla.data.TensorDataset;
import dev.nabla.Tensor;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Shards and padding against PyTorch 1.13's {@code DistributedSampler(range(n), num_replicas, rank, shuffle=False,
 * drop_last)} (values printed by it, below); shuffled epochs shared by all ranks, disjoint and complete.
 */
class DistributedSamplerTest {

    private static long[][] shards(int n, int replicas, boolean shuffle, long epoch, boolean dropLast) {
        long[][] out = new long[replicas][];
        for (int r = 0; r < replicas; r++) {
            var s = new DistributedSampler(n, replicas, r, shuffle, 7, dropLast);
            s.setEpoch(epoch);
            out[r] = s.epochIndices();
            assertEquals(s.length(), out[r].length);
        }
        return out;
    }

    @Test
    void unshuffledShardsAndPaddingAreTorchs() {
        assertArrayEquals(new long[][] {{0, 3, 6, 9}, {1, 4, 7, 0}, {2, 5, 8, 1}}, shards(10, 3, false, 0, false));
        assertArrayEquals(new long[][] {{0, 3, 6}, {1, 4, 7}, {2, 5, 8}}, shards(10, 3, false, 0, true));
        assertArrayEquals(new long[][] {{0, 4}, {1, 0}, {2, 1}, {3, 2}}, shards(5, 4, false, 0, false));
        assertArrayEquals(new long[][] {{0}, {1}, {2}, {3}}, shards(5, 4, false, 0, true));
        assertArrayEquals(new long[][] {{0}, {1}, {0}}, shards(2, 3, false, 0, false));
        assertArrayEquals(new long[][] {{}, {}, {}}, shards(2, 3, false, 0, true));
    }

    @Test
    void shuffledShardsAreDisjointCompleteAndNewEachEpoch() {
        long[][] first = shards(100, 3, true, 0, false); // 34 each: two indices repeated as padding
        var seen = new TreeSet<Long>();
        for (long[] shard : first) {
            for (long i : shard) {
                seen.add(i);
            }
        }
        assertEquals(100, seen.size());
        assertEquals(0L, seen.first());
        assertEquals(99L, seen.last());
        assertArrayEquals(first, shards(100, 3, true, 0, false), "same seed and epoch: same shards on every call");
        assertFalse(Arrays.deepEquals(first, shards(100, 3, true, 1, false)), "a new epoch draws a new permutation");
    }

    @Test
    void theDataLoaderVisitsTheShard() {
        var dataset = new TensorDataset(Tensor.arange(10).reshape(10, 1), Tensor.arange(10));
        var loader = DataLoader.builder(dataset).batchSize(3).prefetch(0)
                .sampler(new DistributedSampler(10, 3, 1, false, 0, false)).build();
        assertEquals(2, loader.batchesPerEpoch());
        var visited = new java.util.ArrayList<Long>();
        loader.forEach(b -> Arrays.stream(b.y().toLongArray()).forEach(visited::add));
        assertEquals(java.util.List.of(1L, 4L, 7L, 0L), visited);
        var e = assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(dataset)
                .shuffle(new dev.nabla.Generator(0)).sampler(new DistributedSampler(10, 3, 1, false, 0, false)).build());
        assertEquals("DataLoader: sampler and shuffle are exclusive; the sampler decides the order (e.g."
                + " DistributedSampler shuffles itself)", e.getMessage());
    }
}
