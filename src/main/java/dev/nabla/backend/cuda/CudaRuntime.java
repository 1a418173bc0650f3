package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.nabla.base.LazyLogger;
import dev.nabla.bindings.cuda.cuda_h;
import dev.nabla.bindings.cudnn.cudnn_h;
import dev.nabla.nativelib.CudaLibraries;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CUDA runtime of this JVM, set up once on first use: loads the libraries ({@link CudaLibraries}), calls
 * {@code cuInit} and counts the devices. When any of that fails (no driver, no GPU, no cuBLAS) the device count is
 * 0, {@link #unavailableReason()} says why, and one DEBUG line is logged: nothing else in the library is affected.
 */
public final class CudaRuntime {
    private static final System.Logger LOG = LazyLogger.of(CudaRuntime.class);

    private static final class State {
        static final State INSTANCE = init();

        final int count;
        final String reason;
        final CudaLibraries.Loaded libraries;
        final int driverVersion;

        State(int count, String reason, CudaLibraries.Loaded libraries, int driverVersion) {
            this.count = count;
            this.reason = reason;
            this.libraries = libraries;
            this.driverVersion = driverVersion;
        }

        private static State init() {
            CudaLibraries.Loaded libs;
            try {
                libs = CudaLibraries.load();
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.DEBUG, "cuda: not available: {0}", e.getMessage());
                return new State(0, e.getMessage(), null, 0);
            }
            try (Arena a = Arena.ofConfined()) {
                int rc = cuda_h.cuInit(0);
                if (rc != 0) {
                    String why = "cuInit failed: " + Cu.errorName(rc) + " (" + Cu.errorString(rc) + ") with driver "
                            + libs.driver();
                    LOG.log(Level.DEBUG, "cuda: not available: {0}", why);
                    return new State(0, why, libs, 0);
                }
                MemorySegment n = a.allocate(JAVA_INT);
                Cu.check(cuda_h.cuDeviceGetCount(n), "", "cuDeviceGetCount");
                MemorySegment v = a.allocate(JAVA_INT);
                Cu.check(cuda_h.cuDriverGetVersion(v), "", "cuDriverGetVersion");
                int count = n.get(JAVA_INT, 0);
                String why = count == 0 ? "the CUDA driver reports no device" : null;
                LOG.log(Level.DEBUG, "cuda: {0} device(s), driver API {1}, libraries {2}", count,
                        v.get(JAVA_INT, 0), libs);
                return new State(count, why, libs, v.get(JAVA_INT, 0));
            } catch (RuntimeException | LinkageError e) {
                LOG.log(Level.DEBUG, "cuda: not available: {0}", e.toString());
                return new State(0, e.toString(), libs, 0);
            }
        }
    }

    private static final ConcurrentHashMap<Integer, CudaBackend> BACKENDS = new ConcurrentHashMap<>();

    private CudaRuntime() {
    }

    /** Number of usable CUDA devices; 0 (quietly) when the driver, cuBLAS or a GPU is missing. */
    public static int deviceCount() {
        return State.INSTANCE.count;
    }

    /** Why there is no usable device (null when there is one). */
    public static String unavailableReason() {
        return State.INSTANCE.reason;
    }

    /** The loaded libraries, or null when they could not be loaded. */
    public static CudaLibraries.Loaded libraries() {
        return State.INSTANCE.libraries;
    }

    /** The driver's CUDA version as {@code cuDriverGetVersion} reports it, e.g. 13000; 0 when unknown. */
    public static int driverVersion() {
        return State.INSTANCE.driverVersion;
    }

    /** The cuDNN version as {@code cudnnGetVersion} reports it (e.g. 91300), or 0 when cuDNN is not loaded. */
    public static long cudnnVersion() {
        CudaLibraries.Loaded libs = libraries();
        if (libs == null || !libs.hasCudnn()) {
            return 0;
        }
        try {
            return cudnn_h.cudnnGetVersion();
        } catch (RuntimeException | LinkageError e) {
            return 0;
        }
    }

    /**
     * The backend of GPU {@code index}, created on first use.
     *
     * @throws IllegalStateException when CUDA is not available, with the reason
     * @throws IllegalArgumentException when there is no GPU with that index
     */
    public static CudaBackend backend(int index) {
        int count = deviceCount();
        if (count == 0) {
            throw new IllegalStateException("cuda: no CUDA device is available: " + unavailableReason());
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("cuda: device index " + index + " out of range; " + count
                    + " CUDA device(s) present");
        }
        CudaBackend b = BACKENDS.get(index);
        if (b != null) {
            return b;
        }
        synchronized (BACKENDS) {
            return BACKENDS.computeIfAbsent(index, CudaBackend::new);
        }
    }

    /** One line per device and the library versions, for logs and benchmark reports. */
    public static String describe() {
        if (deviceCount() == 0) {
            return "CUDA not available: " + unavailableReason();
        }
        StringBuilder sb = new StringBuilder();
        int dv = driverVersion();
        sb.append("CUDA driver API ").append(dv / 1000).append('.').append(dv % 1000 / 10);
        long cudnn = cudnnVersion();
        sb.append(", cuDNN ").append(cudnn == 0 ? "not loaded" : cudnn / 10000 + "." + cudnn % 10000 / 100 + "."
                + cudnn % 100);
        CudaLibraries.Loaded libs = libraries();
        sb.append("\n  libcuda: ").append(libs.driver()).append("\n  libcublas: ").append(libs.cublas());
        if (libs.hasCudnn()) {
            sb.append("\n  libcudnn: ").append(libs.cudnn());
        }
        for (int i = 0; i < deviceCount(); i++) {
            sb.append("\n  ").append(backend(i).describe());
        }
        return sb.toString();
    }
}
