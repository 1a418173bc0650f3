package dev.nabla.backend.cpu;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.nabla.bindings.dnnl.dnnl_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What one execution at a time owns: a oneDNN stream and buffers kept between executions (the scratchpad, the
 * operands {@link DnnlConvolution} keeps in oneDNN's layouts, and the sums of {@link DnnlGemm#linearInt8}). Reusing them matters: a fresh multi-megabyte buffer per
 * call (zeroed, mapped and faulted in by the kernel) cost more than the int8 product itself at n = 1024. Pooled by
 * {@link DnnlGemm} and {@link DnnlConvolutions}; used by one thread at a time.
 */
final class DnnlStreamContext implements AutoCloseable {
    private final MemorySegment stream;
    private Arena[] arenas = new Arena[1];
    private MemorySegment[] buffers = {MemorySegment.NULL};

    DnnlStreamContext(MemorySegment engine) {
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment out = temp.allocate(ADDRESS);
            DnnlStatus.check(dnnl_h.dnnl_stream_create(out, engine, dnnl_h.dnnl_stream_default_flags()),
                    "dnnl_stream_create");
            stream = out.get(ADDRESS, 0);
        }
    }

    MemorySegment stream() {
        return stream;
    }

    /** A buffer of at least {@code bytes}, reused while large enough (grown, never shrunk). */
    MemorySegment scratchpad(long bytes) {
        return buffer(0, bytes);
    }

    /**
     * The 32-bit sums of a packed int8 product ({@link DnnlGemm#linearInt8}): buffer 1 (a call owns the whole context,
     * so sharing the slot with a convolution's operands is safe).
     */
    MemorySegment accumulators(long bytes) {
        return buffer(1, bytes);
    }

    /**
     * Buffer number {@code slot} (0 is the scratchpad; convolutions keep operands in oneDNN's layouts in the others),
     * at least {@code bytes}, reused while large enough (grown, never shrunk).
     */
    MemorySegment buffer(int slot, long bytes) {
        if (slot >= buffers.length) {
            int old = buffers.length;
            buffers = Arrays.copyOf(buffers, slot + 1);
            Arrays.fill(buffers, old, slot + 1, MemorySegment.NULL);
            arenas = Arrays.copyOf(arenas, slot + 1);
        }
        if (buffers[slot].byteSize() < bytes) {
            // a handshake, but only when a larger primitive first runs on this context
            if (arenas[slot] != null) {
                arenas[slot].close();
            }
            arenas[slot] = Arena.ofShared();
            buffers[slot] = arenas[slot].allocate(bytes, 64);
        }
        return buffers[slot];
    }

    @Override
    public void close() {
        dnnl_h.dnnl_stream_destroy(stream);
        for (Arena arena : arenas) {
            if (arena != null) {
                arena.close();
            }
        }
    }
}
