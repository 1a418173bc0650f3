package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;

/**
 * Quantizes a float weight matrix to symmetric int8 as PyTorch's dynamic qconfigs do: {@code MinMaxObserver} (one
 * scale) or {@code PerChannelMinMaxObserver} along the output axis 0, both {@code qint8} per-tensor/per-channel
 * symmetric without reduced range.
 */
final class WeightQuantizer {
    private WeightQuantizer() {
    }

    /**
     * The quantized {@code [rows, cols]} weight, made outside any open scope (the caller closes it).
     *
     * @throws IllegalArgumentException when the weight is not a 2-D float tensor on the cpu or java device, or holds
     *                                  NaN
     */
    static QuantizedTensor symmetricInt8(Tensor weight, boolean perChannel) {
        if (weight.dim() != 2 || !weight.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException("quantize weight: expected a 2-D float weight, got " + weight.describe());
        }
        if (weight.device() != Device.CPU && weight.device() != Device.JAVA) {
            throw new IllegalArgumentException("quantize weight: quantized layers run on the cpu and java devices, the "
                    + "weight is on " + weight.device() + " (move the model there first)");
        }
        try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
            Tensor w = weight.detach().to(DType.FLOAT32);
            if (!perChannel) {
                double[] range = F.minMax(w);
                return QuantizedTensor.quantizePerTensor(w, QParams.fromMinMax(range[0], range[1], DType.INT8, true,
                        false), DType.INT8);
            }
            int rows = (int) w.size(0);
            int cols = (int) w.size(1);
            float[] values = w.toFloatArray();
            double[] scales = new double[rows];
            for (int r = 0; r < rows; r++) {
                float lo = Float.POSITIVE_INFINITY;
                float hi = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < cols; c++) {
                    lo = Math.min(lo, values[r * cols + c]);
                    hi = Math.max(hi, values[r * cols + c]);
                }
                scales[r] = QParams.fromMinMax(lo, hi, DType.INT8, true, false).scale();
            }
            return QuantizedTensor.quantizePerChannel(w, scales, new long[rows], 0, DType.INT8);
        }
    }
}
