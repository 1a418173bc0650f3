package dev.nabla.backend.cuda;

import static dev.nabla.backend.cuda.CudnnHandle.pointer;
import static dev.nabla.backend.cuda.CudnnHandle.scalar;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.bindings.cudnn.cudnn_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Softmax and log-softmax over the last dimension, forward and backward, on cuDNN: the operand is seen as
 * {@code [rows, n, 1, 1]} ({@code n} the last size) and cuDNN normalises each row ({@code CUDNN_SOFTMAX_MODE_INSTANCE})
 * with the accurate algorithm (the row's maximum subtracted first) or the log one. Each method returns false,
 * having written nothing, when the operands do not suit cuDNN.
 */
final class CudnnSoftmax {
    private final CudnnHandle cudnn;
    private final CudnnDescriptors descriptors;

    CudnnSoftmax(CudnnHandle cudnn, CudnnDescriptors descriptors) {
        this.cudnn = cudnn;
        this.descriptors = descriptors;
    }

    /** See {@link dev.nabla.backend.Backend#softmax}. */
    boolean forward(ScalarType t, Strided x, Strided out, boolean log) {
        if (!t.isStandardFloat() || !CudnnShapes.suits(x, out)) {
            return false;
        }
        TensorKey rows = rows(t, x, out);
        cudnn.enter();
        synchronized (cudnn.lock) {
            MemorySegment d = descriptors.tensor(rows);
            try (Arena a = Arena.ofConfined()) {
                cudnn.check(cudnn_h.cudnnSoftmaxForward(cudnn.raw(), algorithm(log),
                        cudnn_h.CUDNN_SOFTMAX_MODE_INSTANCE(), scalar(a, t, 1), d, pointer(x, t), scalar(a, t, 0), d,
                        pointer(out, t)), "cudnnSoftmaxForward(" + rows + ", log=" + log + ")");
            }
        }
        return true;
    }

    /** See {@link dev.nabla.backend.Backend#softmaxBackward}. */
    boolean backward(ScalarType t, Strided y, Strided gradOut, Strided gradIn, boolean log) {
        if (!t.isStandardFloat() || !CudnnShapes.suits(y, gradOut, gradIn)) {
            return false;
        }
        TensorKey rows = rows(t, y, gradOut);
        rows(t, y, gradIn);
        cudnn.enter();
        synchronized (cudnn.lock) {
            MemorySegment d = descriptors.tensor(rows);
            try (Arena a = Arena.ofConfined()) {
                cudnn.check(cudnn_h.cudnnSoftmaxBackward(cudnn.raw(), algorithm(log),
                        cudnn_h.CUDNN_SOFTMAX_MODE_INSTANCE(), scalar(a, t, 1), d, pointer(y, t), d,
                        pointer(gradOut, t), scalar(a, t, 0), d, pointer(gradIn, t)),
                        "cudnnSoftmaxBackward(" + rows + ", log=" + log + ")");
            }
        }
        return true;
    }

    private static int algorithm(boolean log) {
        return log ? cudnn_h.CUDNN_SOFTMAX_LOG() : cudnn_h.CUDNN_SOFTMAX_ACCURATE();
    }

    /** {@code [rows, n, 1, 1]} for two operands of the same shape. */
    static TensorKey rows(ScalarType t, Strided a, Strided b) {
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException("softmax: operands " + Arrays.toString(a.shape()) + " and "
                    + Arrays.toString(b.shape()) + " differ in shape");
        }
        long[] s = a.shape();
        int n = s.length == 0 ? 1 : (int) s[s.length - 1];
        return new TensorKey(t, (int) (a.numel() / n), n, 1, 1);
    }
}
