package dev.nabla.memory;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Raw host allocations through libc's {@code aligned_alloc}/{@code free}.
 *
 * <p>Why not an {@code Arena}: a confined arena binds memory to one thread and a shared arena's close performs
 * a thread handshake (tens of microseconds, stalling other threads). Pool blocks are long-lived, shared between
 * threads and freed one at a time, which is exactly malloc's contract. Safety does not come from the segment's
 * scope (it is global) but from {@link Storage}'s and the tensor's release checks, which run before any access.
 */
final class NativeMemory {
    /** Cache-line and AVX-512 alignment of every block. */
    static final long ALIGNMENT = 64;

    private static final MethodHandle ALIGNED_ALLOC;
    private static final MethodHandle FREE;

    static {
        Linker linker = Linker.nativeLinker();
        var libc = linker.defaultLookup();
        ALIGNED_ALLOC = linker.downcallHandle(libc.find("aligned_alloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        FREE = linker.downcallHandle(libc.find("free").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    private NativeMemory() {
    }

    /** Allocates {@code bytes} (a multiple of {@link #ALIGNMENT}); throws {@link OutOfMemoryError} on failure. */
    static MemorySegment allocate(long bytes) {
        MemorySegment raw;
        try {
            raw = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGNMENT, bytes);
        } catch (Throwable t) {
            throw new IllegalStateException("aligned_alloc failed", t);
        }
        if (raw.equals(MemorySegment.NULL)) {
            throw new OutOfMemoryError("native allocation of " + bytes + " bytes failed");
        }
        return raw.reinterpret(bytes);
    }

    static void free(MemorySegment segment) {
        try {
            FREE.invokeExact(segment);
        } catch (Throwable t) {
            throw new IllegalStateException("free failed", t);
        }
    }
}
