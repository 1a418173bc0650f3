package dev.nabla;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Record and replay of random draws, the mechanism behind activation checkpointing's identical dropout masks
 * (PyTorch's {@code preserve_rng_state}). Not API.
 *
 * <p>While a recording ({@link #record()}) is open on a thread, the first draw that thread makes from any
 * {@link Generator} (the global one, a module's own, any other) first captures that generator's state. A replay
 * ({@link #replay()}) opened later makes that thread's draws from the captured generators come from private copies
 * restarted at the captured states: the recomputation sees exactly the numbers the first run saw, while the real
 * generators are neither rewound nor advanced, so draws made since (by later layers, other threads) are unaffected.
 * Generators nobody drew from are never touched, and code that opens no trace pays one volatile read per draw.
 *
 * <p>Traces are confined to the thread that opened them and nest; close them in reverse order of opening.
 */
final class GeneratorTrace implements AutoCloseable {
    private static final ThreadLocal<GeneratorTrace> CURRENT = new ThreadLocal<>();
    /** Traces open on any thread: while 0, {@link #resolve} is a single volatile read. */
    private static final AtomicInteger OPEN = new AtomicInteger();

    private final GeneratorTrace parent;
    private final Thread thread;
    /** Recording: each generator drawn from, with its state before the first draw. Null in a replay. */
    private final Map<Generator, long[]> recorded;
    /** Replay: the private copy standing in for each recorded generator. Null in a recording. */
    private final Map<Generator, Generator> copies;
    private boolean closed;

    private GeneratorTrace(Map<Generator, long[]> recorded, Map<Generator, Generator> copies) {
        this.parent = CURRENT.get();
        this.thread = Thread.currentThread();
        this.recorded = recorded;
        this.copies = copies;
        OPEN.incrementAndGet();
        CURRENT.set(this);
    }

    /** Starts recording the generators this thread draws from, until closed. */
    static GeneratorTrace record() {
        return new GeneratorTrace(new IdentityHashMap<>(), null);
    }

    /**
     * Replays this closed recording on the current thread until the returned trace is closed; each call starts
     * again from the recorded states.
     */
    GeneratorTrace replay() {
        if (recorded == null || !closed) {
            throw new IllegalStateException("GeneratorTrace: only a closed recording can be replayed");
        }
        Map<Generator, Generator> fresh = new IdentityHashMap<>();
        recorded.forEach((g, state) -> fresh.put(g, Generator.replayCopy(state)));
        return new GeneratorTrace(null, fresh);
    }

    /**
     * The generator a draw from {@code g} on this thread must use: {@code g} itself, or the copy an open replay
     * put in its place. Records {@code g}'s state in every open recording that has not seen it yet.
     */
    static Generator resolve(Generator g) {
        if (OPEN.get() == 0) {
            return g;
        }
        GeneratorTrace top = CURRENT.get();
        if (top == null) {
            return g;
        }
        Generator effective = g;
        for (GeneratorTrace t = top; t != null; t = t.parent) {
            Generator copy = t.copies == null ? null : t.copies.get(g);
            if (copy != null) {
                effective = copy;
                break;
            }
        }
        for (GeneratorTrace t = top; t != null; t = t.parent) {
            if (t.recorded != null && !t.recorded.containsKey(g)) {
                t.recorded.put(g, effective.state());
            }
        }
        return effective;
    }

    /** Stops recording (or replaying); a recording keeps its states for {@link #replay()}. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != thread || CURRENT.get() != this) {
            throw new IllegalStateException("GeneratorTrace: close traces on their thread, in reverse order");
        }
        closed = true;
        CURRENT.set(parent);
        OPEN.decrementAndGet();
    }
}
