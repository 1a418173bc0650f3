package dev.nabla.backend.cpu;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.nabla.bindings.dnnl.dnnl_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What one execution at a time owns: a oneDNN stream and a scratchpad buffer, kept between executions. Reusing the
 * scratchpad matters: a fresh multi-megabyte buffer per call (zeroed, mapped and faulted in by the kernel) cost more
 * than the int8 product itself at n = 1024. Pooled by {@link DnnlGemm}; used by one thread at a time.
 */
final class DnnlStreamContext implements AutoCloseable {
    private final MemorySegment stream;
    private Arena scratchArena = Arena.ofShared();
    private MemorySegment scratch = MemorySegment.NULL;

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
        if (scratch.byteSize() < bytes) {
            scratchArena.close(); // a handshake, but only when a larger primitive first runs on this context
            scratchArena = Arena.ofShared();
            scratch = scratchArena.allocate(bytes, 64);
        }
        return scratch;
    }

    @Override
    public void close() {
        dnnl_h.dnnl_stream_destroy(stream);
        scratchArena.close();
    }
}
