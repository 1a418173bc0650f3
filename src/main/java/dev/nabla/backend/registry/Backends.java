package dev.nabla.backend.registry;

import dev.nabla.backend.Backend;
import dev.nabla.backend.cpu.CpuBackend;
import dev.nabla.backend.java.JavaBackend;
import dev.nabla.backend.java.VectorSupport;
import dev.nabla.nativelib.NativeLibraryException;
import dev.nabla.nativelib.OpenBlas;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The backend registry: the instances, created once on first use. It sits in a package of its own, above the
 * implementations, so that the {@code backend} package (the interface) does not depend on them. The {@code cpu}
 * backend needs OpenBLAS; when it cannot be loaded, {@link #cpu()} returns the pure-Java backend and logs one
 * WARNING that says what was tried. Without the Vector API ({@code --add-modules jdk.incubator.vector}) the first
 * CPU backend created logs one WARNING too.
 */
public final class Backends {
    private static final System.Logger LOG = System.getLogger(Backends.class.getName());
    private static final AtomicBoolean WARNED_VECTOR_API = new AtomicBoolean();

    private Backends() {
    }

    private static final class JavaHolder {
        static final JavaBackend INSTANCE = create();

        private static JavaBackend create() {
            JavaBackend b = new JavaBackend(true);
            LOG.log(System.Logger.Level.DEBUG, "java backend: Vector API {0}", b.usesVectorApi() ? "in use" : "absent");
            warnOnceWithoutVectorApi();
            return b;
        }
    }

    private static final class CpuHolder {
        static final Backend INSTANCE = create();

        private static Backend create() {
            try {
                OpenBlas blas = OpenBlas.require();
                LOG.log(System.Logger.Level.DEBUG, "cpu backend: {0}", blas);
                warnOnceWithoutVectorApi();
                return new CpuBackend(blas);
            } catch (NativeLibraryException | UnsatisfiedLinkError e) {
                LOG.log(System.Logger.Level.WARNING,
                        "cpu backend: OpenBLAS not available, using the pure-Java kernels. " + e.getMessage());
                return JavaHolder.INSTANCE;
            }
        }
    }

    /**
     * One WARNING per JVM when the Vector API is absent: the element-wise kernels and optimizer updates of the cpu and
     * java devices then run scalar loops, and a training step is several times slower (the 784-512-256-10 MLP at batch
     * 128 took 25-50 ms per step instead of 2-3 ms on the development machine).
     */
    private static void warnOnceWithoutVectorApi() {
        if (!VectorSupport.available() && WARNED_VECTOR_API.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "the Vector API is not enabled: element-wise kernels and optimizer "
                    + "updates run scalar loops, training steps several times slower; run java with "
                    + "--add-modules jdk.incubator.vector");
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
