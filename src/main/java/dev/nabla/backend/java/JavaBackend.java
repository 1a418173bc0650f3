package dev.nabla.backend.java;

import dev.nabla.backend.AttentionProblem;
import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.UpdateRule;
import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.MemoryPool;
import java.lang.foreign.MemorySegment;

/**
 * The pure-Java backend: the reference every other backend is tested against, and the fallback when no
 * native library is available. Host memory from {@link MemoryPool#host()}.
 */
public class JavaBackend implements Backend {
    private final boolean useVector;

    /** A backend that uses the Vector API when {@code useVector} is set (and the module is present). */
    public JavaBackend(boolean useVector) {
        this.useVector = useVector && VectorSupport.available();
    }

    /** True if this backend's kernels take the Vector API path. */
    public boolean usesVectorApi() {
        return useVector;
    }

    @Override
    public String name() {
        return useVector ? "java (vector)" : "java (scalar)";
    }

    /**
     * Where the kernels split their work: {@code null} here (the {@code java} device runs on the calling thread);
     * the {@code cpu} backend returns its kernel threads, and every Java kernel below then runs on them.
     */
    protected ChunkRunner runner() {
        return null;
    }

    @Override
    public MemoryPool pool() {
        return MemoryPool.host();
    }

    @Override
    public void fill(ScalarType dtype, Strided dst, double value) {
        JavaKernels.fill(useVector, runner(), dtype, dst, value);
    }

    @Override
    public void copy(ScalarType srcType, Strided src, ScalarType dstType, Strided dst) {
        JavaKernels.copy(useVector, runner(), srcType, src, dstType, dst);
    }

    @Override
    public void copyFromHost(MemorySegment host, MemorySegment dst, long dstByteOffset, long bytes) {
        MemorySegment.copy(host, 0, dst, dstByteOffset, bytes);
    }

    @Override
    public void copyToHost(MemorySegment src, long srcByteOffset, MemorySegment host, long bytes) {
        MemorySegment.copy(src, srcByteOffset, host, 0, bytes);
    }

    @Override
    public void quantize(MemorySegment src, long srcOffset, float inverseScale, int zeroPoint, int qmin, int qmax,
                         ScalarType dstType, MemorySegment dst, long dstOffset, long count) {
        Quantize.affine(useVector, src, srcOffset, inverseScale, zeroPoint, qmin, qmax, dstType, dst, dstOffset,
                count);
    }

    @Override
    public float[] minMax(MemorySegment src, long srcOffset, long count) {
        return MinMax.of(useVector, src, srcOffset, count);
    }

    @Override
    public void gemmInt8(ScalarType aType, int m, int n, int k, MemorySegment a, long aOffset, int lda,
                         int aZeroPoint, MemorySegment b, long bOffset, int ldb, MemorySegment scales,
                         long scalesOffset, int scaleCount, MemorySegment c, long cOffset, int ldc) {
        Int8Gemm.gemm(aType, m, n, k, a, aOffset, lda, aZeroPoint, b, bOffset, ldb, scales, scalesOffset, scaleCount,
                c, cOffset, ldc);
    }

    @Override
    public void gemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                     double beta, MemorySegment c, long cOffset, int ldc) {
        JavaGemm.gemm(useVector, dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
                beta, c, cOffset, ldc);
    }

    @Override
    public void batchedGemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long aOffset, int lda, long strideA,
                            MemorySegment b, long bOffset, int ldb, long strideB,
                            double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch) {
        JavaGemm.batchedGemm(useVector, dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, strideA,
                b, bOffset, ldb, strideB, beta, c, cOffset, ldc, strideC, batch);
    }

    @Override
    public void unary(UnaryOp op, ScalarType dtype, Strided x, Strided out, double a, double b) {
        VectorSupport.noteScalarWork(out.numel());
        JavaKernels.unary(useVector, runner(), op, dtype, x, out, a, b);
    }

    @Override
    public void binary(BinaryOp op, ScalarType dtype, Strided x, Strided y, Strided out) {
        VectorSupport.noteScalarWork(out.numel());
        JavaKernels.binary(useVector, runner(), op, dtype, x, y, out);
    }

    @Override
    public void reduce(ReduceOp op, ScalarType dtype, Strided x, Strided out) {
        JavaKernels.reduce(useVector, runner(), op, dtype, x, out);
    }

    @Override
    public void argReduce(ReduceOp op, ScalarType dtype, Strided x, int dim, Strided out) {
        JavaKernels.argReduce(op, dtype, x, dim, out);
    }

    @Override
    public void gather(ScalarType dtype, Strided x, int dim, ScalarType indexType, Strided index, Strided out) {
        if (!IndexKernels.gather(dtype, x, dim, indexType, index, out)) {
            ReferenceKernels.gather(dtype, x, dim, indexType, index, out);
        }
    }

    @Override
    public void scatterAdd(ScalarType dtype, Strided out, int dim, ScalarType indexType, Strided index, Strided src) {
        if (!IndexKernels.scatterAdd(dtype, out, dim, indexType, index, src)) {
            ReferenceKernels.scatterAdd(dtype, out, dim, indexType, index, src);
        }
    }

    @Override
    public void im2col(ScalarType dtype, Strided x, ConvGeometry geometry, double padValue, Strided cols) {
        if (!IndexKernels.im2col(runner(), dtype, x, geometry, padValue, cols)) {
            ReferenceKernels.im2col(dtype, x, geometry, padValue, cols);
        }
    }

    @Override
    public void col2im(ScalarType dtype, Strided cols, ConvGeometry geometry, Strided x) {
        if (!IndexKernels.col2im(runner(), dtype, cols, geometry, x)) {
            ReferenceKernels.col2im(dtype, cols, geometry, x);
        }
    }

    @Override
    public void fusedUpdate(ScalarType dtype, UpdateRule rule, Strided param, Strided grad, Strided[] state) {
        VectorSupport.noteScalarWork(param.numel());
        JavaKernels.fusedUpdate(useVector, runner(), dtype, rule, param, grad, state);
    }

    @Override
    public boolean maxPool2d(ScalarType dtype, Strided x, ConvGeometry geometry, Strided out, Strided indices) {
        return PoolKernels.maxPool2d(useVector, runner(), dtype, x, geometry, out, indices);
    }

    @Override
    public boolean maxPool2dBackward(ScalarType dtype, Strided gradOut, Strided indices, Strided gradIn) {
        return PoolKernels.maxPool2dBackward(runner(), dtype, gradOut, indices, gradIn);
    }

    @Override
    public boolean reluBackward(ScalarType dtype, Strided y, Strided gradOut, Strided gradIn) {
        return ReluGradient.backward(useVector, runner(), dtype, y, gradOut, gradIn);
    }

    @Override
    public boolean batchNorm(ScalarType dtype, Strided x, Strided weight, Strided bias, boolean batchStats, double eps,
                             Strided mean, Strided var, Strided out) {
        return NormKernels.batchNorm(useVector, runner(), dtype, x, weight, bias, batchStats, eps, mean, var, out);
    }

    @Override
    public boolean batchNormBackward(ScalarType dtype, Strided x, Strided gradOut, Strided weight, Strided mean,
                                     Strided var, boolean batchStats, double eps, Strided gradIn,
                                     Strided gradWeight, Strided gradBias) {
        return NormKernels.batchNormBackward(useVector, runner(), dtype, x, gradOut, weight, mean, var,
                batchStats, eps, gradIn, gradWeight, gradBias);
    }

    @Override
    public boolean softmax(ScalarType dtype, Strided x, Strided out, boolean log) {
        return SoftmaxKernels.softmax(useVector, runner(), dtype, x, out, log);
    }

    @Override
    public boolean softmaxBackward(ScalarType dtype, Strided y, Strided gradOut, Strided gradIn, boolean log) {
        return SoftmaxKernels.softmaxBackward(useVector, runner(), dtype, y, gradOut, gradIn, log);
    }

    @Override
    public boolean layerNorm(ScalarType dtype, Strided x, long n, Strided weight, Strided bias, double eps,
                             Strided out, Strided mean, Strided rstd) {
        return LayerNormKernels.forward(useVector, runner(), dtype, x, n, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public boolean layerNormBackward(ScalarType dtype, Strided x, long n, Strided gradOut, Strided weight,
                                     Strided mean, Strided rstd, Strided gradIn, Strided gradWeight,
                                     Strided gradBias) {
        return LayerNormKernels.backward(useVector, runner(), dtype, x, n, gradOut, weight, mean, rstd, gradIn,
                gradWeight, gradBias);
    }
    @Override
    public boolean attention(ScalarType dtype, AttentionProblem p, Strided q, Strided k, Strided v, Strided out,
                             Strided lse) {
        return AttentionKernels.forward(useVector, runner(), dtype, p, q, k, v, out, lse);
    }

    @Override
    public boolean attentionBackward(ScalarType dtype, AttentionProblem p, Strided q, Strided k, Strided v,
                                     Strided out, Strided lse, Strided gradOut, Strided gradQ, Strided gradK,
                                     Strided gradV) {
        return AttentionKernels.backward(useVector, runner(), dtype, p, q, k, v, out, lse, gradOut, gradQ, gradK,
                gradV);
    }
}
