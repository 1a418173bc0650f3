package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.nabla.bindings.cuda.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One GPU's stream as a library that enqueues its own work on it sees it (NCCL in {@code dev.nabla.distributed}):
 * the context made current, the stream handle, and events marking when the work enqueued so far has finished.
 * Work enqueued on this stream is ordered with every kernel, copy and cuBLAS call of the device's backend, so a
 * collective sees the values the ops before it wrote. Public for other Nabla packages; the package is not exported.
 */
public final class CudaStreamAccess {
    private final CudaDevice device;

    private CudaStreamAccess(CudaDevice device) {
        this.device = device;
    }

    /**
     * The stream of GPU {@code index} (creating its backend on first use).
     *
     * @param index the CUDA device index
     * @return its stream access
     * @throws IllegalStateException when CUDA is not available, with the reason
     */
    public static CudaStreamAccess of(int index) {
        return new CudaStreamAccess(CudaRuntime.backend(index).device());
    }

    /**
     * Makes the device's primary context current on the calling thread and returns its stream.
     *
     * @return the {@code CUstream}, which is what CUDA runtime libraries take as {@code cudaStream_t}
     */
    public MemorySegment enter() {
        device.makeCurrent();
        return device.stream();
    }

    /** Waits until everything enqueued on the stream has finished. */
    public void synchronize() {
        device.makeCurrent();
        device.syncStream();
    }

    /**
     * Records an event after the work enqueued so far.
     *
     * @return the event; {@link Event#close()} it once done with it
     */
    public Event record() {
        device.makeCurrent();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            device.check(cuda_h.cuEventCreate(p, cuda_h.CU_EVENT_DISABLE_TIMING()), "cuEventCreate");
            MemorySegment event = p.get(ADDRESS, 0);
            int rc = cuda_h.cuEventRecord(event, device.stream());
            if (rc != cuda_h.CUDA_SUCCESS()) {
                cuda_h.cuEventDestroy_v2(event);
                device.check(rc, "cuEventRecord");
            }
            return new Event(event);
        }
    }

    /** An event on the stream: done once the work enqueued before it has finished. Not thread-safe. */
    public final class Event implements AutoCloseable {
        private MemorySegment event;

        private Event(MemorySegment event) {
            this.event = event;
        }

        /**
         * Returns whether the work before the event has finished, without blocking.
         *
         * @return true once it has
         * @throws CudaException if that work failed
         */
        public boolean isDone() {
            if (event == null) {
                return true;
            }
            device.makeCurrent();
            int rc = cuda_h.cuEventQuery(event);
            if (rc == cuda_h.CUDA_ERROR_NOT_READY()) {
                return false;
            }
            device.check(rc, "cuEventQuery");
            return true;
        }

        /** Destroys the event (the work it marks goes on); later calls do nothing. */
        @Override
        public void close() {
            if (event != null) {
                device.makeCurrent();
                MemorySegment e = event;
                event = null;
                device.check(cuda_h.cuEventDestroy_v2(e), "cuEventDestroy_v2");
            }
        }
    }
}
