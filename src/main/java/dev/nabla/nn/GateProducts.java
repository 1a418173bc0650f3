package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * The two matrix products of a recurrent layer ({@link RNNBase}), which the recurrence calls for each layer: the input
 * projection of the whole sequence and, at every step, the hidden projection. The layer's own float weights supply
 * them by default; {@link RNNBase#run(Tensor, Tensor, Tensor, GateProducts)} takes others (the dynamically quantized
 * LSTM and GRU of {@code dev.nabla.quantization} use int8 products) while the gates, states and stacking stay
 * {@link RNNBase}'s.
 *
 * <p>The gates' pre-activations are {@code input + hidden} (for the GRU's candidate gate,
 * {@code input_n + r * hidden_n}), so the two products together add the layer's biases {@code b_ih} and {@code b_hh};
 * for the GRU, {@code b_hh} must be in the hidden product, which the reset gate multiplies.
 */
public interface GateProducts {
    /**
     * Layer {@code layer}'s input projection of every step: {@code x [T*B, in]} to {@code [T*B, G*H]} ({@code in} is
     * the input size for layer 0 and the hidden size above).
     */
    Tensor input(int layer, Tensor x);

    /** Layer {@code layer}'s hidden projection of one step: {@code h [B, H]} to {@code [B, G*H]}. */
    Tensor hidden(int layer, Tensor h);
}
