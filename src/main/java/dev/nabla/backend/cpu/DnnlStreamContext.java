package dev.nabla.backend.cpu;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.nabla.bindings.dnnl.dnnl_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * What one execution at a time owns: a oneDNN stream, a scratchpad buffer and a buffer for the 32-bit sums of a packed
 * int8 product ({@link DnnlGemm#linearInt8}), kept between executions. Reusing them matters: a fresh multi-megabyte
 * buffer per call (zeroed, mapped and faulted in by the kernel) cost more than the int8 product itself at n = 1024.
 * Pooled by {@link DnnlGemm}; used by one thread at a time.
 */
final class DnnlStreamContext implements AutoCloseable {
    private final MemorySegment stream;
    private final ReusedBuffer scratch = new ReusedBuffer();
    private final ReusedBuffer accumulators = new ReusedBuffer();

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

    /** The scratchpad: at least {@code bytes}, reused while large enough (grown, never shrunk). */
    MemorySegment scratchpad(long bytes) {
        return scratch.atLeast(bytes);
    }

    /** The buffer for a packed int8 product's sums: at least {@code bytes}, reused while large enough. */
    MemorySegment accumulators(long bytes) {
        return accumulators.atLeast(bytes);
    }

    @Override
    public void close() {
        dnnl_h.dnnl_stream_destroy(stream);
        scratch.close();
        accumulators.close();
    }

    /** A 64-byte aligned native buffer that grows to the largest size asked for. */
    private static final class ReusedBuffer implements AutoCloseable {
        private Arena arena = Arena.ofShared();
        private MemorySegment buffer = MemorySegment.NULL;

        MemorySegment atLeast(long bytes) {
            if (buffer.byteSize() < bytes) {
                arena.close(); // a handshake, but only when a larger primitive first runs on this context
                arena = Arena.ofShared();
                buffer = arena.allocate(bytes, 64);
            }
            return buffer;
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
