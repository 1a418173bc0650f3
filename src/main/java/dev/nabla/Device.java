package dev.nabla;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;
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

    /** The kernels that run on this device. */
    public Backend backend() {
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
