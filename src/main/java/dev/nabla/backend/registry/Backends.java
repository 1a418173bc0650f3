package dev.nabla.backend.registry;

import dev.nabla.backend.Backend;
import dev.nabla.backend.cpu.CpuBackend;
import dev.nabla.backend.java.JavaBackend;
import dev.nabla.backend.java.VectorSupport;
import dev.nabla.base.LazyLogger;
import dev.nabla.nativelib.NativeLibraryException;
import dev.nabla.nativelib.OpenBlas;

/**
 * The backend registry: the instances, created once on first use. It sits in a package of its own, above the
 * implementations, so that the {@code backend} package (the interface) does not depend on them. The {@code cpu}
 * backend needs OpenBLAS; when it cannot be loaded, {@link #cpu()} returns the pure-Java backend and logs one
 * WARNING that says what was tried. Creating a backend logs nothing else, so a program that never logs does not start
 * the logging system (what loaded: {@code Nabla.info()}); without the Vector API, {@link VectorSupport} warns once
 * when a kernel first runs scalar on a large tensor.
 */
public final class Backends {
    private static final System.Logger LOG = LazyLogger.of(Backends.class);

    private Backends() {
    }

    private static final class JavaHolder {
        static final JavaBackend INSTANCE = create();

        private static JavaBackend create() {
            return new JavaBackend(true);
        }
    }

    private static final class CpuHolder {
        static final Backend INSTANCE = create();

        private static Backend create() {
            try {
                return new CpuBackend(OpenBlas.require());
            } catch (NativeLibraryException | UnsatisfiedLinkError e) {
                LOG.log(System.Logger.Level.WARNING,
                        "cpu backend: OpenBLAS not available, using the pure-Java kernels. " + e.getMessage());
                return JavaHolder.INSTANCE;
            }
        }
    }

    /** The pure-Java reference backend. */
    public static JavaBackend java() {
        return JavaHolder.INSTANCE;
    }

    /** The OpenBLAS-backed CPU backend, or the pure-Java one if OpenBLAS could not be loaded. */
    public static Backend cpu() {
        return CpuHolder.INSTANCE;
    }

    /** True if {@link #cpu()} runs on OpenBLAS. */
    public static boolean cpuIsNative() {
        return cpu() instanceof CpuBackend;
    }

    /**
     * The CUDA backend of GPU {@code index}, created on first use (primary context, stream, cuBLAS handle, kernels).
     *
     * @throws IllegalStateException when CUDA is not available, with the reason
     * @throws IllegalArgumentException when there is no GPU with that index
     */
    public static Backend cuda(int index) {
        return dev.nabla.backend.cuda.CudaRuntime.backend(index);
    }

    /**
     * Number of usable CUDA devices: 0 when the driver, cuBLAS or a GPU is missing (then quietly, with one DEBUG log
     * line; {@link #cudaUnavailableReason()} says why).
     */
    public static int cudaDeviceCount() {
        return dev.nabla.backend.cuda.CudaRuntime.deviceCount();
    }

    /** Why CUDA is unavailable, for error messages (null when a device is available). */
    public static String cudaUnavailableReason() {
        return dev.nabla.backend.cuda.CudaRuntime.unavailableReason();
    }
}
