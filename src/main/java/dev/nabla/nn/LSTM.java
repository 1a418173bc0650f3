package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * A long short-term memory layer, like {@code torch.nn.LSTM}. At each step, with the gates stacked
 * {@code i, f, g, o} in the weight rows (PyTorch's layout):
 * <pre>
 * i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      f = sigmoid(W_if x + b_if + W_hf h + b_hf)
 * g = tanh(W_ig x + b_ig + W_hg h + b_hg)         o = sigmoid(W_io x + b_io + W_ho h + b_ho)
 * c' = f * c + i * g                              h' = o * tanh(c')
 * </pre>
 * See {@link RNNBase} for parameter names, shapes and initialisation.
 *
 * <pre>{@code
 * var lstm = new LSTM(1, 64, 2, true, true, 0.0, gen, DType.FLOAT32, Device.CPU);
 * RnnOutput r = lstm.forward(x, null, null);          // x [B, T, 1]
 * Tensor last = r.h().select(0, 1);                    // top layer's final hidden state [B, 64]
 * }</pre>
 */
public final class LSTM extends RNNBase {
    /** A one-layer float32 CPU LSTM. */
    public LSTM(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, 1);
    }

    /** A stacked float32 CPU LSTM with bias, sequence-first. */
    public LSTM(long inputSize, long hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, numLayers, true, false, 0.0, Generator.global(), DType.FLOAT32, Device.CPU);
    }

    /** A stacked LSTM with bias, sequence-first, of {@code dtype} on {@code device} (global generator). */
    public LSTM(long inputSize, long hiddenSize, int numLayers, DType dtype, Device device) {
        this(inputSize, hiddenSize, numLayers, true, false, 0.0, Generator.global(), dtype, device);
    }

    /** An LSTM with every option but the generator: initialised from the global generator. */
    public LSTM(long inputSize, long hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
                DType dtype, Device device) {
        this(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, Generator.global(), dtype, device);
    }

    /** An LSTM with every option; {@code dropout} applies between layers, in training mode. */
    public LSTM(long inputSize, long hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
                Generator generator, DType dtype, Device device) {
        super(4, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, generator, dtype, device);
    }

    /**
     * Runs the layer from the initial states {@code h0} and {@code c0} ({@code [layers, B, H]}; null for zeros) and
     * returns the output sequence and the final hidden and cell states.
     */
    public RnnOutput forward(Tensor input, Tensor h0, Tensor c0) {
        return run(input, h0, c0);
    }

    @Override
    boolean foldsHiddenBias() {
        return true;
    }

    @Override
    boolean hasCellState() {
        return true;
    }

    @Override
    Tensor[] cell(Tensor xp, Tensor hp, Tensor h, Tensor c) {
        long n = hiddenSize();
        Tensor gates = xp.add(hp);
        Tensor i = gates.narrow(1, 0, n).sigmoid();
        Tensor f = gates.narrow(1, n, n).sigmoid();
        Tensor g = gates.narrow(1, 2 * n, n).tanh();
        Tensor o = gates.narrow(1, 3 * n, n).sigmoid();
        Tensor c2 = f.mul(c).add(i.mul(g));
        return new Tensor[] {o.mul(c2.tanh()), c2};
    }
}
