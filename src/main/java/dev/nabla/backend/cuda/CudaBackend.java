package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.DType;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ConvGeometry;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.Strided;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.UpdateRule;
import dev.nabla.bindings.cublas.cublas_h;
import dev.nabla.bindings.cuda.cuda_h;
import dev.nabla.memory.MemoryPool;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The kernels of one NVIDIA GPU: cuBLAS for GEMM, Nabla's own CUDA kernels (PTX compiled from
 * {@code native/cuda/nabla_kernels.cu}, shipped as the resource {@value #PTX_RESOURCE} and JIT-compiled by the driver
 * when the backend is created) for everything else.
 *
 * <p>Per device, created once: the primary context, one stream (every kernel, copy and cuBLAS call of this
 * backend is ordered on it), one cuBLAS handle with a 32 MiB workspace, pinned host staging buffers for copies, and
 * a caching {@link MemoryPool} over {@code cuMemAlloc_v2}/{@code cuMemFree_v2} (so a training step performs no
 * {@code cuMemAlloc} after warm-up; {@link #deviceAllocations()} counts the real ones). Every entry point makes the
 * context current on the calling thread first, so any thread may call it. Every driver and cuBLAS status is
 * checked: a failure throws {@link CudaException} naming the call and the error.
 *
 * <p>Device memory is represented as {@code MemorySegment.ofAddress(devicePointer).reinterpret(bytes)}: the
 * segment carries the address and size only and must never be read or written from Java.
 *
 * <p>Precision: kernels compute in double and round once when storing (like the pure-Java reference). cuBLAS runs
 * in full FP32/FP64 by default; TF32 tensor-core math for float32 GEMM is opt-in with
 * {@link #setAllowTf32(boolean)} (PyTorch's {@code torch.backends.cuda.matmul.allow_tf32}).
 */
public final class CudaBackend implements Backend {
    /** Class-path resource holding the kernels' PTX. */
    public static final String PTX_RESOURCE = "/dev/nabla/cuda/nabla_kernels.ptx";

    private static final System.Logger LOG = System.getLogger(CudaBackend.class.getName());
    private static final int THREADS = 256;
    private static final long STAGING_BYTES = 16L << 20;
    private static final long WORKSPACE_BYTES = 32L << 20;
    /** Copies from native host memory at least this large go directly (the driver stages pageable memory). */
    private static final long DIRECT_COPY_BYTES = 1L << 20;
    private static final ThreadLocal<MemorySegment> CURRENT_CONTEXT = new ThreadLocal<>();
    private static volatile boolean allowTf32;

    private final int index;
    private final String where;
    private final MemorySegment context;
    private final MemorySegment stream;
    private final MemorySegment module;
    private final MemorySegment blas;
    private final MemoryPool pool;
    private final String deviceName;
    private final long totalMemory;
    private final int ccMajor;
    private final int ccMinor;
    private final int smCount;
    private final int cublasVersion;
    private final ConcurrentHashMap<String, MemorySegment> functions = new ConcurrentHashMap<>();
    private final AtomicLong deviceAllocations = new AtomicLong();
    private final AtomicLong deviceFrees = new AtomicLong();
    private final AtomicLong deviceBytes = new AtomicLong();
    private final ReentrantLock stagingLock = new ReentrantLock();
    private final MemorySegment staging;
    /** Device int flag + double value written by gather/scatterAdd on a bad index. */
    private final long errorFlag;
    private final MemorySegment errorHost;
    private final Object blasLock = new Object();

    /** Sets up device {@code index}; use {@link CudaRuntime#backend(int)} (or {@code Device.cuda(i)}) instead. */
    CudaBackend(int index) {
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

            MemorySegment name = a.allocate(256);
            check(cuda_h.cuDeviceGetName(name, 256, dev), "cuDeviceGetName");
            deviceName = name.getString(0);
            MemorySegment lp = a.allocate(JAVA_LONG);
            check(cuda_h.cuDeviceTotalMem_v2(lp, dev), "cuDeviceTotalMem_v2");
            totalMemory = lp.get(JAVA_LONG, 0);
            ccMajor = attribute(a, cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR(), dev);
            ccMinor = attribute(a, cuda_h.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR(), dev);
            smCount = attribute(a, cuda_h.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT(), dev);

            check(cuda_h.cuStreamCreate(pp, cuda_h.CU_STREAM_DEFAULT()), "cuStreamCreate");
            stream = pp.get(ADDRESS, 0);

            module = loadModule(a);

            checkBlas(cublas_h.cublasCreate_v2(pp), "cublasCreate_v2");
            blas = pp.get(ADDRESS, 0);
            checkBlas(cublas_h.cublasSetStream_v2(blas, stream), "cublasSetStream_v2");
            long workspace = rawAlloc(WORKSPACE_BYTES, "cuBLAS workspace");
            checkBlas(cublas_h.cublasSetWorkspace_v2(blas, MemorySegment.ofAddress(workspace), WORKSPACE_BYTES),
                    "cublasSetWorkspace_v2");
            checkBlas(cublas_h.cublasSetMathMode(blas, mathMode()), "cublasSetMathMode");
            checkBlas(cublas_h.cublasGetVersion_v2(blas, ip), "cublasGetVersion_v2");
            cublasVersion = ip.get(JAVA_INT, 0);

            staging = hostAlloc(STAGING_BYTES);
            errorHost = hostAlloc(64);
            errorFlag = rawAlloc(64, "index error flag");
            check(cuda_h.cuMemsetD32_v2(errorFlag, 0, 16), "cuMemsetD32_v2");
        }
        pool = new MemoryPool("cuda:" + index, new DeviceAllocator());
        pool.setMaxCachedBytes(Math.max(1L << 30, totalMemory / 2));
        LOG.log(Level.DEBUG, "cuda backend: {0}", describe());
    }

    /**
     * Allows TF32 tensor-core math in float32 GEMMs on every CUDA device (faster, about 10 mantissa bits in the
     * products; off by default, like PyTorch's {@code torch.backends.cuda.matmul.allow_tf32 = False}).
     */
    public static void setAllowTf32(boolean allow) {
        allowTf32 = allow;
        for (int i = 0; i < CudaRuntime.deviceCount(); i++) {
            CudaBackend b = CudaRuntime.backend(i);
            b.makeCurrent();
            synchronized (b.blasLock) {
                b.checkBlas(cublas_h.cublasSetMathMode(b.blas, mathMode()), "cublasSetMathMode");
            }
        }
    }

    /** True if float32 GEMMs may use TF32 tensor cores. */
    public static boolean allowTf32() {
        return allowTf32;
    }

    private static int mathMode() {
        return allowTf32 ? cublas_h.CUBLAS_TF32_TENSOR_OP_MATH() : cublas_h.CUBLAS_DEFAULT_MATH();
    }

    // ------------------------------------------------------------------ device facts

    /** Device name, e.g. {@code NVIDIA H100 80GB HBM3}. */
    public String deviceName() {
        return deviceName;
    }

    /** Total device memory in bytes. */
    public long totalMemory() {
        return totalMemory;
    }

    /** Compute capability, e.g. {@code 9.0}. */
    public String computeCapability() {
        return ccMajor + "." + ccMinor;
    }

    /** cuBLAS version as {@code cublasGetVersion} reports it (e.g. 130000 for 13.0.0). */
    public int cublasVersion() {
        return cublasVersion;
    }

    /** Number of {@code cuMemAlloc_v2} calls the pool made (workspace and staging excluded). */
    public long deviceAllocations() {
        return deviceAllocations.get();
    }

    /** Number of {@code cuMemFree_v2} calls the pool made. */
    public long deviceFrees() {
        return deviceFrees.get();
    }

    /** One line: device, memory, compute capability, cuBLAS version. */
    public String describe() {
        return "cuda:" + index + " " + deviceName + ", " + (totalMemory >> 20) + " MiB, compute capability "
                + computeCapability() + ", " + smCount + " SMs, cuBLAS " + cublasVersion / 10000 + "."
                + cublasVersion % 10000 / 100 + "." + cublasVersion % 100 + ", TF32 " + (allowTf32 ? "on" : "off");
    }

    /** Waits until every call queued on this device's stream has finished. */
    public void synchronize() {
        makeCurrent();
        check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    @Override
    public String name() {
        return "cuda:" + index;
    }

    @Override
    public MemoryPool pool() {
        return pool;
    }

    @Override
    public String toString() {
        return "CudaBackend[" + describe() + "]";
    }

    // ------------------------------------------------------------------ set-up helpers

    private int attribute(Arena a, int attribute, int dev) {
        MemorySegment ip = a.allocate(JAVA_INT);
        check(cuda_h.cuDeviceGetAttribute(ip, attribute, dev), "cuDeviceGetAttribute(" + attribute + ")");
        return ip.get(JAVA_INT, 0);
    }

    private MemorySegment loadModule(Arena a) {
        byte[] ptx;
        try (InputStream in = CudaBackend.class.getResourceAsStream(PTX_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(where + "resource " + PTX_RESOURCE + " is missing from the class path"
                        + " (run make ptx)");
            }
            ptx = in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(where + "cannot read " + PTX_RESOURCE, e);
        }
        MemorySegment image = Arena.global().allocate(ptx.length + 1L);
        MemorySegment.copy(ptx, 0, image, JAVA_BYTE, 0, ptx.length);
        image.set(JAVA_BYTE, ptx.length, (byte) 0);
        MemorySegment mp = a.allocate(ADDRESS);
        long t0 = System.nanoTime();
        int rc = cuda_h.cuModuleLoadData(mp, image);
        if (rc != 0) {
            throw new CudaException(where + "cuModuleLoadData(" + PTX_RESOURCE + ") failed: " + Cu.errorName(rc) + " ("
                    + Cu.errorString(rc) + ")" + jitLog(image), rc);
        }
        LOG.log(Level.DEBUG, "cuda: loaded {0} ({1} bytes of PTX) in {2} ms", PTX_RESOURCE, ptx.length,
                (System.nanoTime() - t0) / 1_000_000);
        return mp.get(ADDRESS, 0);
    }

    /** The JIT compiler's error log for a module that failed to load (best effort). */
    private String jitLog(MemorySegment image) {
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

    private MemorySegment function(String name) {
        MemorySegment f = functions.get(name);
        if (f != null) {
            return f;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fp = a.allocate(ADDRESS);
            check(cuda_h.cuModuleGetFunction(fp, module, a.allocateFrom(name)), "cuModuleGetFunction(" + name + ")");
            f = fp.get(ADDRESS, 0);
        }
        functions.put(name, f);
        return f;
    }

    private long rawAlloc(long bytes, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(JAVA_LONG);
            check(cuda_h.cuMemAlloc_v2(p, bytes), "cuMemAlloc_v2(" + bytes + " bytes, " + what + ")");
            return p.get(JAVA_LONG, 0);
        }
    }

    @SuppressWarnings("restricted")
    private MemorySegment hostAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(ADDRESS);
            check(cuda_h.cuMemHostAlloc(p, bytes, 0), "cuMemHostAlloc(" + bytes + " bytes)");
            return p.get(ADDRESS, 0).reinterpret(bytes);
        }
    }

    /** Makes this device's primary context current on the calling thread (once per thread and device). */
    void makeCurrent() {
        MemorySegment cur = CURRENT_CONTEXT.get();
        if (cur == null || cur.address() != context.address()) {
            check(cuda_h.cuCtxSetCurrent(context), "cuCtxSetCurrent");
            CURRENT_CONTEXT.set(context);
        }
    }

    private void check(int rc, String call) {
        Cu.check(rc, where, call);
    }

    private void checkBlas(int rc, String call) {
        Cu.checkBlas(rc, where, call);
    }

    /** The pool's source of blocks: {@code cuMemAlloc_v2}/{@code cuMemFree_v2}. */
    private final class DeviceAllocator implements MemoryPool.Allocator {
        @Override
        @SuppressWarnings("restricted")
        public MemorySegment allocate(long bytes) {
            makeCurrent();
            long ptr;
            try (Arena a = Arena.ofConfined()) {
                MemorySegment p = a.allocate(JAVA_LONG);
                int rc = cuda_h.cuMemAlloc_v2(p, bytes);
                if (rc == cuda_h.CUDA_ERROR_OUT_OF_MEMORY()) {
                    throw new OutOfMemoryError(where + "cuMemAlloc_v2(" + bytes + " bytes) failed: out of device "
                            + "memory (" + (deviceBytes.get() >> 20) + " MiB allocated by this pool, "
                            + (totalMemory >> 20) + " MiB on the device)");
                }
                check(rc, "cuMemAlloc_v2(" + bytes + " bytes)");
                ptr = p.get(JAVA_LONG, 0);
            }
            deviceAllocations.incrementAndGet();
            deviceBytes.addAndGet(bytes);
            return MemorySegment.ofAddress(ptr).reinterpret(bytes);
        }

        @Override
        public void free(MemorySegment block) {
            makeCurrent();
            // kernels queued earlier may still use the block
            check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize");
            check(cuda_h.cuMemFree_v2(block.address()), "cuMemFree_v2");
            deviceFrees.incrementAndGet();
            deviceBytes.addAndGet(-block.byteSize());
        }
    }

    // ------------------------------------------------------------------ launching

    /** Kernel arguments, each in its own native cell, freed after the launch (the driver copies them). */
    private final class Launch implements AutoCloseable {
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment[] args = new MemorySegment[16];
        private int n;

        Launch ptr(long address) {
            return i64(address);
        }

        Launch i64(long v) {
            args[n++] = arena.allocateFrom(JAVA_LONG, v);
            return this;
        }

        Launch i32(int v) {
            args[n++] = arena.allocateFrom(JAVA_INT, v);
            return this;
        }

        Launch f64(double v) {
            args[n++] = arena.allocateFrom(JAVA_DOUBLE, v);
            return this;
        }

        Launch struct(MemorySegment s) {
            args[n++] = s;
            return this;
        }

        Arena arena() {
            return arena;
        }

        /** Launches {@code name} with enough blocks of {@value #THREADS} threads for {@code work} items (grid-stride). */
        void run(String name, long work) {
            long blocks = Math.max(1, Math.min((work + THREADS - 1) / THREADS, (long) smCount * 32));
            run(name, (int) blocks, THREADS);
        }

        void run(String name, int blocks, int threads) {
            MemorySegment f = function(name);
            MemorySegment params = arena.allocate(ADDRESS, n);
            for (int i = 0; i < n; i++) {
                params.setAtIndex(ADDRESS, i, args[i]);
            }
            check(cuda_h.cuLaunchKernel(f, blocks, 1, 1, threads, 1, 1, 0, stream, params, MemorySegment.NULL),
                    "cuLaunchKernel(" + name + ")");
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    private static String suffix(DType t) {
        return t == DType.FLOAT32 ? "f32" : "f64";
    }

    /** Device address of element {@code elementOffset} of {@code seg}. */
    private static long addr(MemorySegment seg, long elementOffset, DType t) {
        return seg.address() + elementOffset * t.byteSize();
    }

    /** Device address of a contiguous operand's first element. */
    private static long addr(Strided s, DType t) {
        return addr(s.data(), s.offset(), t);
    }

    // ------------------------------------------------------------------ copies

    @Override
    public void copyFromHost(MemorySegment host, MemorySegment dst, long dstByteOffset, long bytes) {
        if (bytes == 0) {
            return;
        }
        makeCurrent();
        long d = dst.address() + dstByteOffset;
        if (host.isNative() && bytes >= DIRECT_COPY_BYTES) {
            check(cuda_h.cuMemcpyHtoDAsync_v2(d, host, bytes, stream), "cuMemcpyHtoDAsync_v2(" + bytes + " bytes)");
            check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize");
            return;
        }
        stagingLock.lock();
        try {
            for (long done = 0; done < bytes; ) {
                long len = Math.min(STAGING_BYTES, bytes - done);
                MemorySegment.copy(host, done, staging, 0, len);
                check(cuda_h.cuMemcpyHtoDAsync_v2(d + done, staging, len, stream),
                        "cuMemcpyHtoDAsync_v2(" + len + " bytes)");
                check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize");
                done += len;
            }
        } finally {
            stagingLock.unlock();
        }
    }

    @Override
    public void copyToHost(MemorySegment src, long srcByteOffset, MemorySegment host, long bytes) {
        if (bytes == 0) {
            return;
        }
        makeCurrent();
        long s = src.address() + srcByteOffset;
        if (host.isNative() && bytes >= DIRECT_COPY_BYTES) {
            check(cuda_h.cuMemcpyDtoHAsync_v2(host, s, bytes, stream), "cuMemcpyDtoHAsync_v2(" + bytes + " bytes)");
            check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize");
            return;
        }
        stagingLock.lock();
        try {
            for (long done = 0; done < bytes; ) {
                long len = Math.min(STAGING_BYTES, bytes - done);
                check(cuda_h.cuMemcpyDtoHAsync_v2(staging, s + done, len, stream),
                        "cuMemcpyDtoHAsync_v2(" + len + " bytes)");
                check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize");
                MemorySegment.copy(staging, 0, host, done, len);
                done += len;
            }
        } finally {
            stagingLock.unlock();
        }
    }

    @Override
    public void fill(DType dtype, Strided dst, double value) {
        if (dst.numel() == 0) {
            return;
        }
        makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(dst.shape(), dst.strides());
        long n = Layouts.numel(c.shape());
        if (c.dense()) {
            long at = addr(dst.data(), dst.offset(), dtype);
            if (dtype == DType.FLOAT32) {
                check(cuda_h.cuMemsetD32Async(at, Float.floatToRawIntBits((float) value), n, stream),
                        "cuMemsetD32Async");
                return;
            }
            long bits = Double.doubleToRawLongBits(value);
            if ((int) bits == (int) (bits >>> 32)) {
                check(cuda_h.cuMemsetD32Async(at, (int) bits, 2 * n, stream), "cuMemsetD32Async");
                return;
            }
        }
        try (Launch l = new Launch()) {
            l.struct(Layouts.geom(l.arena(), "fill", c.shape(), c.strides(), new long[] {dst.offset()}))
                    .ptr(dst.data().address()).f64(value).run("fill_" + suffix(dtype), n);
        }
    }

    @Override
    public void copy(DType srcType, Strided src, DType dstType, Strided dst) {
        if (dst.numel() == 0) {
            return;
        }
        makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(dst.shape(), src.strides(), dst.strides());
        long n = Layouts.numel(c.shape());
        if (srcType == dstType && c.dense()) {
            long s = addr(src.data(), src.offset(), srcType);
            long d = addr(dst.data(), dst.offset(), dstType);
            if (s != d) {
                check(cuda_h.cuMemcpyDtoDAsync_v2(d, s, n * srcType.byteSize(), stream), "cuMemcpyDtoDAsync_v2");
            }
            return;
        }
        try (Launch l = new Launch()) {
            l.struct(Layouts.geom(l.arena(), "copy", c.shape(), c.strides(), new long[] {src.offset(), dst.offset()}))
                    .ptr(src.data().address()).ptr(dst.data().address())
                    .run("copy_" + suffix(srcType) + "_" + suffix(dstType), n);
        }
    }

    // ------------------------------------------------------------------ GEMM

    /** A valid leading dimension for cuBLAS when a stored matrix has a single row (its ld is never used then). */
    private static int fixLd(int ld, long storedRows, long storedCols) {
        return storedRows <= 1 ? (int) Math.max(ld, Math.max(1, storedCols)) : ld;
    }

    @Override
    public void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                     double beta, MemorySegment c, long cOffset, int ldc) {
        batchedGemm(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, 0, b, bOffset, ldb, 0, beta, c, cOffset,
                ldc, 0, 1);
    }

    @Override
    public void batchedGemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long aOffset, int lda, long strideA,
                            MemorySegment b, long bOffset, int ldb, long strideB,
                            double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch) {
        if (m == 0 || n == 0 || batch == 0) {
            return;
        }
        makeCurrent();
        if (k == 0) {
            // C = beta * C (cuBLAS may not accept k = 0): one strided view over every batch entry
            Strided cv = new Strided(c, cOffset, new long[] {batch, m, n}, new long[] {strideC, ldc, 1});
            if (beta == 0) {
                fill(dtype, cv, 0.0);
            } else {
                unary(UnaryOp.MUL_SCALAR, dtype, cv, cv, beta, 0);
            }
            return;
        }
        // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T: swap the operands, keep the flags.
        int opA = transA ? cublas_h.CUBLAS_OP_T() : cublas_h.CUBLAS_OP_N();
        int opB = transB ? cublas_h.CUBLAS_OP_T() : cublas_h.CUBLAS_OP_N();
        int ldA = fixLd(lda, transA ? k : m, transA ? m : k);
        int ldB = fixLd(ldb, transB ? n : k, transB ? k : n);
        int ldC = fixLd(ldc, m, n);
        MemorySegment pa = MemorySegment.ofAddress(addr(a, aOffset, dtype));
        MemorySegment pb = MemorySegment.ofAddress(addr(b, bOffset, dtype));
        MemorySegment pc = MemorySegment.ofAddress(addr(c, cOffset, dtype));
        try (Arena ar = Arena.ofConfined()) {
            boolean f32 = dtype == DType.FLOAT32;
            MemorySegment al = f32 ? ar.allocateFrom(JAVA_FLOAT, (float) alpha) : ar.allocateFrom(JAVA_DOUBLE, alpha);
            MemorySegment be = f32 ? ar.allocateFrom(JAVA_FLOAT, (float) beta) : ar.allocateFrom(JAVA_DOUBLE, beta);
            int rc;
            String call;
            synchronized (blasLock) {
                if (batch == 1) {
                    call = f32 ? "cublasSgemm_v2" : "cublasDgemm_v2";
                    rc = f32
                            ? cublas_h.cublasSgemm_v2(blas, opB, opA, n, m, k, al, pb, ldB, pa, ldA, be, pc, ldC)
                            : cublas_h.cublasDgemm_v2(blas, opB, opA, n, m, k, al, pb, ldB, pa, ldA, be, pc, ldC);
                } else {
                    call = f32 ? "cublasSgemmStridedBatched" : "cublasDgemmStridedBatched";
                    rc = f32
                            ? cublas_h.cublasSgemmStridedBatched(blas, opB, opA, n, m, k, al, pb, ldB, strideB, pa, ldA,
                                    strideA, be, pc, ldC, strideC, batch)
                            : cublas_h.cublasDgemmStridedBatched(blas, opB, opA, n, m, k, al, pb, ldB, strideB, pa, ldA,
                                    strideA, be, pc, ldC, strideC, batch);
                }
            }
            if (rc != 0) {
                checkBlas(rc, call + "(m=" + m + ", n=" + n + ", k=" + k + ", transA=" + transA + ", transB=" + transB
                        + ", lda=" + lda + ", ldb=" + ldb + ", ldc=" + ldc + ", batch=" + batch + ")");
            }
        }
    }

    // ------------------------------------------------------------------ element-wise

    /** The kernels' code for a unary op ({@code unary_op} in nabla_kernels.cu). */
    static int unaryCode(UnaryOp op) {
        return switch (op) {
            case NEG -> 0;
            case EXP -> 1;
            case LOG -> 2;
            case SQRT -> 3;
            case RSQRT -> 4;
            case ABS -> 5;
            case SIGN -> 6;
            case SQUARE -> 7;
            case RECIPROCAL -> 8;
            case POW_SCALAR -> 9;
            case ADD_SCALAR -> 10;
            case MUL_SCALAR -> 11;
            case RSUB_SCALAR -> 12;
            case RDIV_SCALAR -> 13;
            case CLAMP -> 14;
            case RELU -> 15;
            case LEAKY_RELU -> 16;
            case ELU -> 17;
            case SIGMOID -> 18;
            case TANH -> 19;
            case GELU_TANH -> 20;
            case GELU_ERF -> 21;
            case SOFTPLUS -> 22;
            case SILU -> 23;
            case ERF -> 24;
            case GT_SCALAR -> 25;
            case LT_SCALAR -> 26;
            case EQ_SCALAR -> 27;
            case HARDSWISH -> 28;
            case MISH -> 29;
            default -> throw new UnsupportedOperationException("cuda: unary op " + op + " has no CUDA kernel yet");
        };
    }

    /** The kernels' code for a binary op ({@code binary_op} in nabla_kernels.cu). */
    static int binaryCode(BinaryOp op) {
        return switch (op) {
            case ADD -> 0;
            case SUB -> 1;
            case MUL -> 2;
            case DIV -> 3;
            case POW -> 4;
            case MAXIMUM -> 5;
            case MINIMUM -> 6;
            case EQ -> 7;
            case GT -> 8;
            case GE -> 9;
            case LT -> 10;
            case LE -> 11;
            default -> throw new UnsupportedOperationException("cuda: binary op " + op + " has no CUDA kernel yet");
        };
    }

    @Override
    public void unary(UnaryOp op, DType dtype, Strided x, Strided out, double a, double b) {
        if (out.numel() == 0) {
            return;
        }
        int code = unaryCode(op);
        makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(out.shape(), x.strides(), out.strides());
        try (Launch l = new Launch()) {
            l.struct(Layouts.geom(l.arena(), "unary", c.shape(), c.strides(), new long[] {x.offset(), out.offset()}))
                    .ptr(x.data().address()).ptr(out.data().address()).i32(code).f64(a).f64(b)
                    .run("unary_" + suffix(dtype), Layouts.numel(c.shape()));
        }
    }

    @Override
    public void binary(BinaryOp op, DType dtype, Strided x, Strided y, Strided out) {
        if (out.numel() == 0) {
            return;
        }
        int code = binaryCode(op);
        makeCurrent();
        Layouts.Collapsed c = Layouts.collapse(out.shape(), x.strides(), y.strides(), out.strides());
        try (Launch l = new Launch()) {
            l.struct(Layouts.geom(l.arena(), "binary", c.shape(), c.strides(),
                            new long[] {x.offset(), y.offset(), out.offset()}))
                    .ptr(x.data().address()).ptr(y.data().address()).ptr(out.data().address()).i32(code)
                    .run("binary_" + suffix(dtype), Layouts.numel(c.shape()));
        }
    }

    // ------------------------------------------------------------------ reductions

    @Override
    public void reduce(ReduceOp op, DType dtype, Strided x, Strided out) {
        int code = switch (op) {
            case SUM -> 0;
            case MEAN -> 1;
            case MAX -> 2;
            case MIN -> 3;
            default -> throw new IllegalArgumentException("reduce: unsupported op " + op);
        };
        if (out.numel() == 0) {
            return;
        }
        makeCurrent();
        int rank = x.rank();
        int kept = 0;
        for (int d = 0; d < rank; d++) {
            if (!(out.shape()[d] == 1 && x.shape()[d] != 1)) {
                kept++;
            }
        }
        long[] ks = new long[kept];
        long[] kx = new long[kept];
        long[] ko = new long[kept];
        long[] rs = new long[rank - kept];
        long[] rx = new long[rank - kept];
        for (int d = 0, i = 0, j = 0; d < rank; d++) {
            if (out.shape()[d] == 1 && x.shape()[d] != 1) {
                rs[j] = x.shape()[d];
                rx[j++] = x.strides()[d];
            } else {
                ks[i] = x.shape()[d];
                kx[i] = x.strides()[d];
                ko[i++] = out.strides()[d];
            }
        }
        Layouts.Collapsed keptC = Layouts.collapse(ks, kx, ko);
        Layouts.Collapsed redC = Layouts.collapse(rs, rx);
        long nout = Layouts.numel(keptC.shape());
        long nred = Layouts.numel(rs);
        // coalesced when neighbouring outputs are neighbouring inputs; otherwise a block per output
        boolean innerContiguous = keptC.strides()[0][keptC.rank() - 1] == 1 && keptC.shape()[keptC.rank() - 1] > 1;
        boolean threadPerOutput = nred < 64 || (innerContiguous && nout >= 4096);
        try (Launch l = new Launch()) {
            l.struct(Layouts.rgeom(l.arena(), keptC, redC, out.offset(), x.offset())).ptr(x.data().address()).ptr(out.data().address()).i32(code);
            if (threadPerOutput) {
                l.run("reduce_thread_" + suffix(dtype), nout);
            } else {
                int blocks = (int) Math.min(nout, (long) smCount * 64);
                l.run("reduce_block_" + suffix(dtype), Math.max(1, blocks), THREADS);
            }
        }
    }

    @Override
    public void argReduce(ReduceOp op, DType dtype, Strided x, int dim, Strided out) {
        boolean max = switch (op) {
            case ARGMAX -> true;
            case ARGMIN -> false;
            default -> throw new IllegalArgumentException("argReduce: unsupported op " + op);
        };
        if (out.numel() == 0) {
            return;
        }
        makeCurrent();
        long[] lineShape = x.shape().clone();
        lineShape[dim] = 1;
        Layouts.Collapsed c = Layouts.collapse(lineShape, x.strides(), out.strides());
        try (Launch l = new Launch()) {
            l.struct(Layouts.geom(l.arena(), "argReduce", c.shape(), c.strides(), new long[] {x.offset(), out.offset()}))
                    .ptr(x.data().address()).ptr(out.data().address()).i64(x.shape()[dim]).i64(x.strides()[dim])
                    .i32(max ? 1 : 0).run("argreduce_" + suffix(dtype), Layouts.numel(c.shape()));
        }
    }

    // ------------------------------------------------------------------ indexing

    @Override
    public void gather(DType dtype, Strided x, int dim, DType indexType, Strided index, Strided out) {
        if (out.numel() == 0) {
            return;
        }
        makeCurrent();
        indexKernel("gather", "gather_" + suffix(dtype) + "_" + suffix(indexType), out.shape(), dim,
                new long[][] {x.strides(), index.strides(), out.strides()},
                new long[] {x.offset(), index.offset(), out.offset()},
                x.data().address(), index.data().address(), out.data().address(), x.shape()[dim], x.strides()[dim]);
    }

    @Override
    public void scatterAdd(DType dtype, Strided out, int dim, DType indexType, Strided index, Strided src) {
        if (src.numel() == 0) {
            return;
        }
        makeCurrent();
        indexKernel("scatterAdd", "scatter_add_" + suffix(dtype) + "_" + suffix(indexType), src.shape(), dim,
                new long[][] {out.strides(), index.strides(), src.strides()},
                new long[] {out.offset(), index.offset(), src.offset()},
                out.data().address(), index.data().address(), src.data().address(), out.shape()[dim],
                out.strides()[dim]);
    }

    private void indexKernel(String op, String kernel, long[] shape, int dim, long[][] strides, long[] offsets,
                             long p0, long p1, long p2, long size, long stride) {
        long[] sh = shape;
        long[][] st = strides;
        if (shape.length == 0) {
            sh = new long[] {1};
            st = new long[][] {{0}, {0}, {0}};
            dim = 0;
        }
        try (Launch l = new Launch()) {
            l.struct(Layouts.geom(l.arena(), op, sh, st, offsets)).ptr(p0).ptr(p1).ptr(p2).i32(dim).i64(size)
                    .i64(stride).ptr(errorFlag).ptr(errorFlag + 8).run(kernel, Layouts.numel(sh));
        }
        // an index out of range was recorded instead of being read: report it like the reference kernels
        check(cuda_h.cuMemcpyDtoHAsync_v2(errorHost, errorFlag, 16, stream), "cuMemcpyDtoHAsync_v2(index flag)");
        check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize");
        if (errorHost.get(JAVA_INT, 0) != 0) {
            double bad = errorHost.get(JAVA_DOUBLE, 8);
            check(cuda_h.cuMemsetD32Async(errorFlag, 0, 4, stream), "cuMemsetD32Async");
            check(cuda_h.cuStreamSynchronize(stream), "cuStreamSynchronize");
            throw new IndexOutOfBoundsException(op + ": index " + bad + " is out of range for a dimension of size "
                    + size);
        }
    }

    @Override
    public void im2col(DType dtype, Strided x, ConvGeometry geometry, double padValue, Strided cols) {
        if (cols.numel() == 0) {
            return;
        }
        makeCurrent();
        try (Launch l = new Launch()) {
            l.struct(Layouts.convg(l.arena(), x.shape(), geometry, x.offset(), x.strides(), cols.offset(),
                            cols.strides()))
                    .ptr(x.data().address()).ptr(cols.data().address()).f64(padValue)
                    .run("im2col_" + suffix(dtype), cols.numel());
        }
    }

    @Override
    public void col2im(DType dtype, Strided cols, ConvGeometry geometry, Strided x) {
        if (x.numel() == 0 || cols.numel() == 0) {
            return;
        }
        makeCurrent();
        try (Launch l = new Launch()) {
            l.struct(Layouts.convg(l.arena(), x.shape(), geometry, x.offset(), x.strides(), cols.offset(),
                            cols.strides()))
                    .ptr(cols.data().address()).ptr(x.data().address())
                    .run("col2im_" + suffix(dtype), x.numel());
        }
    }

    // ------------------------------------------------------------------ optimizers

    @Override
    public void fusedUpdate(DType dtype, UpdateRule rule, Strided param, Strided grad, Strided[] state) {
        long n = param.numel();
        if (n == 0) {
            return;
        }
        makeCurrent();
        String s = suffix(dtype);
        long p = addr(param, dtype);
        long g = addr(grad, dtype);
        try (Launch l = new Launch()) {
            switch (rule) {
                case UpdateRule.Sgd r -> l.ptr(p).ptr(g).ptr(state.length > 0 ? addr(state[0], dtype) : 0L).i64(n)
                        .f64(r.lr()).f64(r.momentum()).f64(r.dampening()).f64(r.weightDecay())
                        .i32(r.nesterov() ? 1 : 0).i32(r.firstStep() ? 1 : 0).run("sgd_" + s, n);
                case UpdateRule.Adam r -> {
                    double bc1 = 1 - Math.pow(r.beta1(), r.step());
                    double bc2Sqrt = Math.sqrt(1 - Math.pow(r.beta2(), r.step()));
                    double stepSize = r.lr() / bc1;
                    double decay = r.decoupled() ? 1 - r.lr() * r.weightDecay() : 1;
                    l.ptr(p).ptr(g).ptr(addr(state[0], dtype)).ptr(addr(state[1], dtype))
                            .ptr(r.amsgrad() ? addr(state[2], dtype) : 0L).i64(n).f64(r.beta1()).f64(r.beta2())
                            .f64(r.eps()).f64(r.weightDecay()).i32(r.decoupled() ? 1 : 0).f64(stepSize).f64(bc2Sqrt)
                            .f64(decay).run("adam_" + s, n);
                }
                case UpdateRule.RmsProp r -> {
                    int k = 0;
                    long sq = addr(state[k++], dtype);
                    long ga = r.centered() ? addr(state[k++], dtype) : 0L;
                    long mb = r.momentum() > 0 ? addr(state[k], dtype) : 0L;
                    l.ptr(p).ptr(g).ptr(sq).ptr(ga).ptr(mb).i64(n).f64(r.lr()).f64(r.alpha()).f64(r.eps())
                            .f64(r.weightDecay()).f64(r.momentum()).run("rmsprop_" + s, n);
                }
                case UpdateRule.Adagrad r -> {
                    double clr = r.lr() / (1 + (r.step() - 1) * r.lrDecay());
                    l.ptr(p).ptr(g).ptr(addr(state[0], dtype)).i64(n).f64(clr).f64(r.weightDecay()).f64(r.eps())
                            .run("adagrad_" + s, n);
                }
            }
        }
    }
}
