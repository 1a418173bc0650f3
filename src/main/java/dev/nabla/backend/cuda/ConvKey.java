package dev.nabla.backend.cuda;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;

/**
 * The key of a cached cuDNN convolution descriptor: cross-correlation (PyTorch's convolution) with the window's
 * padding, stride and dilation, {@code groups}, computing in {@code dtype}, with or without tensor-core math.
 *
 * @param dtype      float32 or float64 (also the compute type)
 * @param geometry   padding, stride and dilation (the kernel size lives in the filter)
 * @param groups     channel groups, at least 1
 * @param tensorMath true to let float32 use TF32 tensor cores, false for FMA math only (float64 ignores it)
 */
record ConvKey(ScalarType dtype, ConvGeometry geometry, int groups, boolean tensorMath) {
    /** Checks the dtype and the group count. */
    ConvKey {
        CudnnShapes.requireFloat(dtype);
        if (groups < 1) {
            throw new IllegalArgumentException("cuDNN convolution: groups must be at least 1, got " + groups);
        }
    }
}
