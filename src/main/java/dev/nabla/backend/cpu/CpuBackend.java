package dev.nabla.backend.cpu;

import dev.nabla.backend.AttentionProblem;
import dev.nabla.backend.java.ChunkRunner;
import dev.nabla.backend.java.JavaBackend;
import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.bindings.openblas.cblas_h;
import dev.nabla.nativelib.OpenBlas;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The CPU backend: GEMM in OpenBLAS through the generated bindings (row-major, transposition passed as a flag,
 * never materialised), float32 GEMMs with no dimension under {@value #ONEDNN_MIN_DIM} on oneDNN's matmul when oneDNN
 * is loaded (faster on AVX-512 at the skinny shapes of training: a batch of 128 against a layer's width);
 * element-wise kernels, copies, fills and reductions are the Java kernels, split across {@link KernelThreads} when
 * large enough.
 *
 * <p>float32 convolutions run on oneDNN's convolution primitives when oneDNN is loaded ({@link DnnlConvolutions});
 * otherwise, and for other dtypes, {@code F.conv2d} composes them from im2col and GEMM.
 *
 * <p>OpenBLAS threads are chosen per GEMM: small GEMMs run on one thread (on 2 cores, OpenBLAS with 2 threads is
 * slower than with 1 for GEMMs with a ~10-wide dimension), large ones on {@code min(OpenBLAS's initial count,
 * KernelThreads.threads())}. The count last set is cached, so a run of GEMMs of one kind costs no extra downcall.
 * This backend therefore owns OpenBLAS's thread setting: cap threads with {@link KernelThreads#setThreads}.
 */
public class CpuBackend extends JavaBackend {
    /**
     * GEMMs with a dimension below this run on one OpenBLAS thread. Measured (sgemm, 2-core EPYC VM, 1 vs 2
     * threads, interleaved): 10-wide dimensions were 1.8-2.1x slower on two threads (1024x10x784: 317 vs 552 us),
     * 16-wide 1.3-1.4x slower (1024x16x784: 372 vs 506 us), 32-wide even (1024x32x784: 649 vs 642 us), 64-wide
     * faster (1024x64x784: 1141 vs 936 us).
     */
    static final int SMALL_DIM = 32;
    /**
     * GEMMs with fewer multiply-adds ({@code m*n*k}) than this run on one OpenBLAS thread. Measured: below 2M two
     * threads lose (96^3: 20 vs 27 us; 128x256x64: 45 vs 48 us) or break even (128^3: 46 vs 43 us); from 4M they
     * win (160^3: 88 vs 75 us; 64x256x256: 91 vs 65 us; 256^3: 359 vs 235 us; 512^3: 2868 vs 1590 us).
     */
    static final double MIN_PARALLEL_FLOPS = 1 << 22;
    /**
     * float32 GEMMs with every dimension at least this run on oneDNN's matmul. Measured side by side (2-core AVX-512
     * VM, loaded, µs): the MLP's batch-128 products 128x512x784 346 vs OpenBLAS 611, 128x784x512 594 vs 1271,
     * 512x784x128 (weight gradient) 504 vs 640; a transformer's 2048x384x128 625 vs 1533; 256^3 188 vs 213;
     * 1024^3 8721 vs 11219. Below it OpenBLAS wins (10-wide: 128x10x256 54 vs 12 µs). A shape oneDNN has no cached
     * primitive for, once its cache is full, also stays on OpenBLAS ({@link DnnlGemm#tryGemm}).
     */
    static final int ONEDNN_MIN_DIM = 64;
    /** {@code -Dnabla.cpu.sgemm=openblas} keeps every float32 GEMM on OpenBLAS (e.g. to compare the two). */
    static final boolean SGEMM_ON_OPENBLAS = "openblas".equals(System.getProperty("nabla.cpu.sgemm"));

    private final OpenBlas blas;
    private final int maxBlasThreads;
    private volatile int blasThreads;

    /** A backend over a loaded OpenBLAS. */
    public CpuBackend(OpenBlas blas) {
        super(true);
        this.blas = blas;
        this.maxBlasThreads = Math.max(1, blas.threads());
        this.blasThreads = maxBlasThreads;
    }

    @Override
    public String name() {
        return "cpu";
    }

    /** Every Java kernel of this backend (element-wise, reductions, pooling, norms, updates) splits over these. */
    @Override
    protected ChunkRunner runner() {
        return KernelThreads.runner();
    }

    /** The library behind this backend. */
    public OpenBlas openBlas() {
        return blas;
    }

    @Override
    public void gemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                     double beta, MemorySegment c, long cOffset, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        DnnlGemm dnnl = oneDnnFor(dtype, m, n, k);
        if (dnnl != null && dnnl.tryGemm(DnnlDataType.F32, DnnlDataType.F32, transA, transB, m, n, k, (float) alpha,
                a, aOffset, lda, b, bOffset, ldb, (float) beta, c, cOffset, ldc)) {
            return; // else: oneDNN's cache is full of other shapes; OpenBLAS needs no per-shape setup
        }
        useBlasThreads(gemmThreads(m, n, k));
        cblasGemm(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
    }

    /** float32 products that {@link #gemm} would run on oneDNN, with the bias as the matmul's own argument. */
    @Override
    public boolean gemmBias(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k,
                            MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                            MemorySegment bias, long biasOffset, MemorySegment c, long cOffset, int ldc) {
        DnnlGemm dnnl = oneDnnFor(dtype, m, n, k);
        return dnnl != null && dnnl.tryGemmBias(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, bias,
                biasOffset, c, cOffset, ldc);
    }

    /**
     * bfloat16 products on oneDNN (AVX512-BF16 where the CPU has it), float32 accumulation, one oneDNN call per batch
     * entry; false (the caller computes in float32) without oneDNN, for float16 (oneDNN 2.6 has no float16 matmul on
     * x86) and for {@code k == 0}.
     */
    @Override
    public boolean gemmReduced(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                               MemorySegment a, long aOffset, int lda, long strideA,
                               MemorySegment b, long bOffset, int ldb, long strideB,
                               double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch) {
        if (dtype != ScalarType.BFLOAT16 || k == 0) {
            return false;
        }
        DnnlGemm dnnl = DnnlGemm.shared().orElse(null);
        if (dnnl == null) {
            return false;
        }
        for (int i = 0; i < batch; i++) {
            dnnl.gemm(DnnlDataType.BF16, DnnlDataType.BF16, transA, transB, m, n, k, (float) alpha,
                    a, aOffset + i * strideA, lda, b, bOffset + i * strideB, ldb, (float) beta,
                    c, cOffset + i * strideC, ldc);
        }
        return true;
    }

    /**
     * oneDNN's int8 matmul (VNNI's exact 32-bit dot products on CPUs that have it); the Java kernel without oneDNN
     * or when the sizes would not fit oneDNN's {@code int} dimensions.
     */
    @Override
    public void gemmInt8(ScalarType aType, int m, int n, int k, MemorySegment a, long aOffset, int lda,
                         int aZeroPoint, MemorySegment b, long bOffset, int ldb, MemorySegment scales,
                         long scalesOffset, int scaleCount, MemorySegment c, long cOffset, int ldc) {
        DnnlGemm dnnl = DnnlGemm.shared().orElse(null);
        if (dnnl == null || (aType != ScalarType.UINT8 && aType != ScalarType.INT8)) {
            super.gemmInt8(aType, m, n, k, a, aOffset, lda, aZeroPoint, b, bOffset, ldb, scales, scalesOffset,
                    scaleCount, c, cOffset, ldc);
            return;
        }
        dnnl.gemmInt8(aType == ScalarType.UINT8 ? DnnlDataType.U8 : DnnlDataType.S8, DnnlDataType.F32, true, m, n, k,
                a, aOffset, lda, aZeroPoint, b, bOffset, ldb, scales, scalesOffset, scaleCount, c, cOffset, ldc);
    }

    /**
     * oneDNN's blocked-weight int8 matmul on the weight packed once ({@link DnnlGemm#linearInt8}), then one pass for
     * zero point, scales and bias; false (the caller composes {@link #gemmInt8} and a bias add) without oneDNN or when
     * {@code k} exceeds {@link DnnlGemm#MAX_PACKED_K}.
     */
    @Override
    public boolean linearInt8(ScalarType aType, int m, int n, int k, MemorySegment a, long aOffset, int lda,
                              int aZeroPoint, MemorySegment b, long bOffset, int ldb, AtomicReference<Object> packed,
                              MemorySegment scales, long scalesOffset, int scaleCount, MemorySegment bias,
                              long biasOffset, MemorySegment c, long cOffset, int ldc) {
        DnnlGemm dnnl = DnnlGemm.shared().orElse(null);
        if (dnnl == null || (aType != ScalarType.UINT8 && aType != ScalarType.INT8) || k > DnnlGemm.MAX_PACKED_K) {
            return false;
        }
        dnnl.linearInt8(aType == ScalarType.UINT8 ? DnnlDataType.U8 : DnnlDataType.S8, m, n, k, a, aOffset, lda,
                aZeroPoint, b, bOffset, ldb, packed, scales, scalesOffset, scaleCount, bias, biasOffset, c, cOffset,
                ldc);
        return true;
    }

    /** oneDNN's forward convolution (bias added in the same pass); false without oneDNN or for other than float32. */
    @Override
    public boolean conv2d(ScalarType dtype, Strided x, Strided weight, Strided bias, ConvGeometry geometry, int groups,
                          Strided out) {
        return convolution(dtype, DnnlConvKey.Pass.FORWARD, x.shape(), weight.shape(), geometry, groups, bias != null,
                bias == null ? new Strided[] {x, weight, out} : new Strided[] {x, weight, bias, out});
    }

    /** oneDNN's backward-data convolution; false without oneDNN or for other than float32. */
    @Override
    public boolean conv2dBackwardData(ScalarType dtype, Strided gradOut, Strided weight, ConvGeometry geometry,
                                      int groups, Strided gradIn) {
        return convolution(dtype, DnnlConvKey.Pass.BACKWARD_DATA, gradIn.shape(), weight.shape(), geometry, groups,
                false, new Strided[] {gradOut, weight, gradIn});
    }

    /** oneDNN's backward-weights convolution (bias gradient in the same pass); false as {@link #conv2d}. */
    @Override
    public boolean conv2dBackwardWeight(ScalarType dtype, Strided x, Strided gradOut, ConvGeometry geometry,
                                        int groups, Strided gradWeight, Strided gradBias) {
        return convolution(dtype, DnnlConvKey.Pass.BACKWARD_WEIGHTS, x.shape(), gradWeight.shape(), geometry, groups,
                gradBias != null, gradBias == null ? new Strided[] {x, gradOut, gradWeight}
                        : new Strided[] {x, gradOut, gradWeight, gradBias});
    }

    /**
     * Runs one oneDNN convolution pass over contiguous float32 operands (in {@link DnnlConvolution#execute}'s order);
     * false when it cannot: another dtype (oneDNN 2.6 has no float64 convolution on x86), no oneDNN, or no oneDNN
     * kernel for this geometry.
     */
    private static boolean convolution(ScalarType dtype, DnnlConvKey.Pass pass, long[] input, long[] weight,
                                       ConvGeometry geometry, int groups, boolean bias, Strided[] operands) {
        if (dtype != ScalarType.FLOAT32 || !oneDnnThreadsAllowed()) {
            return false;
        }
        DnnlConvolutions dnnl = DnnlConvolutions.shared().orElse(null);
        if (dnnl == null) {
            return false;
        }
        var key = new DnnlConvKey(pass, input[0], input[1], input[2], input[3], weight[0], geometry, groups, bias);
        MemorySegment[] buffers = new MemorySegment[operands.length];
        for (int i = 0; i < operands.length; i++) {
            buffers[i] = contiguousFloats(operands[i]);
        }
        return dnnl.run(key, buffers); // false: oneDNN has no primitive for it, nothing was written
    }

    /** The bytes of a contiguous float32 operand. */
    private static MemorySegment contiguousFloats(Strided s) {
        long es = ValueLayout.JAVA_FLOAT.byteSize();
        return s.data().asSlice(s.offset() * es, s.numel() * es);
    }

    /** One {@code cblas_?gemm} per batch entry: Debian's OpenBLAS has no {@code cblas_?gemm_batch}. */
    @Override
    public void batchedGemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long aOffset, int lda, long strideA,
                            MemorySegment b, long bOffset, int ldb, long strideB,
                            double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch) {
        if (m == 0 || n == 0 || batch == 0) {
            return;
        }
        int threads = gemmThreads(m, n, k);
        int spread = Math.min(batch, KernelThreads.threads());
        boolean disjointOutputs = Math.abs(strideC) >= (long) (m - 1) * ldc + n;
        if (threads == 1 && spread > 1 && disjointOutputs && (double) m * n * k * batch >= MIN_PARALLEL_FLOPS) {
            // Many small products (convolutions: one per image): one OpenBLAS thread each, the batch split over
            // the kernel threads, instead of a serial loop that leaves the other cores idle.
            useBlasThreads(1);
            KernelThreads.run(spread, part -> {
                for (int i = (int) ((long) batch * part / spread); i < (long) batch * (part + 1) / spread; i++) {
                    cblasGemm(dtype, transA, transB, m, n, k, alpha, a, aOffset + i * strideA, lda,
                            b, bOffset + i * strideB, ldb, beta, c, cOffset + i * strideC, ldc);
                }
            });
            return;
        }
        useBlasThreads(threads);
        for (int i = 0; i < batch; i++) {
            cblasGemm(dtype, transA, transB, m, n, k, alpha, a, aOffset + i * strideA, lda,
                    b, bOffset + i * strideB, ldb, beta, c, cOffset + i * strideC, ldc);
        }
    }

    /**
     * Attention from OpenBLAS GEMMs over blocks ({@link GemmAttention}), reading strided heads in place (unit stride
     * along the last dimension suffices); the java kernel's answer otherwise.
     */
    @Override
    public boolean attention(ScalarType dtype, AttentionProblem p, Strided q, Strided k, Strided v, Strided out,
                             Strided lse) {
        AttentionOperand[] ops = GemmAttention.operands(dtype, p, lse, q, k, v, out);
        if (ops == null) {
            return super.attention(dtype, p, q, k, v, out, lse);
        }
        new GemmAttention(this, dtype, p, ops[0], ops[1], ops[2]).forward(ops[3], lse);
        return true;
    }

    /** The backward of {@link #attention} from OpenBLAS GEMMs over blocks ({@link GemmAttention}). */
    @Override
    public boolean attentionBackward(ScalarType dtype, AttentionProblem p, Strided q, Strided k, Strided v,
                                     Strided out, Strided lse, Strided gradOut, Strided gradQ, Strided gradK,
                                     Strided gradV) {
        AttentionOperand[] ops = GemmAttention.operands(dtype, p, lse, q, k, v, out, gradOut, gradQ, gradK, gradV);
        if (ops == null) {
            return super.attentionBackward(dtype, p, q, k, v, out, lse, gradOut, gradQ, gradK, gradV);
        }
        new GemmAttention(this, dtype, p, ops[0], ops[1], ops[2]).backward(ops[3], lse, ops[4], ops[5], ops[6],
                ops[7]);
        return true;
    }

    /** The shared oneDNN GEMM when a product of this dtype and these sizes goes to it; null otherwise. */
    private static DnnlGemm oneDnnFor(ScalarType dtype, int m, int n, int k) {
        return dtype == ScalarType.FLOAT32 && onOneDnn(m, n, k) ? DnnlGemm.shared().orElse(null) : null;
    }

    /** Whether a float32 GEMM of these sizes goes to oneDNN (when it is loaded); see {@link #ONEDNN_MIN_DIM}. */
    static boolean onOneDnn(int m, int n, int k) {
        return !SGEMM_ON_OPENBLAS && Math.min(m, Math.min(n, k)) >= ONEDNN_MIN_DIM && oneDnnThreadsAllowed();
    }

    /**
     * False when {@link KernelThreads#setThreads} capped the threads below their default, the processor count:
     * oneDNN's OpenMP threads follow {@code OMP_NUM_THREADS}, not that cap, so GEMMs stay on OpenBLAS (which follows
     * it) and convolutions are composed.
     */
    static boolean oneDnnThreadsAllowed() {
        return !KernelThreads.capped();
    }

    /** OpenBLAS threads for one GEMM of this size. */
    int gemmThreads(int m, int n, int k) {
        boolean small = Math.min(m, Math.min(n, k)) < SMALL_DIM || (double) m * n * k < MIN_PARALLEL_FLOPS;
        return small ? 1 : Math.min(maxBlasThreads, KernelThreads.threads());
    }

    /** Sets OpenBLAS's thread count if it differs from the cached one. */
    void useBlasThreads(int wanted) {
        if (wanted != blasThreads) {
            synchronized (this) {
                if (wanted != blasThreads) {
                    cblas_h.openblas_set_num_threads(wanted);
                    blasThreads = wanted;
                }
            }
        }
    }

    static void cblasGemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                                  MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                                  double beta, MemorySegment c, long cOffset, int ldc) {
        int ta = transA ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans();
        int tb = transB ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans();
        if (dtype == ScalarType.FLOAT32) {
            long es = ValueLayout.JAVA_FLOAT.byteSize();
            cblas_h.cblas_sgemm(cblas_h.CblasRowMajor(), ta, tb, m, n, k, (float) alpha,
                    a.asSlice(aOffset * es), lda, b.asSlice(bOffset * es), ldb, (float) beta,
                    c.asSlice(cOffset * es), ldc);
        } else {
            long es = ValueLayout.JAVA_DOUBLE.byteSize();
            cblas_h.cblas_dgemm(cblas_h.CblasRowMajor(), ta, tb, m, n, k, alpha,
                    a.asSlice(aOffset * es), lda, b.asSlice(bOffset * es), ldb, beta,
                    c.asSlice(cOffset * es), ldc);
        }
    }
}
