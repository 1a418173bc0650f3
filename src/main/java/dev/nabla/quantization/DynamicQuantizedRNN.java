package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.GateProducts;
import dev.nabla.nn.Module;
import dev.nabla.nn.RNNBase;
import dev.nabla.nn.RnnOutput;

/**
 * The common part of {@link DynamicQuantizedLSTM} and {@link DynamicQuantizedGRU} (PyTorch's
 * {@code torch.ao.nn.quantized.dynamic.LSTM}/{@code GRU}): each layer's {@code w_ih} and {@code w_hh} are int8
 * {@link DynamicQuantizedLinear} sub-modules {@code ih_lk} and {@code hh_lk} (with {@code b_ih} and {@code b_hh}), and
 * the recurrence is the float layer's ({@link RNNBase#run(Tensor, Tensor, Tensor, GateProducts)}). As in PyTorch's
 * {@code quantized_lstm}/{@code quantized_gru}, each layer's input projection of the whole sequence is one dynamic
 * int8 product (one activation range) and each step's hidden projection another (the hidden state quantized per
 * step). Inference only, no dropout between layers; one direction (Nabla's recurrent layers are unidirectional).
 */
public abstract sealed class DynamicQuantizedRNN extends Module permits DynamicQuantizedLSTM, DynamicQuantizedGRU {
    private final RNNBase recurrence;
    private final boolean perChannel;
    private final GateProducts products = new Products();

    /**
     * Quantizes {@code layer}'s weights; {@code recurrence} is a layer of the same configuration whose weights are
     * released (only its recurrence runs).
     */
    DynamicQuantizedRNN(RNNBase layer, RNNBase recurrence, boolean perChannel) {
        this.recurrence = recurrence;
        this.perChannel = perChannel;
        recurrence.close();
        recurrence.eval();
        try (Scope s = Scope.open()) {
            if (layer.stateDict().values().stream().anyMatch(Tensor::isClosed)) {
                throw new IllegalArgumentException(getClass().getSimpleName() + ".from: the "
                        + layer.getClass().getSimpleName() + " layer was closed");
            }
            for (int k = 0; k < layer.numLayers(); k++) {
                for (String kind : new String[] {"ih", "hh"}) {
                    Tensor w = FloatParameters.of(layer, "weight_" + kind + "_l" + k);
                    try (QuantizedTensor q = WeightQuantizer.symmetricInt8(w, perChannel)) {
                        registerModule(kind + "_l" + k, new DynamicQuantizedLinear(q,
                                FloatParameters.of(layer, "bias_" + kind + "_l" + k)));
                    }
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        eval();
    }

    /** Runs the layer from initial states (null for zeros); see {@link RNNBase}'s shapes. */
    final RnnOutput run(Tensor input, Tensor h0, Tensor c0) {
        String name = getClass().getSimpleName();
        if (input.isClosed()) {
            throw new IllegalStateException(name + ": the input " + input.describe() + " has been released");
        }
        if (input.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(name + ": the input must be float32, got " + input.describe());
        }
        return recurrence.run(input, h0, c0, products);
    }

    /** The output sequence, starting from zero states. */
    @Override
    public final Tensor forward(Tensor input) {
        return run(input, null, null).output();
    }

    /** Features per input step. */
    public final long inputSize() {
        return recurrence.inputSize();
    }

    /** Features of the hidden state. */
    public final long hiddenSize() {
        return recurrence.hiddenSize();
    }

    /** Number of stacked layers. */
    public final int numLayers() {
        return recurrence.numLayers();
    }

    /** True when each output channel of the weights has its own scale. */
    public final boolean isPerChannel() {
        return perChannel;
    }

    /** Like PyTorch's: {@code 6, 5, num_layers=2, batch_first=True}. */
    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(inputSize()).append(", ").append(hiddenSize());
        if (numLayers() != 1) {
            s.append(", num_layers=").append(numLayers());
        }
        if (recurrence.batchFirst()) {
            s.append(", batch_first=True");
        }
        return s.toString();
    }

    /** The int8 products of the {@code ih_lk} / {@code hh_lk} sub-modules. */
    private final class Products implements GateProducts {
        @Override
        public Tensor input(int layer, Tensor x) {
            return child("ih_l" + layer).forward(x);
        }

        @Override
        public Tensor hidden(int layer, Tensor h) {
            return child("hh_l" + layer).forward(h);
        }
    }
}
