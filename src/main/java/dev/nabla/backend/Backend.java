package dev.nabla.backend;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.MemoryPool;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The kernels of one device, over raw buffers. Backends know nothing about tensors' lifetimes or autograd:
 * the tensor layer checks shapes, dtypes and liveness, broadcasts operands (zero strides) and allocates outputs,
 * then calls exactly one kernel here.
 *
 * <p>Conventions shared by every method:
 * <ul>
 *   <li>Offsets, strides and leading dimensions count elements of the given dtype, never bytes.</li>
 *   <li>Operands of element-wise kernels have identical shapes; broadcasting arrives as zero strides.</li>
 *   <li>An output may be the very same view as an input (in-place ops), but never a partial overlap.</li>
 *   <li>Matrices are row-major; transposition is a flag, never a copy.</li>
 * </ul>
 * Implementations: {@code java} (pure Java, the reference), {@code cpu} (OpenBLAS GEMM, vectorised and
 * multi-threaded Java for the rest).
 */
public interface Backend {

    /** Short name used in logs and errors, e.g. {@code cpu} or {@code java}. */
    String name();

    /** Where this backend's buffers come from. */
    MemoryPool pool();

    /** Sets every element of {@code dst} to {@code value} (rounded to the dtype). */
    void fill(ScalarType dtype, Strided dst, double value);

    /** Copies {@code src} into {@code dst} (same shape), converting between dtypes when they differ. */
    void copy(ScalarType srcType, Strided src, ScalarType dstType, Strided dst);

    /** Copies {@code bytes} bytes from host memory into this device's buffer at {@code dstByteOffset}. */
    void copyFromHost(MemorySegment host, MemorySegment dst, long dstByteOffset, long bytes);

    /** Copies {@code bytes} bytes from this device's buffer at {@code srcByteOffset} to host memory. */
    void copyToHost(MemorySegment src, long srcByteOffset, MemorySegment host, long bytes);

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} with row-major {@code op(A)} of {@code m x k},
     * {@code op(B)} of {@code k x n} and {@code C} of {@code m x n}; {@code op} transposes when the flag is set.
     * When {@code beta == 0}, {@code C} is not read (NaN in it does not propagate), as in BLAS.
     */
    void gemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
              MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
              double beta, MemorySegment c, long cOffset, int ldc);

    /**
     * {@code batch} independent GEMMs; matrix {@code i} of each operand starts {@code i * stride} elements after
     * its offset (a stride of 0 reuses one matrix for every batch entry).
     */
    void batchedGemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, long aOffset, int lda, long strideA,
                     MemorySegment b, long bOffset, int ldb, long strideB,
                     double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch);

    /** {@code out = op(x)} element-wise; {@code a} and {@code b} are the op's scalar parameters. */
    void unary(UnaryOp op, ScalarType dtype, Strided x, Strided out, double a, double b);

    /** {@code out = op(x, y)} element-wise over operands of the same shape. */
    void binary(BinaryOp op, ScalarType dtype, Strided x, Strided y, Strided out);

    /**
     * Reduces {@code x} into {@code out}, which has the same rank with size 1 on every reduced dimension and
     * {@code x}'s size elsewhere. Supports {@link ReduceOp#SUM}, {@link ReduceOp#MEAN}, {@link ReduceOp#MAX}
     * and {@link ReduceOp#MIN}. A reduction over zero elements gives 0 for SUM, NaN for MEAN, and is an error
     * for MAX/MIN (rejected by the tensor layer).
     */
    void reduce(ReduceOp op, ScalarType dtype, Strided x, Strided out);

    /**
     * Index of the first largest ({@link ReduceOp#ARGMAX}) or smallest ({@link ReduceOp#ARGMIN}) element
     * along {@code dim}, written into the int64 tensor {@code out} (same rank, size 1 at {@code dim}).
     * NaN counts as largest (and smallest), like PyTorch.
     */
    void argReduce(ReduceOp op, ScalarType dtype, Strided x, int dim, Strided out);

    /**
     * {@code out[..., i_dim, ...] = x[..., index[..., i_dim, ...], ...]} along {@code dim}: {@code index} has
     * {@code out}'s shape (zero strides allowed) and holds integers of the integral {@code indexType} (int64 or
     * int32; a floating index type is an {@link IllegalArgumentException}), each in
     * {@code [0, x.shape[dim])}, else {@link IndexOutOfBoundsException}. Other dimensions of {@code x} must be at
     * least as large as {@code out}'s.
     */
    void gather(ScalarType dtype, Strided x, int dim, ScalarType indexType, Strided index, Strided out);

    /**
     * {@code out[..., index[..., i_dim, ...], ...] += src[..., i_dim, ...]} along {@code dim}, accumulating
     * repeated indices: the adjoint of {@link #gather}. {@code index} has {@code src}'s shape.
     */
    void scatterAdd(ScalarType dtype, Strided out, int dim, ScalarType indexType, Strided index, Strided src);

    /**
     * Unfolds sliding windows: {@code x} of shape {@code [N, C, H, W]} into {@code cols} of shape
     * {@code [N, C*kh*kw, outH*outW]}, where row {@code (c, i, j)} holds input {@code (c, y*sh - ph + i*dh,
     * x*sw - pw + j*dw)} for each output position; positions in the padding read {@code padValue}.
     */
    void im2col(ScalarType dtype, Strided x, ConvGeometry geometry, double padValue, Strided cols);

    /** The adjoint of {@link #im2col}: adds each column entry into its input position of {@code x}. */
    void col2im(ScalarType dtype, Strided cols, ConvGeometry geometry, Strided x);

    /**
     * Applies {@code rule} to every element of {@code param} in place, reading {@code grad} and updating the
     * {@link UpdateRule#stateCount()} buffers in {@code state}; all operands contiguous with the same element count.
     */
    void fusedUpdate(ScalarType dtype, UpdateRule rule, Strided param, Strided grad, Strided[] state);

    /**
     * The 8-bit integer product of a quantized linear layer:
     * {@code C[i][j] = scale[j] * sum_p (A[i][p] - aZeroPoint) * B[j][p]} with {@code A} of {@code m x k} in
     * {@code aType} ({@link ScalarType#UINT8} or {@link ScalarType#INT8}: quantized activations), {@code B} of
     * {@code n x k} in {@link ScalarType#INT8} (the weight in its own {@code [out, in]} layout), the sums exact in
     * 32-bit integers and {@code C} in float32. {@code scales} holds {@code scaleCount} float32 values: 1 (per tensor)
     * or {@code n} (per output channel), typically the input's scale times the weight's. Row-major, leading dimensions
     * and offsets in elements; {@code k} must be positive.
     */
    void gemmInt8(ScalarType aType, int m, int n, int k, MemorySegment a, long aOffset, int lda, int aZeroPoint,
                  MemorySegment b, long bOffset, int ldb, MemorySegment scales, long scalesOffset, int scaleCount,
                  MemorySegment c, long cOffset, int ldc);

    /**
     * Affine quantization of {@code count} contiguous float32 values:
     * {@code dst[i] = clamp(rint(src[i] * inverseScale) + zeroPoint, qmin, qmax)} (round half to even, the product
     * in float32: PyTorch's fbgemm rule), {@code dst} in {@code dstType} ({@link ScalarType#UINT8},
     * {@link ScalarType#INT8} or {@link ScalarType#INT32}). NaN becomes {@code zeroPoint}. Offsets in elements.
     */
    void quantize(MemorySegment src, long srcOffset, float inverseScale, int zeroPoint, int qmin, int qmax,
                  ScalarType dstType, MemorySegment dst, long dstOffset, long count);

    /**
     * The smallest and largest of {@code count >= 1} contiguous float32 values in one pass, {@code {min, max}} on the
     * host (NaN when any value is NaN): the range dynamic quantization chooses each batch's parameters from. Offset in
     * elements.
     */
    float[] minMax(MemorySegment src, long srcOffset, long count);

    /**
     * Linear's forward in one product: {@code C = op(A) op(B) + bias}, the {@code n} contiguous values of {@code bias}
     * (from element {@code biasOffset}) added to every row of the {@code m x n} C as the product is written, where
     * copying the bias into C and running {@link #gemm} with {@code beta = 1} reads and writes C twice. Operands as in
     * {@link #gemm}.
     *
     * @return false when this backend has no such kernel for these operands (nothing was written; the caller composes)
     */
    default boolean gemmBias(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k,
                             MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                             MemorySegment bias, long biasOffset, MemorySegment c, long cOffset, int ldc) {
        return false;
    }

    /**
     * {@link #batchedGemm} in bfloat16 or float16 ({@code dtype}) with float32 accumulation, when this backend has a
     * native kernel for it (oneDNN on the CPU, tensor cores on CUDA). {@link DTypeDispatch} asks here first and
     * otherwise computes the product in float32.
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean gemmReduced(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                                MemorySegment a, long aOffset, int lda, long strideA,
                                MemorySegment b, long bOffset, int ldb, long strideB,
                                double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch) {
        return false;
    }

    // Optional fused kernels. A backend without one returns false, and the caller composes the operation from the
    // primitives above (slower: more passes over memory and temporaries, same results).

    /**
     * {@link #gemmInt8} followed by adding {@code bias[j]} (float32, {@code n} values; {@link MemorySegment#NULL} for
     * none) to each row, in one call with the same results, where the weight {@code B} may be kept packed in a layout
     * of this backend's choosing: {@code packed} is a slot the caller holds for this weight, empty at first and
     * replaced by an empty one whenever B's contents change; the backend may store its packed copy there and reuse it.
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean linearInt8(ScalarType aType, int m, int n, int k, MemorySegment a, long aOffset, int lda,
                               int aZeroPoint, MemorySegment b, long bOffset, int ldb, AtomicReference<Object> packed,
                               MemorySegment scales, long scalesOffset, int scaleCount, MemorySegment bias,
                               long biasOffset, MemorySegment c, long cOffset, int ldc) {
        return false;
    }

    /**
     * Max pooling of {@code x} {@code [N, C, H, W]} into {@code out} {@code [N, C, outH, outW]} (both contiguous):
     * each output is its window's maximum, and {@code indices} (same shape as {@code out}, same dtype, holding exact
     * integers) receives the position {@code h * W + w} in its input plane of the window's first maximum (PyTorch's
     * rule: NaN counts as a maximum). Padding never wins a window.
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean maxPool2d(ScalarType dtype, Strided x, ConvGeometry geometry, Strided out, Strided indices) {
        return false;
    }

    /**
     * The adjoint of {@link #maxPool2d}: sets {@code gradIn} {@code [N, C, H, W]} to zero, then adds each element of
     * {@code gradOut} at the plane position given by {@code indices} (all contiguous).
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean maxPool2dBackward(ScalarType dtype, Strided gradOut, Strided indices, Strided gradIn) {
        return false;
    }

    /**
     * ReLU's input gradient from its output {@code y} and the output gradient {@code gradOut} (all contiguous, same
     * shape): {@code gradIn = gradOut * (y > 0 ? 1 : 0)}, in one pass instead of a mask and a product.
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean reluBackward(ScalarType dtype, Strided y, Strided gradOut, Strided gradIn) {
        return false;
    }

    /**
     * Batch normalisation of {@code x} {@code [N, C, ...]} (contiguous; statistics per channel {@code c} over the
     * {@code N * S} elements of that channel, {@code S} the product of the trailing sizes):
     * {@code out = (x - mean[c]) / sqrt(var[c] + eps) * weight[c] + bias[c]}. With {@code batchStats} the kernel
     * first computes each channel's mean and biased variance (two-pass or equally sound, not from a sum of squares)
     * and writes them to {@code mean} and {@code var}; otherwise it reads them from there (running statistics).
     * {@code mean}, {@code var}, {@code weight} and {@code bias} are contiguous {@code [C]} of the same dtype;
     * {@code weight} and {@code bias} may be null (1 and 0).
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean batchNorm(ScalarType dtype, Strided x, Strided weight, Strided bias, boolean batchStats, double eps,
                              Strided mean, Strided var, Strided out) {
        return false;
    }

    /**
     * Gradients of {@link #batchNorm} given {@code gradOut} (contiguous, shaped like {@code x}) and the {@code mean}
     * and {@code var} the forward used: {@code gradBias = sum(g)}, {@code gradWeight = sum(g * xhat)} per channel,
     * with {@code xhat = (x - mean) / sqrt(var + eps)}; {@code gradIn = weight / sqrt(var + eps) * (g - mean(g) -
     * xhat * mean(g * xhat))} when the statistics were the batch's ({@code batchStats}), else
     * {@code g * weight / sqrt(var + eps)}. Each of {@code gradIn}, {@code gradWeight}, {@code gradBias} may be null
     * (not wanted); {@code weight} may be null (1).
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean batchNormBackward(ScalarType dtype, Strided x, Strided gradOut, Strided weight, Strided mean,
                                      Strided var, boolean batchStats, double eps, Strided gradIn,
                                      Strided gradWeight, Strided gradBias) {
        return false;
    }

    /**
     * Softmax of {@code x} along its last dimension into {@code out} (both contiguous, same shape), or log-softmax when
     * {@code log}; computed stably (each row's maximum is subtracted before the exponential).
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean softmax(ScalarType dtype, Strided x, Strided out, boolean log) {
        return false;
    }

    /**
     * The input gradient of {@link #softmax} from its output {@code y} and the output gradient {@code gradOut} (all
     * contiguous, same shape): {@code y * (g - sum(g * y))} per row, or {@code g - exp(y) * sum(g)} for log-softmax.
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean softmaxBackward(ScalarType dtype, Strided y, Strided gradOut, Strided gradIn, boolean log) {
        return false;
    }

    /**
     * Layer normalisation over rows of the trailing {@code n} elements of {@code x}: for each row,
     * {@code out = (x - mean) * rstd * weight + bias} with the row's mean and {@code rstd = 1 / sqrt(var + eps)}
     * (biased variance), which are also written to {@code mean} and {@code rstd} ({@code [rows]}). All operands are
     * contiguous and of {@code dtype}; {@code weight} and {@code bias} ({@code n} elements) may be null (1 and 0).
     *
     * @return false when this backend has no such kernel for these operands (nothing was written)
     */
    default boolean layerNorm(ScalarType dtype, Strided x, long n, Strided weight, Strided bias, double eps,
                              Strided out, Strided mean, Strided rstd) {
        return false;
    }

    /**
     * Gradients of {@link #layerNorm} from {@code gradOut} (shaped like {@code x}) and the {@code mean} and
     * {@code rstd} the forward wrote: with {@code xhat = (x - mean) * rstd} and {@code gy = gradOut * weight},
     * {@code gradIn = rstd * (gy - mean(gy) - xhat * mean(gy * xhat))} per row, {@code gradWeight = sum(gradOut * xhat)}
     * and {@code gradBias = sum(gradOut)} over the rows. Each of {@code gradIn}, {@code gradWeight}, {@code gradBias}
     * may be null (not wanted); {@code weight} may be null (1). All contiguous, of {@code dtype}.
     *
     * @return false when this backend has no such kernel for these operands (nothing was written)
     */
    default boolean layerNormBackward(ScalarType dtype, Strided x, long n, Strided gradOut, Strided weight,
                                      Strided mean, Strided rstd, Strided gradIn, Strided gradWeight,
                                      Strided gradBias) {
        return false;
    }
    /**
     * 2-D convolution (cross-correlation, as {@code torch.nn.functional.conv2d}) of {@code x} {@code [N, C, H, W]}
     * with {@code weight} {@code [O, C/groups, kh, kw]} into {@code out} {@code [N, O, outH, outW]}, plus
     * {@code bias} {@code [O]} when it is not null (all contiguous, one dtype; sizes per {@code geometry}).
     *
     * @return false when this backend has no such kernel for these operands (nothing was written)
     */
    default boolean conv2d(ScalarType dtype, Strided x, Strided weight, Strided bias, ConvGeometry geometry,
                           int groups, Strided out) {
        return false;
    }

    /**
     * The input gradient of {@link #conv2d}: writes (overwrites) {@code gradIn} {@code [N, C, H, W]} from
     * {@code gradOut} {@code [N, O, outH, outW]} and {@code weight} (all contiguous).
     *
     * @return false when this backend has no such kernel for these operands (nothing was written)
     */
    default boolean conv2dBackwardData(ScalarType dtype, Strided gradOut, Strided weight, ConvGeometry geometry,
                                       int groups, Strided gradIn) {
        return false;
    }

    /**
     * The weight and bias gradients of {@link #conv2d}: writes (overwrites) {@code gradWeight}
     * {@code [O, C/groups, kh, kw]} from {@code x} and {@code gradOut}, and {@code gradBias} {@code [O]} (the sum of
     * {@code gradOut} over N, outH, outW) when it is not null (all contiguous).
     *
     * @return false when this backend has no such kernel for these operands (nothing was written)
     */
    default boolean conv2dBackwardWeight(ScalarType dtype, Strided x, Strided gradOut, ConvGeometry geometry,
                                         int groups, Strided gradWeight, Strided gradBias) {
        return false;
    }

    /**
     * Fused scaled-dot-product attention, blocked with an online softmax so that no {@code l x s} matrix exists:
     * {@code out = dropout(softmax(q kᵀ * scale + mask)) v} for each of {@code p.batch()} problems, with q
     * {@code [batch..., l, e]}, k {@code [batch..., s, e]}, v {@code [batch..., s, ev]}, out {@code [batch..., l, ev]}
     * and {@code lse [batch * l]} (contiguous) receiving each query row's log-sum-exp of its masked, scaled scores
     * (before dropout) for the backward. A backend may accept strided q, k, v and out (the cpu backend reads any
     * layout with unit stride along the last dimension; out must not overlap the inputs) or return false for
     * anything but contiguous operands, and the caller then passes contiguous copies.
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean attention(ScalarType dtype, AttentionProblem p, Strided q, Strided k, Strided v, Strided out,
                              Strided lse) {
        return false;
    }

    /**
     * The gradients of {@link #attention} with respect to q, k and v (the shapes of their operands), recomputing the
     * weights blockwise from q, k, the saved {@code lse} and the dropout seed. Layouts as for {@link #attention}: a
     * backend that needs contiguous operands returns false for others.
     *
     * @return false when this backend has no such kernel (nothing was written)
     */
    default boolean attentionBackward(ScalarType dtype, AttentionProblem p, Strided q, Strided k, Strided v,
                                      Strided out, Strided lse, Strided gradOut, Strided gradQ, Strided gradK,
                                      Strided gradV) {
        return false;
    }
}
