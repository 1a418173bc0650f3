package dev.nabla.backend.cuda;

import dev.nabla.base.Elements;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.MemoryPool;
import dev.nabla.memory.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Integer operands for the CUDA kernels, which are written for float32/float64 elements and indices: an int64 or
 * int32 index goes through the host into a float64 device temporary (exact for every index below 2^53), and an
 * int64 argmax/argmin output is computed into a temporary of the input's dtype and converted through the host.
 * A round trip per call: correct, not fast, until the kernels read and write integers themselves. Temporaries go
 * back to the pool on {@link #close}.
 */
final class IntegerStaging implements AutoCloseable {
    private final CudaBackend backend;
    private final MemoryPool pool;
    private final List<Storage> temps = new ArrayList<>(2);

    IntegerStaging(CudaBackend backend) {
        this.backend = backend;
        this.pool = backend.pool();
    }

    /** {@code index} (any integer dtype {@code it}) as a float64 device operand with the same shape and strides. */
    Strided indexAsDouble(ScalarType it, Strided index, String op) {
        if (!it.isIntegral()) {
            throw new IllegalArgumentException(op + ": index must be an integer tensor (int64 or int32), got " + it);
        }
        long span = span(index);
        Storage temp = allocate(span * ScalarType.FLOAT64.byteSize());
        if (span > 0) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment raw = arena.allocate(span * it.byteSize(), 8);
                backend.copyToHost(index.data(), index.offset() * it.byteSize(), raw, raw.byteSize());
                MemorySegment doubles = arena.allocate(span * ScalarType.FLOAT64.byteSize(), 8);
                for (long i = 0; i < span; i++) {
                    Elements.setDouble(ScalarType.FLOAT64, doubles, i, Elements.getLong(it, raw, i));
                }
                backend.copyFromHost(doubles, temp.segment(), 0, doubles.byteSize());
            }
        }
        return new Strided(temp.segment(), 0, index.shape(), index.strides());
    }

    /** An uninitialised contiguous device operand of {@code t} shaped like {@code like}. */
    Strided scratch(ScalarType t, Strided like) {
        Storage temp = allocate(Math.max(like.numel(), 1) * t.byteSize());
        return new Strided(temp.segment(), 0, like.shape(), Strided.contiguousStrides(like.shape()));
    }

    /** Writes the exact integers held in {@code values} (contiguous, dtype {@code t}) into the int64 {@code out}. */
    void storeLongs(ScalarType t, Strided values, Strided out) {
        long n = values.numel();
        long span = span(out);
        if (n == 0) {
            return;
        }
        long es = ScalarType.INT64.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(n * t.byteSize(), 8);
            backend.copyToHost(values.data(), values.offset() * t.byteSize(), v, v.byteSize());
            MemorySegment o = arena.allocate(span * es, 8);
            backend.copyToHost(out.data(), out.offset() * es, o, o.byteSize()); // keeps what lies between elements
            long[] shape = out.shape();
            long[] at = new long[shape.length];
            for (long i = 0; i < n; i++) {
                long pos = 0;
                for (int d = 0; d < shape.length; d++) {
                    pos += at[d] * out.strides()[d];
                }
                Elements.setLong(ScalarType.INT64, o, pos, (long) Elements.getDouble(t, v, i));
                for (int d = shape.length - 1; d >= 0 && ++at[d] == shape[d]; d--) {
                    at[d] = 0;
                }
            }
            backend.copyFromHost(o, out.data(), out.offset() * es, o.byteSize());
        }
    }

    /** Elements from {@code s}'s offset to its last addressed element (strides are never negative). */
    private static long span(Strided s) {
        if (s.numel() == 0) {
            return 0;
        }
        long last = 0;
        for (int d = 0; d < s.rank(); d++) {
            last += (s.shape()[d] - 1) * s.strides()[d];
        }
        return last + 1;
    }

    private Storage allocate(long bytes) {
        Storage s = pool.allocate(Math.max(bytes, 8));
        temps.add(s);
        return s;
    }

    @Override
    public void close() {
        for (Storage s : temps) {
            s.release();
        }
    }
}
