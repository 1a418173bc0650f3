package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.RnnOutput;

/**
 * A dynamically quantized LSTM, like {@code torch.ao.nn.quantized.dynamic.LSTM}: int8 weights, float32 biases and
 * states, activations quantized per call; see {@link DynamicQuantizedRNN}.
 */
public final class DynamicQuantizedLSTM extends DynamicQuantizedRNN {
    private DynamicQuantizedLSTM(LSTM layer, boolean perChannel) {
        super(layer, new LSTM(layer.inputSize(), layer.hiddenSize(), layer.numLayers(), false, layer.batchFirst(), 0.0,
                new Generator(0), DType.FLOAT32, layer.namedParameters().get("weight_ih_l0").device()), perChannel);
    }

    /** Quantizes {@code layer}'s weights per output channel (symmetric int8); the float layer is left as it is. */
    public static DynamicQuantizedLSTM from(LSTM layer) {
        return from(layer, true);
    }

    /**
     * Quantizes {@code layer}'s weights, per output channel or per tensor (symmetric int8, PyTorch's observers); the
     * float layer is left as it is.
     *
     * @throws IllegalArgumentException when the layer was closed or is not on the cpu or java device
     */
    public static DynamicQuantizedLSTM from(LSTM layer, boolean perChannel) {
        return new DynamicQuantizedLSTM(layer, perChannel);
    }

    /**
     * Runs the layer from {@code h0} and {@code c0} ({@code [layers, B, H]}; null for zeros) and returns the output
     * sequence and the final hidden and cell states.
     */
    public RnnOutput forward(Tensor input, Tensor h0, Tensor c0) {
        return run(input, h0, c0);
    }
}
