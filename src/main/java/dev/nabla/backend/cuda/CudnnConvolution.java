package dev.nabla.backend.cuda;

import static dev.nabla.backend.cuda.CudnnHandle.pointer;
import static dev.nabla.backend.cuda.CudnnHandle.scalar;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.bindings.cudnn.cudnn_h;
import dev.nabla.memory.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * 2-D convolution forward, backward-data and backward-filter (with the bias and its gradient) on cuDNN, NCHW float32
 * and float64, any stride, padding, dilation and group count. Each pass runs the algorithm {@link ConvAlgorithms}
 * chose for its shape, with a workspace from the pool. The bias is added by {@code cudnnAddTensor} after the
 * convolution: the fused {@code cudnnConvolutionBiasActivationForward} is not among the generated bindings.
 * Each method returns false, having written nothing, when the operands do not suit cuDNN (another dtype, a
 * non-contiguous or empty operand, over 2^31 elements) or no algorithm qualifies.
 */
final class CudnnConvolution {
    private final CudnnHandle cudnn;
    private final CudnnDescriptors descriptors;
    private final ConvAlgorithms algorithms;
    private final BooleanSupplier allowTf32;

    CudnnConvolution(CudnnHandle cudnn, CudnnDescriptors descriptors, BooleanSupplier allowTf32) {
        this.cudnn = cudnn;
        this.descriptors = descriptors;
        this.algorithms = new ConvAlgorithms(cudnn);
        this.allowTf32 = allowTf32;
    }

    /** {@code y = conv(x, w) + bias}; see {@link dev.nabla.backend.Backend#conv2d}. */
    boolean forward(ScalarType t, Strided x, Strided w, Strided bias, ConvGeometry g, int groups, Strided y) {
        if (!t.isStandardFloat() || !CudnnShapes.suits(x, w, bias, y)) {
            return false;
        }
        ConvProblem p = problem(t, x, w, g, groups, y);
        checkBias(p, bias);
        cudnn.enter();
        synchronized (cudnn.lock) {
            ConvDescriptors d = ConvDescriptors.of(descriptors, p);
            ConvAlgorithms.Plan plan = algorithms.plan(p, ConvDirection.FORWARD, d);
            if (plan == null) {
                return false;
            }
            Storage ws = cudnn.workspace(plan.workspace());
            try (Arena a = Arena.ofConfined()) {
                MemorySegment one = scalar(a, t, 1);
                cudnn.check(cudnn_h.cudnnConvolutionForward(cudnn.raw(), one, d.x(), pointer(x, t), d.w(),
                        pointer(w, t), d.conv(), plan.algo(), CudnnHandle.address(ws), plan.workspace(),
                        scalar(a, t, 0), d.y(), pointer(y, t)), call("cudnnConvolutionForward", p, plan));
                if (bias != null) {
                    cudnn.check(cudnn_h.cudnnAddTensor(cudnn.raw(), one, descriptors.tensor(p.bias()),
                            pointer(bias, t), one, d.y(), pointer(y, t)), "cudnnAddTensor(bias of " + p.describe()
                            + ")");
                }
            } finally {
                release(ws);
            }
        }
        return true;
    }

    /** {@code gradIn} from {@code gradOut} and {@code w}; see {@link dev.nabla.backend.Backend#conv2dBackwardData}. */
    boolean backwardData(ScalarType t, Strided gradOut, Strided w, ConvGeometry g, int groups, Strided gradIn) {
        if (!t.isStandardFloat() || !CudnnShapes.suits(gradOut, w, gradIn)) {
            return false;
        }
        ConvProblem p = problem(t, gradIn, w, g, groups, gradOut);
        cudnn.enter();
        synchronized (cudnn.lock) {
            ConvDescriptors d = ConvDescriptors.of(descriptors, p);
            ConvAlgorithms.Plan plan = algorithms.plan(p, ConvDirection.BACKWARD_DATA, d);
            if (plan == null) {
                return false;
            }
            Storage ws = cudnn.workspace(plan.workspace());
            try (Arena a = Arena.ofConfined()) {
                cudnn.check(cudnn_h.cudnnConvolutionBackwardData(cudnn.raw(), scalar(a, t, 1), d.w(), pointer(w, t),
                        d.y(), pointer(gradOut, t), d.conv(), plan.algo(), CudnnHandle.address(ws), plan.workspace(),
                        scalar(a, t, 0), d.x(), pointer(gradIn, t)), call("cudnnConvolutionBackwardData", p, plan));
            } finally {
                release(ws);
            }
        }
        return true;
    }

    /**
     * {@code gradWeight} (and {@code gradBias} unless null) from {@code x} and {@code gradOut}; see
     * {@link dev.nabla.backend.Backend#conv2dBackwardWeight}.
     */
    boolean backwardWeight(ScalarType t, Strided x, Strided gradOut, ConvGeometry g, int groups, Strided gradWeight,
                           Strided gradBias) {
        if (!t.isStandardFloat() || !CudnnShapes.suits(x, gradOut, gradWeight, gradBias)) {
            return false;
        }
        ConvProblem p = problem(t, x, gradWeight, g, groups, gradOut);
        checkBias(p, gradBias);
        cudnn.enter();
        synchronized (cudnn.lock) {
            ConvDescriptors d = ConvDescriptors.of(descriptors, p);
            ConvAlgorithms.Plan plan = algorithms.plan(p, ConvDirection.BACKWARD_FILTER, d);
            if (plan == null) {
                return false;
            }
            Storage ws = cudnn.workspace(plan.workspace());
            try (Arena a = Arena.ofConfined()) {
                MemorySegment one = scalar(a, t, 1);
                MemorySegment zero = scalar(a, t, 0);
                cudnn.check(cudnn_h.cudnnConvolutionBackwardFilter(cudnn.raw(), one, d.x(), pointer(x, t), d.y(),
                        pointer(gradOut, t), d.conv(), plan.algo(), CudnnHandle.address(ws), plan.workspace(), zero,
                        d.w(), pointer(gradWeight, t)), call("cudnnConvolutionBackwardFilter", p, plan));
                if (gradBias != null) {
                    cudnn.check(cudnn_h.cudnnConvolutionBackwardBias(cudnn.raw(), one, d.y(), pointer(gradOut, t), zero,
                            descriptors.tensor(p.bias()), pointer(gradBias, t)),
                            "cudnnConvolutionBackwardBias(" + p.describe() + ")");
                }
            } finally {
                release(ws);
            }
        }
        return true;
    }

    private ConvProblem problem(ScalarType t, Strided x, Strided w, ConvGeometry g, int groups, Strided y) {
        return ConvProblem.of(t, x.shape(), w.shape(), g, groups, y.shape(),
                t == ScalarType.FLOAT32 && allowTf32.getAsBoolean());
    }

    private static void checkBias(ConvProblem p, Strided bias) {
        if (bias != null && (bias.rank() != 1 || bias.shape()[0] != p.w().k())) {
            throw new IllegalArgumentException("conv2d: bias " + Arrays.toString(bias.shape())
                    + " does not match " + p.w().k() + " output channels");
        }
    }

    private static String call(String function, ConvProblem p, ConvAlgorithms.Plan plan) {
        return function + "(" + p.describe() + ", algo " + plan.algo() + ", workspace " + plan.workspace() + " bytes)";
    }

    private static void release(Storage ws) {
        if (ws != null) {
            ws.release();
        }
    }
}
