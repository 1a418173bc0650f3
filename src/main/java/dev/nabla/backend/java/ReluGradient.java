package dev.nabla.backend.java;

import dev.nabla.backend.java.vector.VectorReluGradient;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;

/**
 * ReLU's backward in one pass ({@link dev.nabla.backend.Backend#reluBackward}), float32 with the Vector API only: the
 * composed rule (a mask, then a product) reads and writes the tensor five times where this does it three times, and
 * the scalar and float64 cases keep that rule. In a profile of the CNN training step (2-core VM under load), ReLU's
 * backward went from 2.6 to 1.2 ms a step.
 */
final class ReluGradient {
    /** Element-wise passes an element costs (two reads, one write). */
    private static final long PASS_COST = 3;

    private ReluGradient() {
    }

    /**
     * {@code gradIn = gradOut * (y > 0 ? 1 : 0)}.
     *
     * @param par where to run chunks of elements, or {@code null} for the calling thread only
     * @return false, writing nothing, for other than float32, without the Vector API, or for non-contiguous operands
     */
    static boolean backward(boolean useVector, ChunkRunner par, ScalarType t, Strided y, Strided gradOut,
                            Strided gradIn) {
        if (t != ScalarType.FLOAT32 || !useVector || !VectorSupport.available() || !y.isContiguous()
                || !gradOut.isContiguous() || !gradIn.isContiguous() || y.numel() != gradOut.numel()
                || y.numel() != gradIn.numel()) {
            return false;
        }
        long n = y.numel();
        JavaKernels.split(par, n, n * PASS_COST, (lo, hi) -> VectorReluGradient.backward(y.data(), y.offset() + lo,
                gradOut.data(), gradOut.offset() + lo, gradIn.data(), gradIn.offset() + lo, hi - lo));
        return true;
    }
}
