package dev.nabla.quantization;

import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import java.util.Map;

/** Builds the quantized counterpart of an observed float layer (PyTorch's {@code from_float}). */
final class QuantizedLayers {
    private QuantizedLayers() {
    }

    static Module of(ObservedModule observed, QParams input, QParams output, String path) {
        Module m = observed.module();
        boolean relu = m instanceof LinearReLU || m instanceof ConvReLU2d;
        Module layer = m instanceof LinearReLU lr ? lr.linear() : m instanceof ConvReLU2d cr ? cr.conv() : m;
        Map<String, Tensor> state = layer.stateDict();
        Tensor bias = state.get("bias");
        PerChannelMinMaxObserver weightObserver = observed.qconfig().weight().get();
        try (Grad off = Grad.disabled(); Scope s = Scope.open();
             QuantizedTensor w = weightObserver.quantize(state.get("weight"))) {
            if (layer instanceof Linear) {
                return new QuantizedLinear(w, bias, input, output, relu);
            }
            if (layer instanceof Conv2d conv) {
                return new QuantizedConv2d(w, bias, conv.stride(), conv.padding(), conv.dilation(), input, output,
                        relu);
            }
        }
        throw new IllegalArgumentException("convert: '" + path + "' (" + m.getClass().getSimpleName()
                + ") has no quantized version");
    }
}
