package dev.nabla.memory;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A block of device memory that one or more tensors (a base and its views) look at, with two counts in one atomic
 * word: <em>owners</em> (the tensors holding it, {@link #retain}/{@link #release}) and <em>pins</em> (kernel calls
 * in flight on it, {@link #pin}/{@link #unpin}).
 *
 * <p>The block returns to its {@link MemoryPool} when both counts reach zero. So a tensor closed on one thread while a
 * kernel on another thread still reads or writes its memory never frees or recycles that memory under the kernel:
 * the last {@link #unpin} hands the block back instead. Once the owners are gone a new {@link #pin} or
 * {@link #retain} throws, so no later use can reach the block. Each count change is one uncontended compare-and-set
 * on this object (no lock, no thread handshake); the word is a {@code long} whose high 32 bits count owners and low
 * 32 bits count pins.
 */
public final class Storage {
    private static final long ONE_OWNER = 1L << 32;
    private static final long PIN_MASK = ONE_OWNER - 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Storage.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final MemoryPool pool;
    private final MemorySegment block;
    private final long byteSize;
    /** owners << 32 | pins; 0 means the block went back to the pool. Accessed through {@link #STATE}. */
    private volatile long state = ONE_OWNER;

    Storage(MemoryPool pool, MemorySegment block, long byteSize) {
        this.pool = pool;
        this.block = block;
        this.byteSize = byteSize;
    }

    /**
     * The memory. Valid while an owner or a pin is held; a kernel call must hold a {@link #pin} for as long as it
     * touches the memory, since an owner on another thread may go away at any moment.
     *
     * @throws IllegalStateException once the block went back to the pool
     */
    public MemorySegment segment() {
        if (state == 0) {
            throw new IllegalStateException("storage used after its memory was released");
        }
        return block;
    }

    /** Bytes requested for this storage (the block may be larger). */
    public long byteSize() {
        return byteSize;
    }

    /** The pool the block came from. */
    public MemoryPool pool() {
        return pool;
    }

    /** True when exactly one tensor references this storage (no views of it are alive). Pins do not count. */
    public boolean isExclusive() {
        return owners(state) == 1;
    }

    /** True while at least one tensor references this storage. */
    public boolean isAlive() {
        return owners(state) > 0;
    }

    /** Kernel calls in flight on this storage right now (for tests and diagnostics). */
    public int pins() {
        return (int) (state & PIN_MASK);
    }

    /** Adds an owner (a new view). @throws IllegalStateException if no owner is left */
    public void retain() {
        long s;
        do {
            s = state;
            if (owners(s) == 0) {
                throw new IllegalStateException("retain: storage already released");
            }
            if (owners(s) == Integer.MAX_VALUE) {
                throw new IllegalStateException("retain: more than " + Integer.MAX_VALUE + " views of one storage");
            }
        } while (!STATE.weakCompareAndSet(this, s, s + ONE_OWNER));
    }

    /** Drops an owner; when no owner and no pin is left, the block returns to the pool. */
    public void release() {
        long s;
        do {
            s = state;
            if (owners(s) == 0) {
                throw new IllegalStateException("storage released more often than retained");
            }
        } while (!STATE.weakCompareAndSet(this, s, s - ONE_OWNER));
        if (s == ONE_OWNER) {
            pool.release(block);
        }
    }

    /**
     * Marks one kernel call in flight: until the matching {@link #unpin}, the block stays intact even if every owner
     * is released meanwhile.
     *
     * @return false (and nothing changed) if no owner is left: the storage was released and must not be touched
     */
    public boolean pin() {
        long s;
        do {
            s = state;
            if (owners(s) == 0) {
                return false;
            }
            if ((s & PIN_MASK) == PIN_MASK) {
                throw new IllegalStateException("pin: too many kernel calls in flight on one storage");
            }
        } while (!STATE.weakCompareAndSet(this, s, s + 1));
        return true;
    }

    /** Ends a kernel call begun by {@link #pin}; the last unpin after the last owner returns the block. */
    public void unpin() {
        long after = (long) STATE.getAndAdd(this, -1L) - 1;
        if (after == 0) {
            pool.release(block);
        } else if ((after & PIN_MASK) == PIN_MASK) {
            STATE.getAndAdd(this, 1L);
            throw new IllegalStateException("unpin without a matching pin");
        }
    }

    private static long owners(long s) {
        return s >>> 32;
    }
}
