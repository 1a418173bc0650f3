package dev.nabla.backend;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.MemoryPool;
import dev.nabla.memory.Storage;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What every device does with the dtypes its kernels are not written for, in front of one {@link Backend}:
 * <ul>
 *   <li>float32 and float64 go straight through;</li>
 *   <li>bfloat16 and float16 compute in float32, as PyTorch does: each operand is converted to a float32 temporary
 *       (broadcast dimensions stay broadcast), the float32 kernel runs, and each output is rounded back once. GEMM
 *       first asks the backend for a native reduced-precision product ({@link Backend#gemmReduced});</li>
 *   <li>the integer types and bool reach the kernels that handle them (fills, copies, gathers, the unary ops that
 *       {@link UnaryOp#keepsIntegers keep integers}, the binary ops of {@link #INTEGER_BINARY}, the reductions of
 *       {@link #INTEGER_REDUCE}); any other kernel throws an {@link IllegalArgumentException} naming the op and the
 *       dtype, never reinterprets the bytes.</li>
 * </ul>
 * Temporaries come from the backend's pool and go back to it before the call returns.
 */
public final class DTypeDispatch implements Backend {
    /** The binary ops with integer (and bool) kernels: all but true division and pow. */
    static final Set<BinaryOp> INTEGER_BINARY = EnumSet.complementOf(EnumSet.of(BinaryOp.DIV, BinaryOp.POW));
    /** The reductions with integer (and bool) kernels. */
    static final Set<ReduceOp> INTEGER_REDUCE = EnumSet.of(ReduceOp.SUM, ReduceOp.MAX, ReduceOp.MIN);

    private final Backend inner;

    /** Wraps {@code inner}. */
    public DTypeDispatch(Backend inner) {
        this.inner = inner;
    }

    /** The wrapped backend. */
    public Backend inner() {
        return inner;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public MemoryPool pool() {
        return inner.pool();
    }

    @Override
    public String toString() {
        return inner.toString();
    }

    @Override
    public void fill(ScalarType dtype, Strided dst, double value) {
        inner.fill(dtype, dst, value);
    }

    @Override
    public void copy(ScalarType srcType, Strided src, ScalarType dstType, Strided dst) {
        inner.copy(srcType, src, dstType, dst);
    }

    @Override
    public void copyFromHost(MemorySegment host, MemorySegment dst, long dstByteOffset, long bytes) {
        inner.copyFromHost(host, dst, dstByteOffset, bytes);
    }

    @Override
    public void copyToHost(MemorySegment src, long srcByteOffset, MemorySegment host, long bytes) {
        inner.copyToHost(src, srcByteOffset, host, bytes);
    }

    @Override
    public void quantize(MemorySegment src, long srcOffset, float inverseScale, int zeroPoint, int qmin, int qmax,
                         ScalarType dstType, MemorySegment dst, long dstOffset, long count) {
        inner.quantize(src, srcOffset, inverseScale, zeroPoint, qmin, qmax, dstType, dst, dstOffset, count);
    }

    @Override
    public float[] minMax(MemorySegment src, long srcOffset, long count) {
        return inner.minMax(src, srcOffset, count);
    }

    @Override
    public void gemmInt8(ScalarType aType, int m, int n, int k, MemorySegment a, long aOffset, int lda,
                         int aZeroPoint, MemorySegment b, long bOffset, int ldb, MemorySegment scales,
                         long scalesOffset, int scaleCount, MemorySegment c, long cOffset, int ldc) {
        inner.gemmInt8(aType, m, n, k, a, aOffset, lda, aZeroPoint, b, bOffset, ldb, scales, scalesOffset,
                scaleCount, c, cOffset, ldc);
    }

    @Override
    public void gemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                     double beta, MemorySegment c, long cOffset, int ldc) {
        batchedGemm(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, 0, b, bOffset, ldb, 0, beta, c, cOffset,
                ldc, 0, 1);
    }

    @Override
    public boolean gemmBias(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k,
                            MemorySegment a, long aOffset, int lda, MemorySegment b, long bOffset, int ldb,
                            MemorySegment bias, long biasOffset, MemorySegment c, long cOffset, int ldc) {
        return dtype.isStandardFloat() && inner.gemmBias(dtype, transA, transB, m, n, k, a, aOffset, lda, b, bOffset,
                ldb, bias, biasOffset, c, cOffset, ldc);
    }

    @Override
    public void batchedGemm(ScalarType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long aOffset, int lda, long strideA,
                            MemorySegment b, long bOffset, int ldb, long strideB,
                            double beta, MemorySegment c, long cOffset, int ldc, long strideC, int batch) {
        if (dtype.isStandardFloat()) {
            if (batch == 1) {
                inner.gemm(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset,
                        ldc);
            } else {
                inner.batchedGemm(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, strideA, b, bOffset, ldb,
                        strideB, beta, c, cOffset, ldc, strideC, batch);
            }
            return;
        }
        requireReduced("matmul", dtype);
        if (inner.gemmReduced(dtype, transA, transB, m, n, k, alpha, a, aOffset, lda, strideA, b, bOffset, ldb,
                strideB, beta, c, cOffset, ldc, strideC, batch)) {
            return;
        }
        Strided sa = matrices(a, aOffset, strideA, batch, transA ? k : m, transA ? m : k, lda);
        Strided sb = matrices(b, bOffset, strideB, batch, transB ? n : k, transB ? k : n, ldb);
        Strided sc = matrices(c, cOffset, strideC, batch, m, n, ldc);
        try (Temps t = new Temps(dtype)) {
            Strided fa = t.in(sa);
            Strided fb = t.in(sb);
            Strided fc = beta == 0 ? t.out(sc) : t.in(sc);
            long[] as = fa.strides();
            long[] bs = fb.strides();
            long[] cs = fc.strides();
            inner.batchedGemm(ScalarType.FLOAT32, transA, transB, m, n, k, alpha, fa.data(), fa.offset(),
                    (int) as[1], as[0], fb.data(), fb.offset(), (int) bs[1], bs[0], beta, fc.data(), fc.offset(),
                    (int) cs[1], cs[0], batch);
            t.store(fc, sc);
        }
    }

    /** {@code batch} row-major {@code rows x cols} matrices with leading dimension {@code ld}, as one 3-d operand. */
    private static Strided matrices(MemorySegment data, long offset, long stride, int batch, int rows, int cols,
                                    int ld) {
        return new Strided(data, offset, new long[] {batch, rows, cols}, new long[] {batch == 1 ? 0 : stride, ld, 1});
    }

    @Override
    public void unary(UnaryOp op, ScalarType dtype, Strided x, Strided out, double a, double b) {
        if (isInteger(dtype) && op.keepsIntegers()) {
            inner.unary(op, dtype, x, out, a, b);
            return;
        }
        if (op.integersOnly()) {
            throw new IllegalArgumentException("bitwiseNot: not implemented for dtype " + dtype
                    + " (integer and bool dtypes only)");
        }
        if (passes(dtype, "unary", op)) {
            inner.unary(op, dtype, x, out, a, b);
            return;
        }
        try (Temps t = new Temps(dtype)) {
            Strided fx = t.in(x);
            Strided fo = t.out(out);
            inner.unary(op, ScalarType.FLOAT32, fx, fo, a, b);
            t.store(fo, out);
        }
    }

    @Override
    public void binary(BinaryOp op, ScalarType dtype, Strided x, Strided y, Strided out) {
        if (isInteger(dtype) && INTEGER_BINARY.contains(op)) {
            inner.binary(op, dtype, x, y, out);
            return;
        }
        if (op.integersOnly()) {
            throw new IllegalArgumentException("binary " + op + ": not implemented for dtype " + dtype
                    + " (integer and bool dtypes only)");
        }
        if (passes(dtype, "binary", op)) {
            inner.binary(op, dtype, x, y, out);
            return;
        }
        try (Temps t = new Temps(dtype)) {
            Strided fx = t.in(x);
            Strided fy = t.in(y);
            Strided fo = t.out(out);
            inner.binary(op, ScalarType.FLOAT32, fx, fy, fo);
            t.store(fo, out);
        }
    }

    @Override
    public void reduce(ReduceOp op, ScalarType dtype, Strided x, Strided out) {
        if (isInteger(dtype) && INTEGER_REDUCE.contains(op)) {
            inner.reduce(op, dtype, x, out);
            return;
        }
        if (passes(dtype, "reduce", op)) {
            inner.reduce(op, dtype, x, out);
            return;
        }
        try (Temps t = new Temps(dtype)) {
            Strided fx = t.in(x);
            Strided fo = t.out(out);
            inner.reduce(op, ScalarType.FLOAT32, fx, fo);
            t.store(fo, out);
        }
    }

    @Override
    public void argReduce(ReduceOp op, ScalarType dtype, Strided x, int dim, Strided out) {
        if (passes(dtype, "argReduce", op)) {
            inner.argReduce(op, dtype, x, dim, out);
            return;
        }
        try (Temps t = new Temps(dtype)) {
            inner.argReduce(op, ScalarType.FLOAT32, t.in(x), dim, out); // the int64 output needs no temporary
        }
    }

    @Override
    public void gather(ScalarType dtype, Strided x, int dim, ScalarType indexType, Strided index, Strided out) {
        if (!dtype.isReducedFloat()) {
            inner.gather(dtype, x, dim, indexType, index, out); // moves elements: every dtype
            return;
        }
        try (Temps t = new Temps(dtype)) {
            Strided fx = t.in(x);
            Strided fo = t.out(out);
            inner.gather(ScalarType.FLOAT32, fx, dim, indexType, index, fo);
            t.store(fo, out);
        }
    }

    @Override
    public void scatterAdd(ScalarType dtype, Strided out, int dim, ScalarType indexType, Strided index, Strided src) {
        if (passes(dtype, "scatterAdd", null)) {
            inner.scatterAdd(dtype, out, dim, indexType, index, src);
            return;
        }
        try (Temps t = new Temps(dtype)) {
            Strided fo = t.in(out);
            Strided fs = t.in(src);
            inner.scatterAdd(ScalarType.FLOAT32, fo, dim, indexType, index, fs);
            t.store(fo, out);
        }
    }

    @Override
    public void im2col(ScalarType dtype, Strided x, ConvGeometry geometry, double padValue, Strided cols) {
        if (passes(dtype, "im2col", null)) {
            inner.im2col(dtype, x, geometry, padValue, cols);
            return;
        }
        try (Temps t = new Temps(dtype)) {
            Strided fx = t.in(x);
            Strided fc = t.out(cols);
            inner.im2col(ScalarType.FLOAT32, fx, geometry, padValue, fc);
            t.store(fc, cols);
        }
    }

    @Override
    public void col2im(ScalarType dtype, Strided cols, ConvGeometry geometry, Strided x) {
        if (passes(dtype, "col2im", null)) {
            inner.col2im(dtype, cols, geometry, x);
            return;
        }
        try (Temps t = new Temps(dtype)) {
            Strided fc = t.in(cols);
            Strided fx = t.in(x);
            inner.col2im(ScalarType.FLOAT32, fc, geometry, fx);
            t.store(fx, x);
        }
    }

    @Override
    public void fusedUpdate(ScalarType dtype, UpdateRule rule, Strided param, Strided grad, Strided[] state) {
        if (passes(dtype, "optimizer step", null)) {
            inner.fusedUpdate(dtype, rule, param, grad, state);
            return;
        }
        try (Temps t = new Temps(dtype)) {
            Strided fp = t.in(param);
            Strided fg = t.in(grad);
            Strided[] fs = new Strided[state.length];
            for (int i = 0; i < state.length; i++) {
                fs[i] = t.in(state[i]);
            }
            inner.fusedUpdate(ScalarType.FLOAT32, rule, fp, fg, fs);
            t.store(fp, param);
            for (int i = 0; i < state.length; i++) {
                t.store(fs[i], state[i]);
            }
        }
    }

    @Override
    public boolean maxPool2d(ScalarType dtype, Strided x, ConvGeometry geometry, Strided out, Strided indices) {
        if (passes(dtype, "maxPool2d", null)) {
            return inner.maxPool2d(dtype, x, geometry, out, indices);
        }
        return false; // the op composes itself; its indices must stay exact, which a 16-bit float cannot promise
    }

    @Override
    public boolean maxPool2dBackward(ScalarType dtype, Strided gradOut, Strided indices, Strided gradIn) {
        if (passes(dtype, "maxPool2d backward", null)) {
            return inner.maxPool2dBackward(dtype, gradOut, indices, gradIn);
        }
        return false;
    }

    @Override
    public boolean reluBackward(ScalarType dtype, Strided y, Strided gradOut, Strided gradIn) {
        return passes(dtype, "reluBackward", null) && inner.reluBackward(dtype, y, gradOut, gradIn);
    }

    @Override
    public boolean linearInt8(ScalarType aType, int m, int n, int k, MemorySegment a, long aOffset, int lda,
                              int aZeroPoint, MemorySegment b, long bOffset, int ldb, AtomicReference<Object> packed,
                              MemorySegment scales, long scalesOffset, int scaleCount, MemorySegment bias,
                              long biasOffset, MemorySegment c, long cOffset, int ldc) {
        return inner.linearInt8(aType, m, n, k, a, aOffset, lda, aZeroPoint, b, bOffset, ldb, packed, scales,
                scalesOffset, scaleCount, bias, biasOffset, c, cOffset, ldc);
    }

    @Override
    public boolean conv2d(ScalarType dtype, Strided x, Strided weight, Strided bias, ConvGeometry geometry, int groups,
                          Strided out) {
        // 16-bit floats compose the convolution from unfold and the reduced-precision GEMM
        return passes(dtype, "conv2d", null) && inner.conv2d(dtype, x, weight, bias, geometry, groups, out);
    }

    @Override
    public boolean conv2dBackwardData(ScalarType dtype, Strided gradOut, Strided weight, ConvGeometry geometry,
                                      int groups, Strided gradIn) {
        return passes(dtype, "conv2d backward", null)
                && inner.conv2dBackwardData(dtype, gradOut, weight, geometry, groups, gradIn);
    }

    @Override
    public boolean conv2dBackwardWeight(ScalarType dtype, Strided x, Strided gradOut, ConvGeometry geometry,
                                        int groups, Strided gradWeight, Strided gradBias) {
        return passes(dtype, "conv2d backward", null)
                && inner.conv2dBackwardWeight(dtype, x, gradOut, geometry, groups, gradWeight, gradBias);
    }

    @Override
    public boolean batchNorm(ScalarType dtype, Strided x, Strided weight, Strided bias, boolean batchStats, double eps,
                             Strided mean, Strided var, Strided out) {
        if (passes(dtype, "batchNorm", null)) {
            return inner.batchNorm(dtype, x, weight, bias, batchStats, eps, mean, var, out);
        }
        try (Temps t = new Temps(dtype)) {
            Strided fx = t.in(x);
            Strided fw = weight == null ? null : t.in(weight);
            Strided fb = bias == null ? null : t.in(bias);
            Strided fm = batchStats ? t.out(mean) : t.in(mean);
            Strided fv = batchStats ? t.out(var) : t.in(var);
            Strided fo = t.out(out);
            if (!inner.batchNorm(ScalarType.FLOAT32, fx, fw, fb, batchStats, eps, fm, fv, fo)) {
                return false;
            }
            t.store(fo, out);
            if (batchStats) {
                t.store(fm, mean);
                t.store(fv, var);
            }
            return true;
        }
    }

    @Override
    public boolean batchNormBackward(ScalarType dtype, Strided x, Strided gradOut, Strided weight, Strided mean,
                                     Strided var, boolean batchStats, double eps, Strided gradIn,
                                     Strided gradWeight, Strided gradBias) {
        if (passes(dtype, "batchNorm backward", null)) {
            return inner.batchNormBackward(dtype, x, gradOut, weight, mean, var, batchStats, eps, gradIn, gradWeight,
                    gradBias);
        }
        try (Temps t = new Temps(dtype)) {
            Strided fx = t.in(x);
            Strided fg = t.in(gradOut);
            Strided fw = weight == null ? null : t.in(weight);
            Strided fm = t.in(mean);
            Strided fv = t.in(var);
            Strided fgi = gradIn == null ? null : t.out(gradIn);
            Strided fgw = gradWeight == null ? null : t.out(gradWeight);
            Strided fgb = gradBias == null ? null : t.out(gradBias);
            if (!inner.batchNormBackward(ScalarType.FLOAT32, fx, fg, fw, fm, fv, batchStats, eps, fgi, fgw, fgb)) {
                return false;
            }
            if (fgi != null) {
                t.store(fgi, gradIn);
            }
            if (fgw != null) {
                t.store(fgw, gradWeight);
            }
            if (fgb != null) {
                t.store(fgb, gradBias);
            }
            return true;
        }
    }

    /** Float32 and float64 only: the reduced types take the composite, which computes in float32 itself. */
    @Override
    public boolean layerNorm(ScalarType dtype, Strided x, long n, Strided weight, Strided bias, double eps,
                             Strided out, Strided mean, Strided rstd) {
        return dtype.isStandardFloat() && inner.layerNorm(dtype, x, n, weight, bias, eps, out, mean, rstd);
    }

    @Override
    public boolean layerNormBackward(ScalarType dtype, Strided x, long n, Strided gradOut, Strided weight,
                                     Strided mean, Strided rstd, Strided gradIn, Strided gradWeight,
                                     Strided gradBias) {
        return dtype.isStandardFloat() && inner.layerNormBackward(dtype, x, n, gradOut, weight, mean, rstd, gradIn,
                gradWeight, gradBias);
    }

    @Override
    public boolean softmax(ScalarType dtype, Strided x, Strided out, boolean log) {
        if (passes(dtype, log ? "logSoftmax" : "softmax", null)) {
            return inner.softmax(dtype, x, out, log);
        }
        try (Temps t = new Temps(dtype)) {
            Strided fx = t.in(x);
            Strided fo = t.out(out);
            if (!inner.softmax(ScalarType.FLOAT32, fx, fo, log)) {
                return false;
            }
            t.store(fo, out);
            return true;
        }
    }

    @Override
    public boolean softmaxBackward(ScalarType dtype, Strided y, Strided gradOut, Strided gradIn, boolean log) {
        if (passes(dtype, "softmax backward", null)) {
            return inner.softmaxBackward(dtype, y, gradOut, gradIn, log);
        }
        try (Temps t = new Temps(dtype)) {
            Strided fy = t.in(y);
            Strided fg = t.in(gradOut);
            Strided fo = t.out(gradIn);
            if (!inner.softmaxBackward(ScalarType.FLOAT32, fy, fg, fo, log)) {
                return false;
            }
            t.store(fo, gradIn);
            return true;
        }
    }

    @Override
    public boolean attention(ScalarType dtype, AttentionProblem p, Strided q, Strided k, Strided v, Strided out,
                             Strided lse) {
        // reduced precision is converted to float32 by the op itself (its composite path otherwise)
        return passes(dtype, "attention", null) && inner.attention(dtype, p, q, k, v, out, lse);
    }

    @Override
    public boolean attentionBackward(ScalarType dtype, AttentionProblem p, Strided q, Strided k, Strided v,
                                     Strided out, Strided lse, Strided gradOut, Strided gradQ, Strided gradK,
                                     Strided gradV) {
        return passes(dtype, "attention backward", null)
                && inner.attentionBackward(dtype, p, q, k, v, out, lse, gradOut, gradQ, gradK, gradV);
    }

    /**
     * True when {@code dtype} goes straight to the backend's kernel (float32, float64); false for bfloat16/float16,
     * which the caller computes in float32.
     *
     * @throws IllegalArgumentException for a dtype the kernel has no arithmetic for
     */
    private static boolean passes(ScalarType dtype, String kind, Object op) {
        if (dtype.isStandardFloat()) {
            return true;
        }
        requireReduced(op == null ? kind : kind + " " + op, dtype); // the name is built only for the error
        return false;
    }

    private static boolean isInteger(ScalarType dtype) {
        return dtype.isIntegral() || dtype == ScalarType.BOOL;
    }

    private static void requireReduced(String op, ScalarType dtype) {
        if (!dtype.isReducedFloat()) {
            throw new IllegalArgumentException(op + ": not implemented for dtype " + dtype
                    + " (floating-point dtypes only)");
        }
    }

    /** The float32 temporaries of one call, released together. */
    private final class Temps implements AutoCloseable {
        private final ScalarType dtype;
        private final List<Storage> storages = new ArrayList<>(4);

        Temps(ScalarType dtype) {
            this.dtype = dtype;
        }

        /** A float32 copy of {@code s} (zero strides stay zero: a broadcast operand is not expanded). */
        Strided in(Strided s) {
            Strided f = out(s);
            inner.copy(dtype, compact(s), ScalarType.FLOAT32, compact(f));
            return f;
        }

        /** An uninitialised float32 operand shaped like {@code s}, with {@code s}'s zero strides. */
        Strided out(Strided s) {
            long[] shape = s.shape();
            long[] stored = shape.clone();
            for (int d = 0; d < shape.length; d++) {
                if (s.strides()[d] == 0) {
                    stored[d] = 1;
                }
            }
            long[] strides = Strided.contiguousStrides(stored);
            for (int d = 0; d < shape.length; d++) {
                if (s.strides()[d] == 0) {
                    strides[d] = 0;
                }
            }
            long numel = 1;
            for (long v : stored) {
                numel *= v;
            }
            Storage storage = inner.pool().allocate(numel * ScalarType.FLOAT32.byteSize());
            storages.add(storage);
            return new Strided(storage.segment(), 0, shape, strides);
        }

        /** Rounds the float32 result {@code f} into {@code dst}. */
        void store(Strided f, Strided dst) {
            inner.copy(ScalarType.FLOAT32, compact(f), dtype, compact(dst));
        }

        @Override
        public void close() {
            for (Storage s : storages) {
                s.release();
            }
        }
    }

    /** {@code s} with size 1 on its zero-stride dimensions: the elements actually stored. */
    private static Strided compact(Strided s) {
        long[] shape = s.shape().clone();
        for (int d = 0; d < shape.length; d++) {
            if (s.strides()[d] == 0) {
                shape[d] = Math.min(shape[d], 1);
            }
        }
        return new Strided(s.data(), s.offset(), shape, s.strides());
    }
}
