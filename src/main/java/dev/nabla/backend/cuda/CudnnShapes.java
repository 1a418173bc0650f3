package dev.nabla.backend.cuda;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.bindings.cudnn.cudnn_h;

/** Which operands cuDNN's legacy API takes, and how it names their element types. */
final class CudnnShapes {
    private CudnnShapes() {
    }

    /**
     * True if every operand (null ones skipped) is contiguous with at least one element and fits a cuDNN tensor
     * descriptor: its element count below 2^31, as cuDNN's legacy API requires.
     */
    static boolean suits(Strided... operands) {
        for (Strided s : operands) {
            if (s != null && (!s.isContiguous() || s.numel() < 1 || s.numel() > Integer.MAX_VALUE)) {
                return false;
            }
        }
        return true;
    }

    /** Throws {@link IllegalArgumentException} unless {@code dtype} is float32 or float64. */
    static void requireFloat(ScalarType dtype) {
        if (!dtype.isStandardFloat()) {
            throw new IllegalArgumentException("cuDNN: dtype " + dtype + " is not supported (float32 and float64 only)");
        }
    }

    /** {@code CUDNN_DATA_FLOAT} or {@code CUDNN_DATA_DOUBLE}. */
    static int dataType(ScalarType dtype) {
        requireFloat(dtype);
        return dtype == ScalarType.FLOAT32 ? cudnn_h.CUDNN_DATA_FLOAT() : cudnn_h.CUDNN_DATA_DOUBLE();
    }
}
