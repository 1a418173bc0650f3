package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.base.ScalarType;
import dev.nabla.bindings.cuda.cuda_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One kernel launch on the device's stream: the arguments, each in its own native cell and freed after the launch
 * (the driver copies them), and the grid. Arguments are added in the kernel's parameter order.
 */
final class KernelLaunch implements AutoCloseable {
    /** Threads per block of every launch that does not choose its own. */
    static final int THREADS = 256;

    private final CudaDevice device;
    private final CudaModule module;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment[] args = new MemorySegment[16];
    private int n;

    KernelLaunch(CudaDevice device, CudaModule module) {
        this.device = device;
        this.module = module;
    }

    /** The kernel-name suffix of a dtype: {@code unary_f32}, {@code copy_f32_f64}. */
    static String suffix(ScalarType t) {
        return t == ScalarType.FLOAT32 ? "f32" : "f64";
    }

    KernelLaunch ptr(long address) {
        return i64(address);
    }

    KernelLaunch i64(long v) {
        args[n++] = arena.allocateFrom(JAVA_LONG, v);
        return this;
    }

    KernelLaunch i32(int v) {
        args[n++] = arena.allocateFrom(JAVA_INT, v);
        return this;
    }

    KernelLaunch f64(double v) {
        args[n++] = arena.allocateFrom(JAVA_DOUBLE, v);
        return this;
    }

    /** A struct argument (see {@link Layouts}), allocated in {@link #arena()}. */
    KernelLaunch struct(MemorySegment s) {
        args[n++] = s;
        return this;
    }

    /** Where struct arguments of this launch are allocated. */
    Arena arena() {
        return arena;
    }

    /** Launches {@code name} with enough blocks of {@value #THREADS} threads for {@code work} items (grid-stride). */
    void run(String name, long work) {
        long blocks = Math.max(1, Math.min((work + THREADS - 1) / THREADS, (long) device.smCount() * 32));
        run(name, (int) blocks, THREADS);
    }

    void run(String name, int blocks, int threads) {
        MemorySegment f = module.function(name);
        MemorySegment params = arena.allocate(ADDRESS, n);
        for (int i = 0; i < n; i++) {
            params.setAtIndex(ADDRESS, i, args[i]);
        }
        device.check(cuda_h.cuLaunchKernel(f, blocks, 1, 1, threads, 1, 1, 0, device.stream(), params,
                MemorySegment.NULL), "cuLaunchKernel(" + name + ")");
    }

    @Override
    public void close() {
        arena.close();
    }
}
