package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.memory.MemoryPool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link DataLoader}: seeded shuffling, coverage, dropLast, prefetch equivalence, memory release, errors. */
class DataLoaderTest {
    private final List<Tensor> owned = new ArrayList<>();

    @AfterEach
    void release() {
        owned.forEach(Tensor::close);
        owned.clear();
    }

    /** Sample {@code i} has features {@code [i, -i, ..]} ({@code width} values) and target {@code i}. */
    private TensorDataset ids(int n, int width) {
        float[] x = new float[n * width];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = i;
            for (int j = 0; j < width; j++) {
                x[i * width + j] = j % 2 == 0 ? i : -i;
            }
        }
        Tensor fx = Scope.detached(() -> Tensor.of(x, n, width));
        Tensor fy = Scope.detached(() -> Tensor.of(y, n));
        owned.add(fx);
        owned.add(fy);
        return new TensorDataset(fx, fy);
    }

    /** One epoch as the sample ids of each batch, checking that inputs and targets stay paired. */
    private static List<int[]> epoch(DataLoader loader) {
        List<int[]> out = new ArrayList<>();
        for (Batch b : loader) {
            float[] x = b.x().toFloatArray();
            float[] y = b.y().toFloatArray();
            int width = (int) b.x().size(1);
            int[] ids = new int[y.length];
            for (int i = 0; i < y.length; i++) {
                ids[i] = (int) y[i];
                assertEquals(y[i], x[i * width], "inputs and targets of a sample stay together");
            }
            out.add(ids);
        }
        return out;
    }

    private static int[] flat(List<int[]> batches) {
        return batches.stream().flatMapToInt(Arrays::stream).toArray();
    }

    private static void assertSameBatches(List<int[]> a, List<int[]> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "batch " + i);
        }
    }

    private static boolean isPermutation(int[] order, int n) {
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < n; i++) {
            if (sorted[i] != i) {
                return false;
            }
        }
        return sorted.length == n;
    }

    @Test
    void sameSeedSameBatchesDifferentSeedsDiffer() {
        TensorDataset d = ids(50, 2);
        DataLoader a = DataLoader.builder(d).batchSize(8).shuffle(new Generator(5)).build();
        DataLoader b = DataLoader.builder(d).batchSize(8).shuffle(new Generator(5)).build();
        DataLoader c = DataLoader.builder(d).batchSize(8).shuffle(new Generator(6)).build();
        for (int e = 0; e < 3; e++) {
            List<int[]> ea = epoch(a);
            assertSameBatches(ea, epoch(b));
            assertFalse(Arrays.equals(flat(ea), flat(epoch(c))), "seeds 5 and 6 give different orders");
        }
    }

    @Test
    void withoutShuffleTheOrderIsKept() {
        DataLoader l = DataLoader.builder(ids(10, 2)).batchSize(4).build();
        List<int[]> e = epoch(l);
        assertArrayEquals(new int[] {0, 1, 2, 3}, e.get(0));
        assertArrayEquals(new int[] {8, 9}, e.get(2));
        assertSameBatches(e, epoch(l));
    }

    @Test
    void everySampleOncePerEpochAndDropLastDropsOnlyTheTail() {
        TensorDataset d = ids(23, 2);
        DataLoader keep = DataLoader.builder(d).batchSize(5).shuffle(new Generator(9)).build();
        DataLoader drop = DataLoader.builder(d).batchSize(5).shuffle(new Generator(9)).dropLast(true).build();
        assertEquals(5, keep.batchesPerEpoch());
        assertEquals(4, drop.batchesPerEpoch());
        for (int e = 0; e < 3; e++) {
            List<int[]> k = epoch(keep);
            List<int[]> dr = epoch(drop);
            assertArrayEquals(new int[] {5, 5, 5, 5, 3}, k.stream().mapToInt(a -> a.length).toArray());
            assertTrue(isPermutation(flat(k), 23), Arrays.toString(flat(k)));
            assertArrayEquals(new int[] {5, 5, 5, 5}, dr.stream().mapToInt(a -> a.length).toArray());
            // the same permutation, minus its last 3 samples
            assertArrayEquals(Arrays.copyOf(flat(k), 20), flat(dr));
            assertEquals(20, Arrays.stream(flat(dr)).distinct().count());
        }
        // exact multiple: dropLast changes nothing; fewer samples than a batch: nothing or one short batch
        assertEquals(4, DataLoader.builder(ids(20, 2)).batchSize(5).dropLast(true).build().batchesPerEpoch());
        DataLoader tiny = DataLoader.builder(ids(3, 2)).batchSize(5).dropLast(true).build();
        assertFalse(tiny.iterator().hasNext());
        assertEquals(1, epoch(DataLoader.builder(ids(3, 2)).batchSize(5).build()).size());
    }

    @Test
    void consecutiveEpochsUseDifferentPermutations() {
        DataLoader l = DataLoader.builder(ids(40, 2)).batchSize(7).shuffle(new Generator(3)).build();
        Set<String> seen = new HashSet<>();
        for (int e = 0; e < 5; e++) {
            int[] order = flat(epoch(l));
            assertTrue(isPermutation(order, 40));
            assertTrue(seen.add(Arrays.toString(order)), "epoch " + e + " repeats an earlier permutation");
        }
    }

    @Test
    void prefetchDoesNotChangeTheBatches() {
        TensorDataset d = ids(37, 2);
        List<List<int[]>> runs = new ArrayList<>();
        for (int prefetch : new int[] {0, 1, 2, 5}) {
            DataLoader l = DataLoader.builder(d).batchSize(6).shuffle(new Generator(17)).prefetch(prefetch).build();
            List<int[]> all = new ArrayList<>();
            for (int e = 0; e < 2; e++) {
                all.addAll(epoch(l));
            }
            runs.add(all);
        }
        for (List<int[]> r : runs.subList(1, runs.size())) {
            assertSameBatches(runs.get(0), r);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2})
    void batchesAreReleasedWhenTheIteratorAdvances(int prefetch) {
        TensorDataset d = ids(1000, 64);
        DataLoader l = DataLoader.builder(d).batchSize(10).shuffle(new Generator(1)).prefetch(prefetch).build();
        epoch(l); // warm the pool's size classes
        MemoryPool pool = MemoryPool.host();
        long base = pool.stats().bytesInUse();
        long batchBytes = 10 * 64 * 4 + 10 * 4;
        long peak = base;
        Batch previous = null;
        Iterator<Batch> it = l.iterator();
        while (it.hasNext()) {
            Batch b = it.next();
            if (previous != null) {
                assertTrue(previous.x().isClosed() && previous.y().isClosed(), "the previous batch is closed");
            }
            assertFalse(b.x().isClosed());
            peak = Math.max(peak, pool.stats().bytesInUse());
            previous = b;
        }
        assertTrue(previous.x().isClosed(), "the last batch is closed when hasNext() says the epoch is over");
        // at most the current batch, the queue and one being assembled (100 batches would be ~260 kB)
        assertTrue(peak - base <= 8 * (batchBytes + 1024), "peak " + (peak - base) + " bytes over the baseline");
        assertTrue(pool.stats().bytesInUse() <= base, "in use after the epoch: " + pool.stats().bytesInUse()
                + " > " + base);
    }

    @Test
    void anAbandonedEpochReleasesItsWorkerAndBatches() throws InterruptedException {
        TensorDataset d = ids(200, 16);
        DataLoader l = DataLoader.builder(d).batchSize(4).prefetch(3).build();
        epoch(l);
        long base = MemoryPool.host().stats().bytesInUse();
        Set<Thread> before = workers();
        abandon(l);
        Set<Thread> mine = workers();
        mine.removeAll(before);
        assertEquals(1, mine.size(), "the abandoned iterator's worker");
        Thread worker = mine.iterator().next();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && (worker.isAlive() || MemoryPool.host().stats().bytesInUse() > base)) {
            System.gc();
            Thread.sleep(20);
        }
        assertFalse(worker.isAlive(), "the prefetch thread of the dropped iterator ended");
        assertTrue(MemoryPool.host().stats().bytesInUse() <= base, "its prefetched batches were released");
    }

    private static void abandon(DataLoader l) {
        for (Batch b : l) {
            assertEquals(4, b.size());
            break;
        }
    }

    private static Set<Thread> workers() {
        Set<Thread> out = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().equals("nabla-dataloader")) {
                out.add(t);
            }
        }
        return out;
    }

    /** A dataset whose third batch fails, recording the thread it failed on. */
    private static final class Failing implements Dataset {
        final TensorDataset inner;
        final AtomicReference<Thread> failedOn = new AtomicReference<>();
        final IllegalStateException boom = new IllegalStateException("disk on fire at batch 2");
        int calls;

        Failing(TensorDataset inner) {
            this.inner = inner;
        }

        @Override
        public long size() {
            return inner.size();
        }

        @Override
        public Batch batch(long[] indices) {
            if (calls++ == 2) {
                failedOn.set(Thread.currentThread());
                throw boom;
            }
            return inner.batch(indices);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2})
    void aDatasetErrorSurfacesOnTheConsumerThreadWithItsCause(int prefetch) {
        Failing f = new Failing(ids(20, 2));
        DataLoader l = DataLoader.builder(f).batchSize(3).prefetch(prefetch).build();
        Iterator<Batch> it = l.iterator();
        it.next();
        it.next();
        RuntimeException e = assertThrows(RuntimeException.class, it::next);
        if (prefetch == 0) {
            assertSame(f.boom, e);
            assertSame(Thread.currentThread(), f.failedOn.get());
        } else {
            assertSame(f.boom, e.getCause());
            assertTrue(e.getMessage().contains("disk on fire at batch 2"), e.getMessage());
            assertNotEquals(Thread.currentThread(), f.failedOn.get(), "it failed on the prefetch thread");
            // asking again does not hang
            RuntimeException again = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> assertThrows(RuntimeException.class, it::next));
            assertSame(f.boom, again.getCause());
        }
    }

    @Test
    void aTransformErrorSurfacesAndTheTransformedBatchReplacesTheOriginal() {
        TensorDataset d = ids(12, 2);
        List<Batch> inputs = new ArrayList<>();
        UnaryOperator<Batch> twice = b -> {
            inputs.add(b);
            return new Batch(b.x().mul(2.0), b.y().clone());
        };
        DataLoader l = DataLoader.builder(d).batchSize(4).transform(twice).build();
        for (Batch b : l) {
            float[] x = b.x().toFloatArray();
            assertEquals(2 * b.y().toFloatArray()[1], x[2]);
        }
        assertEquals(3, inputs.size());
        for (Batch b : inputs) {
            assertTrue(b.x().isClosed() && b.y().isClosed(), "the loader closes the batch it transformed");
        }
        DataLoader bad = DataLoader.builder(d).batchSize(4).transform(b -> {
            throw new IllegalArgumentException("bad transform");
        }).build();
        RuntimeException e = assertThrows(RuntimeException.class, () -> bad.iterator().next());
        assertTrue(e.getCause() instanceof IllegalArgumentException && e.getMessage().contains("bad transform"),
                e.toString());
    }

    @Test
    void builderRejectsBadOptions() {
        TensorDataset d = ids(4, 2);
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(d).batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(d).prefetch(-1));
        assertThrows(IllegalArgumentException.class, () -> DataLoader.builder(null));
    }
}
