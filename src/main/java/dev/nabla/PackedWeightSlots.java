package dev.nabla;

import dev.nabla.memory.Storage;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * For each weight tensor, the slot in which a backend keeps its packed copy of it ({@code Backend.linearInt8}), so a
 * layer's weight is packed once, not on every call. A slot belongs to one storage, offset, shape and version: an
 * in-place write (which steps the version, as {@code loadStateDict}'s copy does) or another view gets a fresh, empty
 * slot. Weakly keyed by the storage, so a released weight's packed copy becomes garbage with it.
 */
final class PackedWeightSlots {
    private static final Map<Storage, Slot> SLOTS = Collections.synchronizedMap(new WeakHashMap<>());

    private PackedWeightSlots() {
    }

    /** The slot for {@code w} (contiguous) as it is now. */
    static AtomicReference<Object> of(Tensor w) {
        Storage storage = w.storage();
        Slot slot = SLOTS.get(storage);
        if (slot == null || !slot.isFor(w)) {
            slot = new Slot(w.storageOffset(), w.shape(), w.version(), new AtomicReference<>());
            SLOTS.put(storage, slot);
        }
        return slot.packed();
    }

    /** A slot and what it was made for (never the storage itself: the map's key must stay weakly reachable). */
    private record Slot(long offset, long[] shape, long version, AtomicReference<Object> packed) {
        boolean isFor(Tensor w) {
            return offset == w.storageOffset() && version == w.version() && java.util.Arrays.equals(shape, w.shape());
        }
    }
}
