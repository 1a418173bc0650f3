package dev.nabla;

import dev.nabla.memory.Storage;

/**
 * The storages one kernel call touches, pinned for the length of the call. Another thread may
 * close an operand at any moment; a pinned block stays intact until {@link #close()} and only then goes back to the
 * pool, so a kernel never reads or writes memory that now belongs to another tensor. Pinning a tensor that is already
 * closed throws the usual use-after-close {@link IllegalStateException}.
 *
 * <p>Every path that hands a tensor's memory to a backend pins the operands that other threads can see. A tensor this
 * call just allocated is not visible to any other thread yet and needs no pin.
 *
 * <pre>{@code
 * try (InFlight pins = InFlight.pin("add", x, y)) {
 *     backend.binary(BinaryOp.ADD, dtype, x.strided(), y.strided(), out.strided());
 * }
 * }</pre>
 *
 * <p>The hot paths (element-wise, reductions, GEMM, in-place ops) use the allocation-free pair
 * {@link #pinStorage}/{@link #unpin} in try/finally instead; the other paths use this try-with-resources object.
 */
final class InFlight implements AutoCloseable {
    private final Storage first;
    private final Storage second;
    private final Storage[] rest;

    private InFlight(Storage first, Storage second, Storage[] rest) {
        this.first = first;
        this.second = second;
        this.rest = rest;
    }

    /** Pins one tensor's storage. */
    static InFlight pin(String op, Tensor a) {
        return new InFlight(pinStorage(op, a), null, null);
    }

    /** Pins two tensors' storages (either may be null). */
    static InFlight pin(String op, Tensor a, Tensor b) {
        Storage sa = pinStorage(op, a);
        return new InFlight(sa, pinAlso(op, b, sa), null);
    }

    /** Pins several tensors' storages (nulls are skipped). */
    static InFlight pin(String op, Tensor... tensors) {
        Storage[] pinned = new Storage[tensors.length];
        try {
            for (int i = 0; i < tensors.length; i++) {
                pinned[i] = pinStorage(op, tensors[i]);
            }
        } catch (RuntimeException e) {
            for (Storage s : pinned) {
                unpin(s);
            }
            throw e;
        }
        return new InFlight(null, null, pinned);
    }

    /**
     * Pins one tensor's storage without allocating; pair it with {@link #unpin} in a {@code finally}.
     *
     * @return the pinned storage, or null for a null tensor
     */
    static Storage pinStorage(String op, Tensor t) {
        if (t == null) {
            return null;
        }
        Storage s = t.storage();
        if (!s.pin()) {
            t.checkAlive(op); // closed: throws naming the tensor
            throw new IllegalStateException(op + ": " + t.describe() + " was used after its memory was released");
        }
        if (t.isClosed()) { // the storage lives on in a view, but this tensor was closed
            s.unpin();
            t.checkAlive(op);
        }
        return s;
    }

    /**
     * Pins a second operand after {@code first} was pinned; if that fails, unpins {@code first} before throwing, so
     * the caller's try/finally can start after both pins.
     */
    static Storage pinAlso(String op, Tensor t, Storage first) {
        try {
            return pinStorage(op, t);
        } catch (RuntimeException e) {
            unpin(first);
            throw e;
        }
    }

    /** Ends a pin from {@link #pinStorage} (null does nothing). */
    static void unpin(Storage s) {
        if (s != null) {
            s.unpin();
        }
    }

    /** Ends the call: unpins, and returns any block whose last owner left meanwhile. */
    @Override
    public void close() {
        unpin(first);
        unpin(second);
        if (rest != null) {
            for (Storage s : rest) {
                unpin(s);
            }
        }
    }
}
