package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Tensor;
import dev.nabla.nn.Module;

/**
 * The common part of the converted layers: quantization parameters kept as buffers ({@code <prefix>scale} float32
 * {@code [1]}, {@code <prefix>zero_point} int64 {@code [1]}) so that state dicts and safetensors carry them, and the
 * check that activations arrive as uint8.
 */
abstract class QuantizedModule extends Module {
    final void registerQParams(String prefix, QParams params) {
        registerBuffer(prefix + "scale", Tensor.of(new float[] {(float) params.scale()}, 1));
        registerBuffer(prefix + "zero_point", Tensor.of(new long[] {params.zeroPoint()}, 1));
    }

    final double scale(String prefix) {
        return buffer(prefix + "scale").item();
    }

    final long zeroPoint(String prefix) {
        return (long) buffer(prefix + "zero_point").item();
    }

    static void requireUint8(String layer, Tensor q) {
        if (q.dtype() != DType.UINT8) {
            throw new IllegalArgumentException(layer + ": expects the uint8 activations of a quantized model, got "
                    + q.describe() + " (a float layer before it was not converted?)");
        }
    }
}
