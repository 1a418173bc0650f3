package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.bindings.cuda.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One GPU's primary context and its single stream (every kernel, copy and cuBLAS call of the backend is ordered on
 * it), the device's facts, and memory allocated outside the pool. Every driver status is checked: a failure throws
 * {@link CudaException} naming the device, the call and the error.
 */
final class CudaDevice {
    private static final ThreadLocal<MemorySegment> CURRENT_CONTEXT = new ThreadLocal<>();

    private final int index;
    private final String where;
    private final MemorySegment context;
    private final MemorySegment stream;
    private final String name;
    private final long totalMemory;
    private final int ccMajor;
    private final int ccMinor;
    private final int smCount;

    /** Retains device {@code index}'s primary context, makes it current here and creates the stream. */
    CudaDevice(int index) {
        this.index = index;
        this.where = "cuda:" + index + ": ";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ip = a.allocate(JAVA_INT);
            check(cuda_h.cuDeviceGet(ip, index), "cuDeviceGet(" + index + ")");
            int dev = ip.get(JAVA_INT, 0);
            MemorySegment pp = a.allocate(ADDRESS);
            check(cuda_h.cuDevicePrimaryCtxRetain(pp, dev), "cuDevicePrimaryCtxRetain");
            context = pp.get(ADDRESS, 0);
            check(cuda_h.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            CURRENT_CONTEXT.set(context);

            MemorySegment nameBuffer = a.allocate(256);
            check(cuda_h.cuDeviceGetName(nameBuffer, 256, dev), "cuDeviceGetName");
            name = nameBuffer.getString(0);
            MemorySegment lp = a.allocate(JAVA_LONG);
            check(cuda_h.cuDeviceTotalMem_v2(lp, dev), "cuDeviceTotalMem_v2");
            totalMemory = lp.get(JAVA_LONG, 0);
            ccMajor = attribute(a, cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR(), dev);
            ccMinor = attribute(a, cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR(), dev);
            smCount = attribute(a, cuda_h.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT(), dev);

            check(cuda_h.cuStreamCreate(pp, cuda_h.CU_STREAM_DEFAULT()), "cuStreamCreate");
            stream = pp.get(ADDRESS, 0);
        }
    }

    private int attribute(Arena a, int attribute, int dev) {
        MemorySegment ip = a.allocate(JAVA_INT);
        check(cuda_h.cuDeviceGetAttribute(ip, attribute, dev), "cuDeviceGetAttribute(" + attribute + ")");
        return ip.get(JAVA_INT, 0);
    }

    int index() {
        return index;
    }

    /** Prefix of every message about this device, e.g. {@code "cuda:0: "}. */
    String where() {
        return where;
    }

    MemorySegment stream() {
        return stream;
    }

    String name() {
        return name;
    }

    long totalMemory() {
        return totalMemory;
    }

    String computeCapability() {
        return ccMajor + "." + ccMinor;
    }

    int smCount() {
        return smCount;
    }

    /** Makes this device's primary context current on the calling thread (once per thread and device). */
    void makeCurrent() {
        MemorySegment cur = CURRENT_CONTEXT.get();
        if (cur == null || cur.address() != context.address()) {
            check(cuda_h.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            CURRENT_CONTEXT.set(context);
        }
    }

    /** Waits for the stream; the caller has made the context current. */
    void syncStream() {
        check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    /** Device memory that never returns to the pool (workspaces, flags). */
    long rawAlloc(long bytes, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            check(cuda_h.cuMemAlloc_v2(p, bytes), "cuMemAlloc_v2(" + bytes + " bytes, " + what + ")");
            return p.get(JAVA_LONG, 0);
        }
    }

    /** Pinned host memory (staging buffers) that lives as long as the device. */
    @SuppressWarnings("restricted")
    MemorySegment hostAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            check(cuda_h.cuMemHostAlloc(p, bytes, 0), "cuMemHostAlloc(" + bytes + " bytes)");
            return p.get(ADDRESS, 0).reinterpret(bytes);
        }
    }

    void check(int rc, String call) {
        Cu.check(rc, where, call);
    }

    void checkBlas(int rc, String call) {
        Cu.checkBlas(rc, where, call);
    }
}
