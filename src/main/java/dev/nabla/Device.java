package dev.nabla;

import dev.nabla.backend.Backend;
import dev.nabla.backend.DTypeDispatch;
import dev.nabla.backend.cpu.KernelThreads;
import dev.nabla.backend.cuda.CudaBackend;
import dev.nabla.backend.cuda.CudnnSettings;
import dev.nabla.nativelib.OpenBlas;
import dev.nabla.backend.registry.Backends;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a tensor's memory lives and whose kernels run on it.
 *
 * <ul>
 *   <li>{@link #CPU}: host memory, OpenBLAS GEMM and vectorised multi-threaded kernels; if OpenBLAS cannot be
 *       loaded it falls back to the pure-Java kernels and logs one line saying so.</li>
 *   <li>{@link #JAVA}: host memory, pure-Java kernels only (the reference and the benchmark baseline).</li>
 *   <li>{@link #cuda(int)}: an NVIDIA GPU's memory, cuBLAS/cuDNN and Nabla's CUDA kernels.</li>
 * </ul>
 * An op whose operands live on different devices throws, naming both; {@link Tensor#to(Device)} copies.
 * Instances are canonical, so {@code ==} compares devices.
 */
public final class Device {
    /** The kinds of device. */
    public enum Kind {
        /** Host memory, fastest CPU kernels. */
        CPU,
        /** Host memory, pure-Java kernels. */
        JAVA,
        /** NVIDIA GPU. */
        CUDA
    }

    /** Host memory with the fastest available CPU kernels. */
    public static final Device CPU = new Device(Kind.CPU, 0);
    /** Host memory with the pure-Java reference kernels. */
    public static final Device JAVA = new Device(Kind.JAVA, 0);

    private static final ConcurrentHashMap<Integer, Device> GPUS = new ConcurrentHashMap<>();

    private final Kind kind;
    private final int index;
    /** Created on first use: the CUDA backend initialises the device. */
    private volatile Backend backend;

    private Device(Kind kind, int index) {
        this.kind = kind;
        this.index = index;
    }

    /**
     * The CUDA device {@code index}.
     *
     * @throws IllegalStateException if CUDA is not available (no GPU, no driver or no CUDA libraries), with the
     *                               reason; {@link #cudaAvailable()} tells beforehand
     * @throws IllegalArgumentException if there is no GPU with that index
     */
    public static Device cuda(int index) {
        int count = Backends.cudaDeviceCount();
        if (count == 0) {
            throw new IllegalStateException("cuda: no CUDA device is available: " + Backends.cudaUnavailableReason());
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("cuda: device index " + index + " out of range; " + count
                    + " CUDA device(s) present");
        }
        return GPUS.computeIfAbsent(index, i -> new Device(Kind.CUDA, i));
    }

    /** True if at least one CUDA device can be used. */
    public static boolean cudaAvailable() {
        return Backends.cudaDeviceCount() > 0;
    }

    /** Every usable device: CPU, JAVA, then each CUDA device present (what device-parameterised tests run on). */
    public static Device[] values() {
        List<Device> all = new ArrayList<>(List.of(CPU, JAVA));
        for (int i = 0; i < Backends.cudaDeviceCount(); i++) {
            all.add(cuda(i));
        }
        return all.toArray(Device[]::new);
    }

    /** The kind of device. */
    public Kind kind() {
        return kind;
    }

    /** The GPU index (0 for host devices). */
    public int index() {
        return index;
    }

    /** True if the memory is host memory that Java can read directly. */
    public boolean isHost() {
        return kind != Kind.CUDA;
    }

    /**
     * The caching memory pool's counters for this device (the host devices {@link #CPU} and {@link #JAVA} share one
     * pool), like {@code torch.cuda.memory_stats()}.
     */
    public MemoryStats memoryStats() {
        return MemoryStats.of(backend().pool().stats());
    }

    /** Returns this device's cached free blocks to the system (blocks in use stay), like {@code torch.cuda.empty_cache()}. */
    public void emptyCache() {
        backend().pool().emptyCache();
    }

    /** Starts {@link MemoryStats#peakBytesInUse()} again from the bytes in use now. */
    public void resetPeakMemoryStats() {
        backend().pool().resetPeak();
    }

    /**
     * Caps the bytes of free blocks this device's pool keeps for reuse; releases beyond it go back to the system.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    public void setMaxCachedBytes(long bytes) {
        backend().pool().setMaxCachedBytes(bytes);
    }

    /**
     * What runs this device's kernels, for logs: e.g. {@code "OpenBLAS 0.3.31 (...)"} for {@link #CPU}, or the pure-Java
     * kernels (with or without the Vector API) when OpenBLAS could not be loaded.
     */
    public String description() {
        return switch (kind) {
            case CPU -> Backends.cpuIsNative() ? OpenBlas.require().toString()
                    : "pure-Java fallback (OpenBLAS not found: " + String.join("; ", OpenBlas.attempts()) + ")";
            case JAVA -> "pure-Java kernels, " + backend().name();
            case CUDA -> backend().toString();
        };
    }

    /** True if the kernels run in a native library: CUDA, or {@link #CPU} on OpenBLAS (not its pure-Java fallback). */
    public boolean isNative() {
        return kind == Kind.CUDA || (kind == Kind.CPU && Backends.cpuIsNative());
    }

    /** The number of threads a CPU kernel call may use, the caller included (like {@code torch.get_num_threads()}). */
    public static int cpuThreads() {
        return KernelThreads.threads();
    }

    /**
     * Sets the number of threads a CPU kernel call may use, the caller included (like {@code torch.set_num_threads});
     * it also caps OpenBLAS's threads. The default is the number of available processors.
     *
     * @throws IllegalArgumentException if {@code n} is not in {@code [1, 1024]}
     */
    public static void setCpuThreads(int n) {
        KernelThreads.setThreads(n);
    }

    /**
     * Lets CUDA matrix products use TF32 tensor cores (about 10 significant bits instead of float32's 24, much faster
     * on Ampere and newer GPUs); off by default, like PyTorch's {@code torch.backends.cuda.matmul.allow_tf32}.
     */
    public static void setAllowTf32(boolean allow) {
        CudaBackend.setAllowTf32(allow);
    }

    /**
     * Restricts CUDA convolutions to the cuDNN algorithms that give bit-identical results run after run (slower for
     * some shapes); off by default, like PyTorch's {@code torch.backends.cudnn.deterministic}. The system property
     * {@code nabla.cudnn.deterministic=true} sets it at start-up.
     */
    public static void setCudnnDeterministic(boolean deterministic) {
        CudnnSettings.setDeterministic(deterministic);
    }

    /** True if CUDA convolutions use only deterministic cuDNN algorithms ({@link #setCudnnDeterministic}). */
    public static boolean cudnnDeterministic() {
        return CudnnSettings.deterministic();
    }

    /**
     * Chooses each new convolution shape's cuDNN algorithms by timing them once instead of by cuDNN's heuristics
     * (the first call of a shape is slower, later ones may be faster); off by default, like PyTorch's
     * {@code torch.backends.cudnn.benchmark}. The system property {@code nabla.cudnn.benchmark=true} sets it at
     * start-up.
     */
    public static void setCudnnBenchmark(boolean benchmark) {
        CudnnSettings.setBenchmark(benchmark);
    }

    /**
     * Lets CUDA convolution, batch norm and softmax run on cuDNN where {@code libcudnn.so.9} is found (true, the
     * default), or keeps them on Nabla's own CUDA kernels (false), like PyTorch's {@code torch.backends.cudnn.enabled}.
     * The system property {@code nabla.cudnn.enabled=false} sets it at start-up.
     */
    public static void setCudnnEnabled(boolean enabled) {
        CudnnSettings.setEnabled(enabled);
    }

    /**
     * The kernels that run on this device, behind the dtype dispatch (not API: reached from other packages through
     * {@code Internals}).
     */
    Backend backend() {
        Backend b = backend;
        if (b == null) {
            b = new DTypeDispatch(rawBackend()); // a race makes two equal wrappers: harmless
            backend = b;
        }
        return b;
    }

    private Backend rawBackend() {
        return switch (kind) {
            case CPU -> Backends.cpu();
            case JAVA -> Backends.java();
            case CUDA -> Backends.cuda(index);
        };
    }

    /** Parses {@code cpu}, {@code java}, {@code cuda} or {@code cuda:N} (case-insensitive). */
    public static Device parse(String name) {
        String n = name.strip().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("cpu")) {
            return CPU;
        }
        if (n.equals("java")) {
            return JAVA;
        }
        if (n.equals("cuda")) {
            return cuda(0);
        }
        if (n.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(n.substring(5)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unknown device '" + name + "' (expected cpu, java, cuda or cuda:N)");
            }
        }
        throw new IllegalArgumentException("unknown device '" + name + "' (expected cpu, java, cuda or cuda:N)");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CPU -> "cpu";
            case JAVA -> "java";
            case CUDA -> "cuda:" + index;
        };
    }
}
