package dev.nabla;

import dev.nabla.memory.Storage;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One tensor's hold on its storage. Owned by the {@link Scope} the tensor was created in, or, when no scope was
 * open, by the GC fallback (a {@link Cleaner} that releases it once the tensor is unreachable). Holds no
 * reference to the tensor, so the cleaner can run.
 */
final class Lease implements Runnable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final Storage storage;
    private final AtomicBoolean released = new AtomicBoolean();
    /** The owning scope, or null when the GC fallback owns this lease. Only the owner thread changes it. */
    Scope owner;
    private Cleaner.Cleanable cleanable;

    Lease(Storage storage) {
        this.storage = storage;
    }

    Storage storage() {
        return storage;
    }

    boolean isReleased() {
        return released.get();
    }

    /** Hands this lease to the GC fallback: released when {@code tensor} becomes unreachable. */
    void ownByCollector(Object tensor) {
        owner = null;
        cleanable = CLEANER.register(tensor, this);
    }

    /** Releases the storage reference once; later calls do nothing. */
    void release() {
        if (cleanable != null) {
            Cleaner.Cleanable c = cleanable;
            cleanable = null;
            c.clean(); // runs run() at most once and unregisters
        } else {
            run();
        }
    }

    /** The cleaning action: also what {@link #release()} runs. */
    @Override
    public void run() {
        if (released.compareAndSet(false, true)) {
            storage.release();
        }
    }
}
