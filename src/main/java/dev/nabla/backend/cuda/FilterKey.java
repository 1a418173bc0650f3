package dev.nabla.backend.cuda;

import dev.nabla.base.ScalarType;

/**
 * The key of a cached cuDNN filter descriptor: a packed NCHW ({@code KCRS}) convolution weight of {@code dtype}.
 *
 * @param dtype float32 or float64
 * @param k     output channels
 * @param c     input channels per group
 * @param h     kernel height
 * @param w     kernel width
 */
record FilterKey(ScalarType dtype, int k, int c, int h, int w) {
    /** Checks the sizes, each at least 1. */
    FilterKey {
        CudnnShapes.requireFloat(dtype);
        if (k < 1 || c < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("cuDNN filter " + dtype + " [" + k + ", " + c + ", " + h + ", " + w
                    + "]: every size must be at least 1");
        }
    }
}
