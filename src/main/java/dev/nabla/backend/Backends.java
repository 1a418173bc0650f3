package dev.nabla.backend;

import dev.nabla.backend.cpu.CpuBackend;
import dev.nabla.backend.java.JavaBackend;
import dev.nabla.nativelib.NativeLibraryException;
import dev.nabla.nativelib.OpenBlas;

/**
 * The backend instances, created once on first use. The {@code cpu} backend needs OpenBLAS; when it cannot be
 * loaded, {@link #cpu()} returns the pure-Java backend and logs one WARNING that says what was tried.
 */
public final class Backends {
    private static final System.Logger LOG = System.getLogger(Backends.class.getName());

    private Backends() {
    }

    private static final class JavaHolder {
        static final JavaBackend INSTANCE = create();

        private static JavaBackend create() {
            JavaBackend b = new JavaBackend(true);
            LOG.log(System.Logger.Level.DEBUG, "java backend: Vector API {0}",
                    b.usesVectorApi() ? "in use" : "not present (run with --add-modules jdk.incubator.vector)");
            return b;
        }
    }

    private static final class CpuHolder {
        static final Backend INSTANCE = create();

        private static Backend create() {
            try {
                OpenBlas blas = OpenBlas.require();
                LOG.log(System.Logger.Level.DEBUG, "cpu backend: {0}", blas);
                return new CpuBackend(blas);
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
     * The CUDA backend of GPU {@code index}. Until the CUDA backend is built into this library, there is none.
     *
     * @throws IllegalStateException when CUDA is not available
     */
    public static Backend cuda(int index) {
        throw new IllegalStateException("cuda: " + cudaUnavailableReason());
    }

    /** Number of usable CUDA devices (0 when the driver, the libraries or a GPU are missing). */
    public static int cudaDeviceCount() {
        return 0;
    }

    /** Why CUDA is unavailable, for error messages. */
    public static String cudaUnavailableReason() {
        return "this build of Nabla has no CUDA backend";
    }
}
