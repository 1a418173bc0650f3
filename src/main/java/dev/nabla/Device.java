package dev.nabla;

import dev.nabla.backend.Backend;
import dev.nabla.backend.Backends;

/**
 * Where a tensor's memory lives and whose kernels run on it.
 *
 * <ul>
 *   <li>{@link #CPU}: host memory, OpenBLAS GEMM and vectorised multi-threaded kernels; if OpenBLAS cannot be
 *       loaded it falls back to the pure-Java kernels and logs one line saying so.</li>
 *   <li>{@link #JAVA}: host memory, pure-Java kernels only (the reference and the benchmark baseline).</li>
 * </ul>
 * An op whose operands live on different devices throws, naming both; {@link Tensor#to(Device)} copies.
 */
public enum Device {
    /** Host memory with the fastest available CPU kernels. */
    CPU("cpu"),
    /** Host memory with the pure-Java reference kernels. */
    JAVA("java");

    private final String displayName;

    Device(String displayName) {
        this.displayName = displayName;
    }

    /** The kernels that run on this device. */
    public Backend backend() {
        return switch (this) {
            case CPU -> Backends.cpu();
            case JAVA -> Backends.java();
        };
    }

    /** Parses {@code cpu} or {@code java} (case-insensitive). */
    public static Device parse(String name) {
        for (Device d : values()) {
            if (d.displayName.equalsIgnoreCase(name.strip())) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown device '" + name + "' (expected cpu or java)");
    }

    @Override
    public String toString() {
        return displayName;
    }
}
