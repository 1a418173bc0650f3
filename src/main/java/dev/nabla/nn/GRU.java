package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * A gated recurrent unit layer, like {@code torch.nn.GRU}. At each step, with the gates stacked {@code r, z, n} in
 * the weight rows (PyTorch's layout):
 * <pre>
 * r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 * n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   h' = (1 - z) * n + z * h
 * </pre>
 * See {@link RNNBase} for parameter names, shapes and initialisation.
 */
public final class GRU extends RNNBase {
    /** A one-layer float32 CPU GRU. */
    public GRU(long inputSize, long hiddenSize) {
        this(inputSize, hiddenSize, 1);
    }

    /** A stacked float32 CPU GRU with bias, sequence-first. */
    public GRU(long inputSize, long hiddenSize, int numLayers) {
        this(inputSize, hiddenSize, numLayers, true, false, 0.0, Generator.global(), DType.FLOAT32, Device.CPU);
    }

    /** A stacked GRU with bias, sequence-first, of {@code dtype} on {@code device} (global generator). */
    public GRU(long inputSize, long hiddenSize, int numLayers, DType dtype, Device device) {
        this(inputSize, hiddenSize, numLayers, true, false, 0.0, Generator.global(), dtype, device);
    }

    /** A GRU with every option but the generator: initialised from the global generator. */
    public GRU(long inputSize, long hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
               DType dtype, Device device) {
        this(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, Generator.global(), dtype, device);
    }

    /** A GRU with every option; {@code dropout} applies between layers, in training mode. */
    public GRU(long inputSize, long hiddenSize, int numLayers, boolean bias, boolean batchFirst, double dropout,
               Generator generator, DType dtype, Device device) {
        super(3, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, generator, dtype, device);
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
        return false;
    }

    @Override
    Tensor[] cell(Tensor xp, Tensor hp, Tensor h, Tensor c) {
        long n = hiddenSize();
        Tensor rz = xp.narrow(1, 0, 2 * n).add(hp.narrow(1, 0, 2 * n)).sigmoid();
        Tensor r = rz.narrow(1, 0, n);
        Tensor z = rz.narrow(1, n, n);
        Tensor cand = xp.narrow(1, 2 * n, n).add(r.mul(hp.narrow(1, 2 * n, n))).tanh();
        return new Tensor[] {cand.add(z.mul(h.sub(cand))), null};
    }
}
