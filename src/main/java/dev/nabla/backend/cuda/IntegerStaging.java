package dev.nabla.backend.cuda;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.MemoryPool;
import dev.nabla.memory.Storage;
import java.util.ArrayList;
import java.util.List;

/**
 * Integer operands for the CUDA kernels, which are written for float32/float64 elements and indices: an int64 or
 * int32 index goes through the host into a float64 device temporary (exact for every index below 2^53), and an
 * int64 argmax/argmin output is computed into a temporary of the input's dtype and converted through the host, both
 * by the backend's host-side copy ({@link HostConversions}). A round trip per call: correct, not fast, until the
 * kernels read and write integers themselves. Temporaries go back to the pool on {@link #close}.
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
        long span = index.numel() == 0 ? 0 : HostConversions.span(index);
        Storage temp = allocate(span * ScalarType.FLOAT64.byteSize());
        Strided doubles = new Strided(temp.segment(), index.offset() - HostConversions.low(index), index.shape(),
                index.strides());
        backend.copy(it, index, ScalarType.FLOAT64, doubles);
        return doubles;
    }

    /** An uninitialised contiguous device operand of {@code t} shaped like {@code like}. */
    Strided scratch(ScalarType t, Strided like) {
        Storage temp = allocate(Math.max(like.numel(), 1) * t.byteSize());
        return new Strided(temp.segment(), 0, like.shape(), Strided.contiguousStrides(like.shape()));
    }

    /** Writes the exact integers held in {@code values} (dtype {@code t}) into the int64 {@code out}. */
    void storeLongs(ScalarType t, Strided values, Strided out) {
        backend.copy(t, values, ScalarType.INT64, out);
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
