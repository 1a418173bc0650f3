package dev.nabla.backend.cuda;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.UpdateRule;
import dev.nabla.base.ConvGeometry;
import dev.nabla.base.LazyLogger;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.MemoryPool;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;

/**
 * The kernels of one NVIDIA GPU: cuBLAS for GEMM, cuDNN (when {@code libcudnn.so.9} loads: {@link Cudnn}) for
 * convolution, batch norm and softmax, Nabla's own CUDA kernels (PTX compiled from
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
 *
 * <p>This class only delegates: {@link CudaDevice} (context, stream), {@link CudaModule} (PTX, functions),
 * {@link DeviceAllocator} (the pool's blocks), {@link StagingCopies} (host copies), {@link CublasGemm} and one class
 * per kernel family.
 */
public final class CudaBackend implements Backend {
    /** Class-path resource holding the kernels' PTX. */
    public static final String PTX_RESOURCE = "/dev/nabla/cuda/nabla_kernels.ptx";

    private static final System.Logger LOG = LazyLogger.of(CudaBackend.class);
    private static volatile boolean allowTf32;

    private final CudaDevice device;
    private final ElementwiseKernels elementwise;
    private final CublasGemm gemm;
    private final StagingCopies copies;
    private final IndexKernels indexing;
    private final ReductionKernels reductions;
    private final ConvKernels conv;
    private final OptimizerKernels optimizers;
    private final NormalizationKernels normalization;
    private final PoolingKernels pooling;
    /** Integer and bool elements: the Java kernels on host copies (the CUDA kernels are float32/float64 only). */
    private final HostFallback hostFallback = new HostFallback(this);
    private final DeviceAllocator allocator;
    private final MemoryPool pool;
    /** Null when cuDNN is not loaded: the optional fused ops then return false and the callers compose them. */
    private final Cudnn cudnn;

    /** Sets up device {@code index}; use {@link CudaRuntime#backend(int)} (or {@code Device.cuda(i)}) instead. */
    /** The device whose context and stream this backend uses (for {@link CudaStreamAccess}). */
    CudaDevice device() {
        return device;
    }

    CudaBackend(int index) {
        device = new CudaDevice(index);
        CudaModule module = new CudaModule(device);
        elementwise = new ElementwiseKernels(device, module);
        gemm = new CublasGemm(device, elementwise, allowTf32);
        copies = new StagingCopies(device);
        indexing = new IndexKernels(device, module);
        reductions = new ReductionKernels(device, module);
        conv = new ConvKernels(device, module);
        optimizers = new OptimizerKernels(device, module);
        normalization = new NormalizationKernels(device, module);
        pooling = new PoolingKernels(device, module);
        allocator = new DeviceAllocator(device);
        pool = new MemoryPool("cuda:" + index, allocator);
        pool.setMaxCachedBytes(Math.max(1L << 30, device.totalMemory() / 2));
        cudnn = Cudnn.open(device, pool, this::fill, CudaBackend::allowTf32);
        LOG.log(Level.DEBUG, "cuda backend: {0}", describe());
    }

    /**
     * Allows TF32 tensor-core math in float32 GEMMs on every CUDA device (faster, about 10 mantissa bits in the
     * products; off by default, like PyTorch's {@code torch.backends.cuda.matmul.allow_tf32 = False}).
     */
    public static void setAllowTf32(boolean allow) {
        allowTf32 = allow;
        for (int i = 0; i < CudaRuntime.deviceCount(); i++) {
            CudaRuntime.backend(i).gemm.allowTf32(allow);
        }
    }

    /** True if float32 GEMMs may use TF32 tensor cores. */
    public static boolean allowTf32() {
        return allowTf32;
    }

    // ------------------------------------------------------------------ device facts

    /** Device name, e.g. {@code NVIDIA H100 80GB HBM3}. */
    public String deviceName() {
        return device.name();
    }

    /** Total device memory in bytes. */
    public long totalMemory() {
        return device.totalMemory();
    }

    /** Compute capability, e.g. {@code 9.0}. */
    public String computeCapability() {
        return device.computeCapability();
    }

    /** cuBLAS version as {@code cublasGetVersion} reports it (e.g. 130000 for 13.0.0). */
    public int cublasVersion() {
        return gemm.version();
    }

    /** True if this device runs convolution, batch norm and softmax on cuDNN (loaded, and {@link CudnnSettings}). */
    public boolean usesCudnn() {
        return cudnn != null && CudnnSettings.enabled();
    }

    /** Number of {@code cuMemAlloc_v2} calls the pool made (workspace and staging excluded). */
    public long deviceAllocations() {
        return allocator.allocations();
    }

    /** Number of {@code cuMemFree_v2} calls the pool made. */
    public long deviceFrees() {
        return allocator.frees();
    }

    /** One line: device, memory, compute capability, cuBLAS version. */
    public String describe() {
        int v = gemm.version();
        return "cuda:" + device.index() + " " + device.name() + ", " + (device.totalMemory() >> 20)
                + " MiB, compute capability " + computeCapability() + ", " + device.smCount() + " SMs, cuBLAS "
                + v / 10000 + "." + v % 10000 / 100 + "." + v % 100 + ", TF32 " + (allowTf32 ? "on" : "off");
    }

    /** Waits until every call queued on this device's stream has finished. */
    public void synchronize() {
        device.makeCurrent();
        device.syncStream();
    }

    @Override
    public String name() {
        return "cuda:" + device.index();
    }

    @Override
    public MemoryPool pool() {
        return pool;
    }

    @Override
    public String toString() {
        return "CudaBackend[" + describe() + "]";
    }

    // ------------------------------------------------------------------ copies

    @Override
    public void copyFromHost(MemorySegment host, MemorySegment dst, long dstByteOffset, long bytes) {
        copies.copyFromHost(host, dst, dstByteOffset, bytes);
    }

    @Override
    public void copyToHost(MemorySegment src, long srcByteOffset, MemorySegment host, long bytes) {
        copies.copyToHost(src, srcByteOffset, host, bytes);
    }

    // ------------------------------------------------------------------ kernels

    @Override
    public void fill(ScalarType dtype, Strided dst, double value) {
        if (!dtype.isStandardFloat()) {
            HostConversions.fill(this, dtype, dst, value);
            return;
        }
        elementwise.fill(dtype, dst, value);
    }

    @Override
    public void copy(ScalarType srcType, Strided src, ScalarType dstType, Strided dst) {
        if (!srcType.isStandardFloat() || !dstType.isStandardFloat()) {
            HostConversions.copy(this, srcType, src, dstType, dst);
            return;
        }
        elementwise.copy(srcType, src, dstType, dst);
    }

    /** Not on CUDA yet: quantized inference runs on the cpu and java devices. */
    @Override
    public void quantize(MemorySegment src, long srcOffset, float inverseScale, int zeroPoint, int qmin, int qmax,
                         ScalarType dstType, MemorySegment dst, long dstOffset, long count) {
        throw new UnsupportedOperationException("quantization is not implemented on CUDA; "
                + "quantize on the cpu or java device");
    }

    /** Not on CUDA yet: dynamic quantization runs on the cpu and java devices. */
    @Override
    public float[] minMax(MemorySegment src, long srcOffset, long count) {
        throw new UnsupportedOperationException("the fused min-max of dynamic quantization is not implemented on "
                + "CUDA; run quantized models on the cpu or java device");
    }

    /** Not on CUDA yet: quantized inference runs on the cpu and java devices. */
    @Override
    public void gemmInt8(ScalarType aType, int m, int n, int k, MemorySegment a, long aOffset, int lda,
                         int aZeroPoint, MemorySegment b, long bOffset, int ldb, MemorySegment scales,
                         long scalesOffset, int scaleCount, MemorySegment c, long cOffset, int ldc) {
        throw new UnsupportedOperationException("int8 GEMM (quantized linear) is not implemented on CUDA; "
                + "run quantized models on the cpu or java device");
    }

    @Override
    public void gemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                     double beta, MemorySegment c, long cOffset, int ldc) {
        gemm.batchedGemm(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, 0, b, bOffset, ldb, 0, beta, c,
                cOffset, ldc, 0, 1);
    }

    @Override
    public void batchedGemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long aOffset, int lda, long strideA,
                            MemorySegment b, long bOffset, int ldb, long strideB,
                            double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch) {
        gemm.batchedGemm(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, strideA, b, bOffset, ldb, strideB,
                beta, c, cOffset, ldc, strideC, batch);
    }

    @Override
    public void unary(UnaryOp op, ScalarType dtype, Strided x, Strided out, double a, double b) {
        if (op.integersOnly() || !dtype.isStandardFloat()) {
            hostFallback.unary(op, dtype, x, out, a, b);
            return;
        }
        elementwise.unary(op, dtype, x, out, a, b);
    }

    @Override
    public void binary(BinaryOp op, ScalarType dtype, Strided x, Strided y, Strided out) {
        if (op.integersOnly() || !dtype.isStandardFloat()) {
            hostFallback.binary(op, dtype, x, y, out);
            return;
        }
        elementwise.binary(op, dtype, x, y, out);
    }

    @Override
    public void reduce(ReduceOp op, ScalarType dtype, Strided x, Strided out) {
        if (!dtype.isStandardFloat()) {
            hostFallback.reduce(op, dtype, x, out);
            return;
        }
        reductions.reduce(op, dtype, x, out);
    }

    @Override
    public void argReduce(ReduceOp op, ScalarType dtype, Strided x, int dim, Strided out) {
        if (!dtype.isStandardFloat()) {
            hostFallback.argReduce(op, dtype, x, dim, out);
            return;
        }
        try (IntegerStaging staging = new IntegerStaging(this)) {
            Strided positions = staging.scratch(dtype, out); // the kernel writes positions in the input's dtype
            reductions.argReduce(op, dtype, x, dim, positions);
            staging.storeLongs(dtype, positions, out);
        }
    }

    @Override
    public void gather(ScalarType dtype, Strided x, int dim, ScalarType indexType, Strided index, Strided out) {
        if (!dtype.isStandardFloat()) {
            hostFallback.gather(dtype, x, dim, indexType, index, out);
            return;
        }
        try (IntegerStaging staging = new IntegerStaging(this)) {
            indexing.gather(dtype, x, dim, ScalarType.FLOAT64, staging.indexAsDouble(indexType, index, "gather"), out);
        }
    }

    @Override
    public void scatterAdd(ScalarType dtype, Strided out, int dim, ScalarType indexType, Strided index, Strided src) {
        if (!dtype.isStandardFloat()) {
            hostFallback.scatterAdd(dtype, out, dim, indexType, index, src);
            return;
        }
        try (IntegerStaging staging = new IntegerStaging(this)) {
            indexing.scatterAdd(dtype, out, dim, ScalarType.FLOAT64,
                    staging.indexAsDouble(indexType, index, "scatterAdd"), src);
        }
    }

    @Override
    public void im2col(ScalarType dtype, Strided x, ConvGeometry geometry, double padValue, Strided cols) {
        conv.im2col(dtype, x, geometry, padValue, cols);
    }

    @Override
    public void col2im(ScalarType dtype, Strided cols, ConvGeometry geometry, Strided x) {
        conv.col2im(dtype, cols, geometry, x);
    }

    @Override
    public void fusedUpdate(ScalarType dtype, UpdateRule rule, Strided param, Strided grad, Strided[] state) {
        optimizers.fusedUpdate(dtype, rule, param, grad, state);
    }

    // ------------------------------------------------------------------ optional fused ops: cuDNN when loaded,
    // else Nabla's own kernels (one launch each)

    @Override
    public boolean conv2d(ScalarType dtype, Strided x, Strided weight, Strided bias, ConvGeometry geometry, int groups,
                          Strided out) {
        return cudnn != null && cudnn.conv2d(dtype, x, weight, bias, geometry, groups, out);
    }

    @Override
    public boolean conv2dBackwardData(ScalarType dtype, Strided gradOut, Strided weight, ConvGeometry geometry,
                                      int groups, Strided gradIn) {
        return cudnn != null && cudnn.conv2dBackwardData(dtype, gradOut, weight, geometry, groups, gradIn);
    }

    @Override
    public boolean conv2dBackwardWeight(ScalarType dtype, Strided x, Strided gradOut, ConvGeometry geometry,
                                        int groups, Strided gradWeight, Strided gradBias) {
        return cudnn != null && cudnn.conv2dBackwardWeight(dtype, x, gradOut, geometry, groups, gradWeight, gradBias);
    }

    @Override
    public boolean softmax(ScalarType dtype, Strided x, Strided out, boolean log) {
        return cudnn != null && cudnn.softmax(dtype, x, out, log) || normalization.softmax(dtype, x, out, log);
    }

    @Override
    public boolean softmaxBackward(ScalarType dtype, Strided y, Strided gradOut, Strided gradIn, boolean log) {
        return cudnn != null && cudnn.softmaxBackward(dtype, y, gradOut, gradIn, log)
                || normalization.softmaxBackward(dtype, y, gradOut, gradIn, log);
    }

    @Override
    public boolean batchNorm(ScalarType dtype, Strided x, Strided weight, Strided bias, boolean batchStats, double eps,
                             Strided mean, Strided var, Strided out) {
        return cudnn != null && cudnn.batchNorm(dtype, x, weight, bias, batchStats, eps, mean, var, out)
                || normalization.batchNorm(dtype, x, weight, bias, batchStats, eps, mean, var, out);
    }

    @Override
    public boolean batchNormBackward(ScalarType dtype, Strided x, Strided gradOut, Strided weight, Strided mean,
                                     Strided var, boolean batchStats, double eps, Strided gradIn, Strided gradWeight,
                                     Strided gradBias) {
        return cudnn != null && cudnn.batchNormBackward(dtype, x, gradOut, weight, mean, var, batchStats, eps, gradIn,
                gradWeight, gradBias)
                || normalization.batchNormBackward(dtype, x, gradOut, weight, mean, var, batchStats, eps, gradIn,
                gradWeight, gradBias);
    }

    /** Max pooling stays on Nabla's kernel: cuDNN's pooling does not return PyTorch's argmax indices. */
    @Override
    public boolean maxPool2d(ScalarType dtype, Strided x, ConvGeometry geometry, Strided out, Strided indices) {
        return pooling.maxPool2d(dtype, x, geometry, out, indices);
    }

    @Override
    public boolean maxPool2dBackward(ScalarType dtype, Strided gradOut, Strided indices, Strided gradIn) {
        return pooling.maxPool2dBackward(dtype, gradOut, indices, gradIn);
    }
}
