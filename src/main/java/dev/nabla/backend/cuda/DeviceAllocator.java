package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.bindings.cuda.cuda_h;
import dev.nabla.memory.MemoryPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The caching pool's source of device blocks: {@code cuMemAlloc_v2}/{@code cuMemFree_v2}, counted so that tests
 * and benchmarks can see that a warmed-up training step allocates nothing.
 */
final class DeviceAllocator implements MemoryPool.Allocator {
    private final CudaDevice device;
    private final AtomicLong allocations = new AtomicLong();
    private final AtomicLong frees = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();

    DeviceAllocator(CudaDevice device) {
        this.device = device;
    }

    /** Number of {@code cuMemAlloc_v2} calls made. */
    long allocations() {
        return allocations.get();
    }

    /** Number of {@code cuMemFree_v2} calls made. */
    long frees() {
        return frees.get();
    }

    @Override
    @SuppressWarnings("restricted")
    public MemorySegment allocate(long size) {
        device.makeCurrent();
        long ptr;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            int rc = cuda_h.cuMemAlloc_v2(p, size);
            if (rc == cuda_h.CUDA_ERROR_OUT_OF_MEMORY()) {
                throw new OutOfMemoryError(device.where() + "cuMemAlloc_v2(" + size + " bytes) failed: out of device "
                        + "memory (" + (bytes.get() >> 20) + " MiB allocated by this pool, "
                        + (device.totalMemory() >> 20) + " MiB on the device)");
            }
            device.check(rc, "cuMemAlloc_v2(" + size + " bytes)");
            ptr = p.get(JAVA_LONG, 0);
        }
        allocations.incrementAndGet();
        bytes.addAndGet(size);
        return MemorySegment.ofAddress(ptr).reinterpret(size);
    }

    @Override
    public void free(MemorySegment block) {
        device.makeCurrent();
        // kernels queued earlier may still use the block
        device.syncStream();
        device.check(cuda_h.cuMemFree_v2(block.address()), "cuMemFree_v2");
        frees.incrementAndGet();
        bytes.addAndGet(-block.byteSize());
    }
}
