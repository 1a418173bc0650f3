package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.bindings.cudnn.cudnn_h;
import dev.nabla.memory.MemoryPool;
import dev.nabla.memory.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One device's cuDNN handle, bound to the device's stream (so cuDNN's work is ordered with every kernel, copy and
 * cuBLAS call of the backend), with the lock that serialises its use (a handle is not thread-safe), the status
 * checks, and workspaces taken from the device's caching pool.
 */
final class CudnnHandle {
    private final CudaDevice device;
    private final MemoryPool pool;
    private final MemorySegment handle;
    /** Guards the handle and the descriptor caches: every cuDNN call runs under it. */
    final Object lock = new Object();

    /** Creates the handle in {@code device}'s context (made current here) and sets its stream. */
    CudnnHandle(CudaDevice device, MemoryPool pool) {
        this.device = device;
        this.pool = pool;
        device.makeCurrent();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pp = a.allocate(ADDRESS);
            check(cudnn_h.cudnnCreate(pp), "cudnnCreate");
            handle = pp.get(ADDRESS, 0);
        }
        check(cudnn_h.cudnnSetStream(handle, device.stream()), "cudnnSetStream");
    }

    /** The {@code cudnnHandle_t}. */
    MemorySegment raw() {
        return handle;
    }

    /** Makes the device's context current on the calling thread. */
    void enter() {
        device.makeCurrent();
    }

    /** Throws a {@link CudaException} naming the device, {@code call} and the status unless it is success. */
    void check(int rc, String call) {
        CudnnStatus.check(rc, device.where(), call);
    }

    /**
     * A workspace of {@code bytes} from the pool (null for none); release it after enqueueing the call that uses
     * it: work enqueued later on the same stream cannot overtake that call.
     */
    Storage workspace(long bytes) {
        return bytes <= 0 ? null : pool.allocate(bytes);
    }

    /** The device address of a workspace, {@code NULL} for none. */
    static MemorySegment address(Storage workspace) {
        return workspace == null ? MemorySegment.NULL : MemorySegment.ofAddress(workspace.segment().address());
    }

    /** A host scalar in the type cuDNN reads for {@code dtype}'s tensors (float for float32, double for float64). */
    static MemorySegment scalar(Arena a, ScalarType dtype, double value) {
        return dtype == ScalarType.FLOAT32 ? a.allocateFrom(JAVA_FLOAT, (float) value)
                : a.allocateFrom(JAVA_DOUBLE, value);
    }

    /** The device address of a contiguous operand's first element, as cuDNN takes it. */
    static MemorySegment pointer(Strided operand, ScalarType dtype) {
        return MemorySegment.ofAddress(DeviceAddress.of(operand, dtype));
    }
}
