package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * An Elman recurrent layer, like {@code torch.nn.RNN}: at each step
 * {@code h' = act(W_ih x + b_ih + W_hh h + b_hh)} with {@code act} tanh (default) or relu, stacked
 * {@code numLayers} deep. See {@link RNNBase} for parameter names, shapes and initialisation.
 *
 * <pre>{@code
 * var rnn = new RNN(8, 32, 2);
 * RnnOutput r = rnn.forward(x, null);   // x [T, B, 8]: r.output() [T, B, 32], r.h() [2, B, 32]
 * }</pre>
 */
public final class RNN extends RNNBase {
    /** The cell's non-linearity. */
    public enum Nonlinearity {
        /** Hyperbolic tangent (the default). */
        TANH,
        /** Rectifier. */
        RELU
    }

    private final Nonlinearity nonlinearity;

    /** A one-layer float32 CPU tanh RNN. */
    public RNN(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, 1);
    }

    /** A stacked float32 CPU tanh RNN with bias, sequence-first. */
    public RNN(long inputSize, long hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, numLayers, Nonlinearity.TANH, true, false, 0.0, Generator.global(),
                DType.FLOAT32, Device.CPU);
    }

    /** A stacked tanh RNN with bias, sequence-first, of {@code dtype} on {@code device} (global generator). */
    public RNN(long inputSize, long hiddenSize, int numLayers, DType dtype, Device device) {
        this(inputSize, hiddenSize, numLayers, Nonlinearity.TANH, true, false, 0.0, Generator.global(), dtype, device);
    }

    /** An RNN with every option but the generator: initialised from the global generator. */
    public RNN(long inputSize, long hiddenSize, int numLayers, Nonlinearity nonlinearity, boolean bias,
               boolean batchFirst, double dropout, DType dtype, Device device) {
        this(inputSize, hiddenSize, numLayers, nonlinearity, bias, batchFirst, dropout, Generator.global(), dtype,
                device);
    }

    /** An RNN with every option; {@code dropout} applies between layers, in training mode. */
    public RNN(long inputSize, long hiddenSize, int numLayers, Nonlinearity nonlinearity, boolean bias,
               boolean batchFirst, double dropout, Generator generator, DType dtype, Device device) {
        super(1, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, generator, dtype, device);
        this.nonlinearity = java.util.Objects.requireNonNull(nonlinearity, "nonlinearity");
    }

    /**
     * Runs the layer from the initial hidden state {@code h0} ({@code [layers, B, H]}; null for zeros) and
     * returns the output sequence and the final hidden states.
     */
    public RnnOutput forward(Tensor input, Tensor h0) {
        return run(input, h0, null);
    }

    @Override
    boolean foldsHiddenBias() {
        return true;
    }

    @Override
    Tensor[] cell(Tensor xp, Tensor hp, Tensor h, Tensor c) {
        Tensor pre = xp.add(hp);
        return new Tensor[] {nonlinearity == Nonlinearity.RELU ? pre.relu() : pre.tanh(), null};
    }

    @Override
    String cellRepr() {
        return nonlinearity == Nonlinearity.RELU ? ", nonlinearity='relu'" : "";
    }
}
