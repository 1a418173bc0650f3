package dev.nabla.data;

import dev.nabla.Generator;
import java.lang.ref.Cleaner;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.UnaryOperator;

/**
 * Batches of a {@link Dataset}, like {@code torch.utils.data.DataLoader}: fixed batch size, optional seeded
 * shuffling (a new permutation each epoch, reproducible from the generator) or a {@link Sampler} choosing each epoch's
 * indices, {@code dropLast}, an optional batch
 * transform (normalisation, augmentation), and background prefetch so the next batch is ready when a step ends.
 *
 * <pre>{@code
 * var loader = DataLoader.builder(train).batchSize(128).shuffle(new Generator(0)).build();
 * for (Batch b : loader) {
 *     try (var step = Scope.open()) { ... b.x() ... b.y() ... }
 * }
 * }</pre>
 *
 * <p>Ownership: each batch is valid until the iterator advances (the loader then closes it) or the iteration
 * ends; {@code clone()} a tensor to keep it longer. Batches live in off-heap memory from the pool, so after the
 * first few batches iteration allocates nothing new.
 */
public final class DataLoader implements Iterable<Batch> {
    private final Dataset dataset;
    private final int batchSize;
    private final Generator shuffle;
    private final Sampler sampler;
    private final boolean dropLast;
    private final int prefetch;
    private final UnaryOperator<Batch> transform;

    private DataLoader(Builder b) {
        this.dataset = b.dataset;
        this.batchSize = b.batchSize;
        this.shuffle = b.shuffle;
        this.sampler = b.sampler;
        this.dropLast = b.dropLast;
        this.prefetch = b.prefetch;
        this.transform = b.transform;
    }

    /** Starts configuring a loader over {@code dataset}. */
    public static Builder builder(Dataset dataset) {
        return new Builder(dataset);
    }

    /** Options of a {@link DataLoader}. */
    public static final class Builder {
        private final Dataset dataset;
        private int batchSize = 1;
        private Generator shuffle;
        private Sampler sampler;
        private boolean dropLast;
        private int prefetch = 2;
        private UnaryOperator<Batch> transform;

        private Builder(Dataset dataset) {
            if (dataset == null) {
                throw new IllegalArgumentException("DataLoader: dataset is null");
            }
            this.dataset = dataset;
        }

        /** Samples per batch (default 1). */
        public Builder batchSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("DataLoader: batch size must be >= 1, got " + n);
            }
            batchSize = n;
            return this;
        }

        /** Shuffles every epoch with permutations drawn from {@code generator} (null: keep order). */
        public Builder shuffle(Generator generator) {
            shuffle = generator;
            return this;
        }

        /**
         * Takes each epoch's indices from {@code sampler} instead of the dataset's order (null: the dataset's order);
         * it cannot be combined with {@link #shuffle}, since the sampler decides the order.
         */
        public Builder sampler(Sampler sampler) {
            this.sampler = sampler;
            return this;
        }

        /** Drops a last batch smaller than the batch size. */
        public Builder dropLast(boolean on) {
            dropLast = on;
            return this;
        }

        /** Batches prepared ahead on a background thread (0 = assemble on the caller's thread; default 2). */
        public Builder prefetch(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("DataLoader: prefetch must be >= 0, got " + n);
            }
            prefetch = n;
            return this;
        }

        /** Applied to each batch after assembly (on the prefetch thread); it may return a new batch. */
        public Builder transform(UnaryOperator<Batch> f) {
            transform = f;
            return this;
        }

        /**
         * The loader.
         *
         * @throws IllegalArgumentException if both a shuffle generator and a sampler were given
         */
        public DataLoader build() {
            if (shuffle != null && sampler != null) {
                throw new IllegalArgumentException("DataLoader: sampler and shuffle are exclusive; the sampler decides"
                        + " the order (e.g. DistributedSampler shuffles itself)");
            }
            return new DataLoader(this);
        }
    }

    /** Number of batches per epoch. */
    public long batchesPerEpoch() {
        long n = sampler != null ? sampler.length() : dataset.size();
        return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
    }

    /** The dataset. */
    public Dataset dataset() {
        return dataset;
    }

    /** The order of one epoch: the sampler's, else a fresh Fisher-Yates permutation when shuffling. */
    private long[] order() {
        if (sampler != null) {
            long[] idx = sampler.epochIndices();
            if (idx.length != sampler.length()) {
                throw new IllegalStateException("DataLoader: the sampler gave " + idx.length + " indices but says its"
                        + " length is " + sampler.length());
            }
            return idx;
        }
        long n = dataset.size();
        long[] idx = new long[Math.toIntExact(n)];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        if (shuffle != null) {
            for (int i = idx.length - 1; i > 0; i--) {
                int j = shuffle.nextInt(i + 1);
                long t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
        }
        return idx;
    }

    private Batch assemble(long[] order, long k) {
        int from = Math.toIntExact(k * batchSize);
        int to = (int) Math.min(order.length, (long) from + batchSize);
        Batch b = dataset.batch(java.util.Arrays.copyOfRange(order, from, to));
        if (transform != null) {
            Batch t;
            try {
                t = transform.apply(b);
            } catch (RuntimeException | Error e) {
                b.close();
                throw e;
            }
            if (t != b) {
                b.close();
            }
            return t;
        }
        return b;
    }

    /** One epoch. Each call starts a new epoch (a new permutation when shuffling). */
    @Override
    public Iterator<Batch> iterator() {
        long[] order = order();
        long count = batchesPerEpoch();
        return prefetch == 0 ? new Direct(order, count) : new Prefetching(order, count);
    }

    private final class Direct implements Iterator<Batch> {
        private final long[] order;
        private final long count;
        private long next;
        private Batch current;

        Direct(long[] order, long count) {
            this.order = order;
            this.count = count;
        }

        @Override
        public boolean hasNext() {
            if (next >= count && current != null) {
                current.close();
                current = null;
            }
            return next < count;
        }

        @Override
        public Batch next() {
            if (next >= count) {
                throw new NoSuchElementException();
            }
            if (current != null) {
                current.close();
            }
            current = assemble(order, next++);
            return current;
        }
    }

    /**
     * A daemon thread fills a bounded queue; the consumer closes each batch when it moves on. An iterator dropped
     * before the end of its epoch (a {@code break} out of the loop) is noticed by a {@link Cleaner} once it is
     * unreachable: the worker then stops and the batches it prepared are released, so abandoning an epoch leaks
     * neither a thread nor off-heap memory. The worker refers only to its {@link Feed}, never to the iterator.
     */
    private final class Prefetching implements Iterator<Batch> {
        private final Feed feed;
        private final long count;
        private long taken;
        private Batch current;
        private RuntimeException failure;

        Prefetching(long[] order, long count) {
            this.count = count;
            this.feed = new Feed(DataLoader.this, order, count, prefetch);
            feed.worker = Thread.ofPlatform().daemon().name("nabla-dataloader").start(feed);
            CLEANER.register(this, feed::cancel);
        }

        @Override
        public boolean hasNext() {
            if (taken >= count && current != null) {
                current.close();
                current = null;
            }
            return taken < count;
        }

        @Override
        public Batch next() {
            if (taken >= count) {
                throw new NoSuchElementException();
            }
            if (current != null) {
                current.close();
                current = null;
            }
            if (failure != null) {
                throw failure;
            }
            Object item;
            try {
                item = feed.queue.take();
            } catch (InterruptedException e) {
                feed.cancel();
                Thread.currentThread().interrupt();
                failure = new IllegalStateException("DataLoader: interrupted while waiting for a batch", e);
                throw failure;
            }
            if (item instanceof RuntimeException e) {
                failure = new IllegalStateException("DataLoader: assembling a batch failed: " + e.getMessage(), e);
                throw failure;
            }
            if (item instanceof Error e) {
                throw e;
            }
            taken++;
            current = (Batch) item;
            return current;
        }
    }

    private static final Cleaner CLEANER = Cleaner.create();

    /** The worker's side of a {@link Prefetching} iterator: what it produces into, and how it is cancelled. */
    private static final class Feed implements Runnable {
        final BlockingQueue<Object> queue;
        private final DataLoader loader;
        private final long[] order;
        private final long count;
        private volatile boolean cancelled;
        volatile Thread worker;

        Feed(DataLoader loader, long[] order, long count, int capacity) {
            this.loader = loader;
            this.order = order;
            this.count = count;
            this.queue = new ArrayBlockingQueue<>(capacity);
        }

        @Override
        public void run() {
            try {
                for (long k = 0; k < count && !cancelled; k++) {
                    Batch b = loader.assemble(order, k);
                    try {
                        queue.put(b);
                    } catch (InterruptedException e) {
                        b.close();
                        throw e;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                try {
                    queue.put(e);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            } finally {
                if (cancelled) {
                    drain();
                }
            }
        }

        /** Stops the worker and releases the batches it prepared (the iterator is gone or interrupted). */
        void cancel() {
            cancelled = true;
            Thread w = worker;
            if (w != null) {
                w.interrupt();
            }
            drain();
        }

        private void drain() {
            for (Object o; (o = queue.poll()) != null; ) {
                if (o instanceof Batch b) {
                    b.close();
                }
            }
        }
    }
}
