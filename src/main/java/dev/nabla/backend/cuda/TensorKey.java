package dev.nabla.backend.cuda;

import dev.nabla.base.ScalarType;

/**
 * The key of a cached cuDNN tensor descriptor: a packed NCHW tensor of {@code dtype}.
 *
 * @param dtype float32 or float64
 * @param n     batch
 * @param c     channels
 * @param h     height
 * @param w     width
 */
record TensorKey(ScalarType dtype, int n, int c, int h, int w) {
    /** Checks the sizes, each at least 1. */
    TensorKey {
        CudnnShapes.requireFloat(dtype);
        if (n < 1 || c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("cuDNN tensor " + dtype + " [" + n + ", " + c + ", " + h + ", " + w
                    + "]: every size must be at least 1");
        }
    }

    /** The key of a rank-4 {@code shape} already checked by {@link CudnnShapes#suits}. */
    static TensorKey of(ScalarType dtype, long[] shape) {
        return new TensorKey(dtype, (int) shape[0], (int) shape[1], (int) shape[2], (int) shape[3]);
    }
}
