package dev.nabla.backend.cuda;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A small least-recently-used cache of native descriptors keyed by records (a shape and its settings): a key seen
 * before returns the same descriptor, a new one creates it, and past {@code capacity} the least recently used one is
 * destroyed. Not thread-safe: the owner calls it under the lock that also guards every cuDNN call using the
 * descriptors, so none is destroyed while in use.
 *
 * @param <K> the key, a record
 * @param <D> the descriptor
 */
final class DescriptorCache<K, D> {
    private final String what;
    private final Function<K, D> create;
    private final LinkedHashMap<K, D> entries;

    /**
     * @param what     what it caches, for messages
     * @param capacity the most entries kept
     * @param create   makes the descriptor of a new key
     * @param destroy  releases an evicted descriptor
     */
    DescriptorCache(String what, int capacity, Function<K, D> create, Consumer<D> destroy) {
        if (capacity < 1) {
            throw new IllegalArgumentException(what + " cache: capacity must be at least 1, got " + capacity);
        }
        this.what = what;
        this.create = create;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, D> eldest) {
                if (size() > capacity) {
                    destroy.accept(eldest.getValue());
                    return true;
                }
                return false;
            }
        };
    }

    /** The descriptor of {@code key}, created on first use. */
    D get(K key) {
        D d = entries.get(key);
        if (d == null) {
            d = create.apply(key);
            if (d == null) {
                throw new IllegalStateException(what + " cache: no descriptor created for " + key);
            }
            entries.put(key, d);
        }
        return d;
    }

    /** Number of cached descriptors. */
    int size() {
        return entries.size();
    }
}
