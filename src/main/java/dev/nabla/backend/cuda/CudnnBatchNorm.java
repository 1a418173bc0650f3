package dev.nabla.backend.cuda;

import static dev.nabla.backend.cuda.CudnnHandle.pointer;
import static dev.nabla.backend.cuda.CudnnHandle.scalar;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.bindings.cudnn.cudnn_h;
import dev.nabla.memory.MemoryPool;
import dev.nabla.memory.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batch normalisation on cuDNN: training (batch statistics), inference (given statistics) and the backward of
 * training. The input {@code [N, C, ...]} is seen as {@code [N, C, S, 1]}, statistics per channel over {@code N * S}
 * ({@code CUDNN_BATCHNORM_SPATIAL}).
 *
 * <p>{@code CUDNN_BATCHNORM_SPATIAL_PERSISTENT} is not used: it pays for channels-last (NHWC) layouts, which Nabla
 * does not have yet, and PyTorch keeps it off for NCHW after accuracy losses it reported in ResNeXt and video models
 * (the mode reduces in scaled integers and may overflow).
 *
 * <p>cuDNN returns the batch variance unbiased (through the running variance); it is rescaled by
 * {@code (m - 1) / m} to the biased variance the {@link dev.nabla.backend.Backend#batchNorm} contract asks for. The
 * backward runs on cuDNN only for batch statistics (cuDNN differentiates through them); with running statistics the
 * caller's composition is used. Each method returns false, having written nothing, when the operands do not suit.
 */
final class CudnnBatchNorm {
    /** Fills a device operand with a value (the backend's own kernel). */
    @FunctionalInterface
    interface Filler {
        void fill(ScalarType dtype, Strided dst, double value);
    }

    private static final int MODE = cudnn_h.CUDNN_BATCHNORM_SPATIAL();

    private final CudnnHandle cudnn;
    private final CudnnDescriptors descriptors;
    private final MemoryPool pool;
    private final Filler filler;

    CudnnBatchNorm(CudnnHandle cudnn, CudnnDescriptors descriptors, MemoryPool pool, Filler filler) {
        this.cudnn = cudnn;
        this.descriptors = descriptors;
        this.pool = pool;
        this.filler = filler;
    }

    /** See {@link dev.nabla.backend.Backend#batchNorm}. */
    boolean forward(ScalarType t, Strided x, Strided weight, Strided bias, boolean batchStats, double eps,
                    Strided mean, Strided var, Strided out) {
        if (!suits(t, eps, x, weight, bias, mean, var, out)) {
            return false;
        }
        TensorKey xk = planes(t, x, out);
        long m = (long) xk.n() * xk.h();
        if (batchStats && m < 2) {
            return false; // the unbiased variance cuDNN computes first needs two values per channel
        }
        TensorKey ck = channels(xk, weight, bias, mean, var);
        try (Temps temps = new Temps(); Arena a = Arena.ofConfined()) {
            Strided scale = weight != null ? weight : temps.filled(t, ck.c(), 1);
            Strided shift = bias != null ? bias : temps.filled(t, ck.c(), 0);
            cudnn.enter();
            synchronized (cudnn.lock) {
                MemorySegment xd = descriptors.tensor(xk);
                MemorySegment cd = descriptors.tensor(ck);
                if (batchStats) {
                    // running averages with factor 1 are exactly the batch's statistics: start them from 0, not NaN
                    filler.fill(t, mean, 0);
                    filler.fill(t, var, 0);
                    cudnn.check(cudnn_h.cudnnBatchNormalizationForwardTraining(cudnn.raw(), MODE, scalar(a, t, 1),
                            scalar(a, t, 0), xd, pointer(x, t), xd, pointer(out, t), cd, pointer(scale, t),
                            pointer(shift, t), 1.0, pointer(mean, t), pointer(var, t), eps, MemorySegment.NULL,
                            MemorySegment.NULL), "cudnnBatchNormalizationForwardTraining(" + xk + ", eps=" + eps + ")");
                    cudnn.check(cudnn_h.cudnnScaleTensor(cudnn.raw(), cd, pointer(var, t),
                            scalar(a, t, (m - 1) / (double) m)), "cudnnScaleTensor(biased variance of " + xk + ")");
                } else {
                    cudnn.check(cudnn_h.cudnnBatchNormalizationForwardInference(cudnn.raw(), MODE, scalar(a, t, 1),
                            scalar(a, t, 0), xd, pointer(x, t), xd, pointer(out, t), cd, pointer(scale, t),
                            pointer(shift, t), pointer(mean, t), pointer(var, t), eps),
                            "cudnnBatchNormalizationForwardInference(" + xk + ", eps=" + eps + ")");
                }
            }
        }
        return true;
    }

    /** See {@link dev.nabla.backend.Backend#batchNormBackward}; batch statistics only. */
    boolean backward(ScalarType t, Strided x, Strided gradOut, Strided weight, Strided mean, Strided var,
                     boolean batchStats, double eps, Strided gradIn, Strided gradWeight, Strided gradBias) {
        if (!batchStats || !suits(t, eps, x, gradOut, weight, mean, var, gradIn, gradWeight, gradBias)) {
            return false;
        }
        TensorKey xk = planes(t, x, gradOut);
        if (gradIn != null) {
            planes(t, x, gradIn);
        }
        TensorKey ck = channels(xk, weight, gradWeight, gradBias, mean, var);
        try (Temps temps = new Temps(); Arena a = Arena.ofConfined()) {
            Strided scale = weight != null ? weight : temps.filled(t, ck.c(), 1);
            Strided dx = gradIn != null ? gradIn : temps.scratch(t, x.numel());
            Strided dw = gradWeight != null ? gradWeight : temps.scratch(t, ck.c());
            Strided db = gradBias != null ? gradBias : temps.scratch(t, ck.c());
            cudnn.enter();
            synchronized (cudnn.lock) {
                MemorySegment xd = descriptors.tensor(xk);
                MemorySegment one = scalar(a, t, 1);
                MemorySegment zero = scalar(a, t, 0);
                // no saved mean / inverse deviation: cuDNN recomputes the batch's, the ones the forward used
                cudnn.check(cudnn_h.cudnnBatchNormalizationBackward(cudnn.raw(), MODE, one, zero, one, zero, xd,
                        pointer(x, t), xd, pointer(gradOut, t), xd, pointer(dx, t), descriptors.tensor(ck),
                        pointer(scale, t), pointer(dw, t), pointer(db, t), eps, MemorySegment.NULL,
                        MemorySegment.NULL), "cudnnBatchNormalizationBackward(" + xk + ", eps=" + eps + ")");
            }
        }
        return true;
    }

    private static boolean suits(ScalarType t, double eps, Strided... operands) {
        return t.isStandardFloat() && eps >= cudnn_h.CUDNN_BN_MIN_EPSILON() && operands[0].rank() >= 2
                && CudnnShapes.suits(operands);
    }

    /** {@code x} {@code [N, C, ...]} as {@code [N, C, S, 1]}, checking that {@code other} has its shape. */
    static TensorKey planes(ScalarType t, Strided x, Strided other) {
        long[] s = x.shape();
        if (s.length < 2 || !Arrays.equals(s, other.shape())) {
            throw new IllegalArgumentException("batchNorm: expects x [N, C, ...] and an operand of the same shape, got "
                    + Arrays.toString(s) + " and " + Arrays.toString(other.shape()));
        }
        long spatial = x.numel() / (s[0] * s[1]);
        return new TensorKey(t, (int) s[0], (int) s[1], (int) spatial, 1);
    }

    /** The per-channel {@code [1, C, 1, 1]}, checking that every non-null operand holds {@code C} values. */
    static TensorKey channels(TensorKey x, Strided... perChannel) {
        for (Strided s : perChannel) {
            if (s != null && (s.rank() != 1 || s.shape()[0] != x.c())) {
                throw new IllegalArgumentException("batchNorm: per-channel operand " + Arrays.toString(s.shape())
                        + " should be [" + x.c() + "]");
            }
        }
        return new TensorKey(x.dtype(), 1, x.c(), 1, 1);
    }

    /** Device temporaries for absent operands, back to the pool on close (later work on the stream is ordered). */
    private final class Temps implements AutoCloseable {
        private final List<Storage> storages = new ArrayList<>(3);

        Strided scratch(ScalarType t, long count) {
            Storage s = pool.allocate(count * t.byteSize());
            storages.add(s);
            return Strided.contiguous(s.segment(), 0, count);
        }

        Strided filled(ScalarType t, long count, double value) {
            Strided s = scratch(t, count);
            filler.fill(t, s, value);
            return s;
        }

        @Override
        public void close() {
            storages.forEach(Storage::release);
        }
    }
}
