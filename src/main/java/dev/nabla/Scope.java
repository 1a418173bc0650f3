package dev.nabla;

import java.util.ArrayList;
import java.util.function.Supplier;

/**
 * A region whose tensors are released together when it closes: the way Nabla frees activations, temporaries and
 * autograd graphs deterministically.
 *
 * <pre>{@code
 * for (var batch : loader) {
 *     try (var step = Scope.open()) {
 *         Tensor loss = ...;        // everything made here
 *         ...
 *     }                             // ... goes back to the memory pool here
 * }
 * }</pre>
 *
 * <p>Every tensor created on a thread while a scope is open there belongs to the innermost open scope. Closing
 * the scope releases each such tensor's storage (memory shared with a live view survives until that view goes
 * too); using a released tensor throws {@link IllegalStateException}. {@link #keep} hands a tensor to the
 * enclosing scope so it outlives this one. Tensors created with no scope open (or inside {@link #detached}) are
 * released by {@link Tensor#close()} or, failing that, by the garbage collector: they never leak forever, but
 * only scopes free memory at a predictable point.
 *
 * <p>Scopes are confined to the thread that opened them and must be closed in reverse order of opening.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Scope> CURRENT = new ThreadLocal<>();

    private final Scope parent;
    private final Thread thread;
    /** Sized for a training step's tensors, so that the list rarely grows while a step runs. */
    private final ArrayList<Lease> leases = new ArrayList<>(64);
    private boolean closed;

    private Scope(Scope parent) {
        this.parent = parent;
        this.thread = Thread.currentThread();
    }

    /** Opens a scope nested in the current thread's innermost open scope (if any). */
    public static Scope open() {
        Scope s = new Scope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** The innermost open scope of this thread, or null. */
    static Scope current() {
        return CURRENT.get();
    }

    /**
     * Runs {@code body} as if no scope were open, so the tensors it creates (model parameters, optimizer state,
     * a cache) outlive every open scope and are released by {@link Tensor#close()} or the collector.
     */
    public static <T> T detached(Supplier<T> body) {
        Scope saved = CURRENT.get();
        CURRENT.set(null);
        try {
            return body.get();
        } finally {
            CURRENT.set(saved);
        }
    }

    /** Called by each new tensor: the current scope (or the collector) takes its lease. */
    static void adopt(Object tensor, Lease lease) {
        Scope s = CURRENT.get();
        if (s == null) {
            lease.ownByCollector(tensor);
        } else {
            lease.owner = s;
            s.leases.add(lease);
        }
    }

    /**
     * Moves {@code tensor} out of this scope into the enclosing one (or to the collector, if this is the
     * outermost scope), so it survives {@link #close()}. Returns the tensor.
     *
     * @throws IllegalArgumentException if the tensor does not belong to this scope
     */
    public Tensor keep(Tensor tensor) {
        checkOpen("keep");
        Lease lease = tensor.lease();
        if (lease.owner != this) {
            throw new IllegalArgumentException("keep: " + tensor.describe() + " does not belong to this scope");
        }
        if (parent == null) {
            lease.ownByCollector(tensor);
        } else {
            lease.owner = parent;
            parent.leases.add(lease);
        }
        return tensor;
    }

    /** Number of tensors this scope still owns (released or not). For tests and diagnostics. */
    public int size() {
        int n = 0;
        for (Lease l : leases) {
            if (l.owner == this && !l.isReleased()) {
                n++;
            }
        }
        return n;
    }

    private void checkOpen(String what) {
        if (closed) {
            throw new IllegalStateException(what + ": scope is already closed");
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException(what + ": scope belongs to thread " + thread.getName()
                    + ", not " + Thread.currentThread().getName());
        }
    }

    /**
     * Releases every tensor this scope owns, newest first.
     *
     * @throws IllegalStateException if an inner scope of this thread is still open, or on another thread
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        checkOpen("close");
        if (CURRENT.get() != this) {
            throw new IllegalStateException("close: an inner scope is still open; close scopes in reverse order");
        }
        closed = true;
        CURRENT.set(parent);
        for (int i = leases.size() - 1; i >= 0; i--) {
            Lease l = leases.get(i);
            if (l.owner == this) {
                l.release();
            }
        }
        leases.clear();
    }
}
