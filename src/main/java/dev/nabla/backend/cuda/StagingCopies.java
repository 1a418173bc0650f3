package dev.nabla.backend.cuda;

import dev.nabla.bindings.cuda.cuda_h;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Host to device copies and back. Small or heap copies go through one pinned staging buffer per device (the driver
 * would stage pageable memory itself, slower); large copies from native memory go directly. Every copy has finished
 * when the call returns.
 */
final class StagingCopies {
    private static final long STAGING_BYTES = 16L << 20;
    /** Copies from native host memory at least this large go directly (the driver stages pageable memory). */
    private static final long DIRECT_COPY_BYTES = 1L << 20;

    private final CudaDevice device;
    private final ReentrantLock stagingLock = new ReentrantLock();
    private final MemorySegment staging;

    StagingCopies(CudaDevice device) {
        this.device = device;
        this.staging = device.hostAlloc(STAGING_BYTES);
    }

    void copyFromHost(MemorySegment host, MemorySegment dst, long dstByteOffset, long bytes) {
        if (bytes == 0) {
            return;
        }
        device.makeCurrent();
        MemorySegment stream = device.stream();
        long d = dst.address() + dstByteOffset;
        if (host.isNative() && bytes >= DIRECT_COPY_BYTES) {
            device.check(cuda_h.cuMemcpyHtoDAsync_v2(d, host, bytes, stream),
                    "cuMemcpyHtoDAsync_v2(" + bytes + " bytes)");
            device.syncStream();
            return;
        }
        stagingLock.lock();
        try {
            for (long done = 0; done < bytes; ) {
                long len = Math.min(STAGING_BYTES, bytes - done);
                MemorySegment.copy(host, done, staging, 0, len);
                device.check(cuda_h.cuMemcpyHtoDAsync_v2(d + done, staging, len, stream),
                        "cuMemcpyHtoDAsync_v2(" + len + " bytes)");
                device.syncStream();
                done += len;
            }
        } finally {
            stagingLock.unlock();
        }
    }

    void copyToHost(MemorySegment src, long srcByteOffset, MemorySegment host, long bytes) {
        if (bytes == 0) {
            return;
        }
        device.makeCurrent();
        MemorySegment stream = device.stream();
        long s = src.address() + srcByteOffset;
        if (host.isNative() && bytes >= DIRECT_COPY_BYTES) {
            device.check(cuda_h.cuMemcpyDtoHAsync_v2(host, s, bytes, stream),
                    "cuMemcpyDtoHAsync_v2(" + bytes + " bytes)");
            device.syncStream();
            return;
        }
        stagingLock.lock();
        try {
            for (long done = 0; done < bytes; ) {
                long len = Math.min(STAGING_BYTES, bytes - done);
                device.check(cuda_h.cuMemcpyDtoHAsync_v2(staging, s + done, len, stream),
                        "cuMemcpyDtoHAsync_v2(" + len + " bytes)");
                device.syncStream();
                MemorySegment.copy(staging, 0, host, done, len);
                done += len;
            }
        } finally {
            stagingLock.unlock();
        }
    }
}
