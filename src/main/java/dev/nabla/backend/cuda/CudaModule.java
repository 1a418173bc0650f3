package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.nabla.base.LazyLogger;
import dev.nabla.bindings.cuda.cuda_h;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Nabla's kernels on one device: the PTX resource {@value CudaBackend#PTX_RESOURCE}, JIT-compiled by the driver when
 * loaded, and its functions, looked up once by name.
 */
final class CudaModule {
    private static final System.Logger LOG = LazyLogger.of(CudaBackend.class);

    private final CudaDevice device;
    private final MemorySegment module;
    private final ConcurrentHashMap<String, MemorySegment> functions = new ConcurrentHashMap<>();

    /** Loads the PTX into {@code device}'s context, which is current on this thread. */
    CudaModule(CudaDevice device) {
        this.device = device;
        this.module = load();
    }

    /** A new set of kernel arguments for one launch on this module's device. */
    KernelLaunch launch() {
        return new KernelLaunch(device, this);
    }

    /** The kernel {@code name} (an {@code extern "C"} entry of nabla_kernels.cu). */
    MemorySegment function(String name) {
        MemorySegment f = functions.get(name);
        if (f != null) {
            return f;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fp = a.allocate(ADDRESS);
            device.check(cuda_h.cuModuleGetFunction(fp, module, a.allocateFrom(name)),
                    "cuModuleGetFunction(" + name + ")");
            f = fp.get(ADDRESS, 0);
        }
        functions.put(name, f);
        return f;
    }

    private MemorySegment load() {
        String resource = CudaBackend.PTX_RESOURCE;
        byte[] ptx;
        try (InputStream in = CudaModule.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(device.where() + "resource " + resource
                        + " is missing from the class path (run make ptx)");
            }
            ptx = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(device.where() + "cannot read " + resource, e);
        }
        MemorySegment image = Arena.global().allocate(ptx.length + 1L);
        MemorySegment.copy(ptx, 0, image, JAVA_BYTE, 0, ptx.length);
        image.set(JAVA_BYTE, ptx.length, (byte) 0);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mp = a.allocate(ADDRESS);
            long t0 = System.nanoTime();
            int rc = cuda_h.cuModuleLoadData(mp, image);
            if (rc != 0) {
                throw new CudaException(device.where() + "cuModuleLoadData(" + resource + ") failed: "
                        + Cu.errorName(rc) + " (" + Cu.errorString(rc) + ")" + jitLog(image), rc);
            }
            LOG.log(Level.DEBUG, "cuda: loaded {0} ({1} bytes of PTX) in {2} ms", resource, ptx.length,
                    (System.nanoTime() - t0) / 1_000_000);
            return mp.get(ADDRESS, 0);
        }
    }

    /** The JIT compiler's error log for a module that failed to load (best effort). */
    private static String jitLog(MemorySegment image) {
        try (Arena a = Arena.ofConfined()) {
            int size = 16384;
            MemorySegment log = a.allocate(size);
            MemorySegment opts = a.allocate(JAVA_INT, 2);
            opts.setAtIndex(JAVA_INT, 0, cuda_h.CU_JIT_ERROR_LOG_BUFFER());
            opts.setAtIndex(JAVA_INT, 1, cuda_h.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES());
            MemorySegment vals = a.allocate(ADDRESS, 2);
            vals.setAtIndex(ADDRESS, 0, log);
            vals.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(size));
            MemorySegment mp = a.allocate(ADDRESS);
            int rc = cuda_h.cuModuleLoadDataEx(mp, image, 2, opts, vals);
            return rc == 0 ? "" : "; JIT log: " + log.getString(0);
        } catch (RuntimeException | LinkageError e) {
            return "";
        }
    }
}
