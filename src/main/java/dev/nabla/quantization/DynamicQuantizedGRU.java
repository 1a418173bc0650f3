package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import dev.nabla.nn.GRU;
import dev.nabla.nn.RnnOutput;

/**
 * A dynamically quantized GRU, like {@code torch.ao.nn.quantized.dynamic.GRU}: int8 weights, float32 biases and
 * states, activations quantized per call; see {@link DynamicQuantizedRNN}.
 */
public final class DynamicQuantizedGRU extends DynamicQuantizedRNN {
    private DynamicQuantizedGRU(GRU layer, boolean perChannel) {
        super(layer, new GRU(layer.inputSize(), layer.hiddenSize(), layer.numLayers(), false, layer.batchFirst(), 0.0,
                new Generator(0), DType.FLOAT32, layer.namedParameters().get("weight_ih_l0").device()), perChannel);
    }

    /** Quantizes {@code layer}'s weights per output channel (symmetric int8); the float layer is left as it is. */
    public static DynamicQuantizedGRU from(GRU layer) {
        return from(layer, true);
    }

    /**
     * Quantizes {@code layer}'s weights, per output channel or per tensor (symmetric int8, PyTorch's observers); the
     * float layer is left as it is.
     *
     * @throws IllegalArgumentException when the layer was closed or is not on the cpu or java device
     */
    public static DynamicQuantizedGRU from(GRU layer, boolean perChannel) {
        return new DynamicQuantizedGRU(layer, perChannel);
    }

    /**
     * Runs the layer from {@code h0} ({@code [layers, B, H]}; null for zeros) and returns the output sequence and the
     * final hidden states.
     */
    public RnnOutput forward(Tensor input, Tensor h0) {
        return run(input, h0, null);
    }
}
