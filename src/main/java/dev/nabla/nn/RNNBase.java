package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import dev.nabla.base.LazyLogger;
import java.util.Arrays;

/**
 * The common part of the recurrent layers {@link RNN}, {@link LSTM} and {@link GRU} (PyTorch's {@code RNNBase}):
 * a stack of {@code numLayers} cells run over the time steps of a sequence, each layer's output sequence feeding
 * the next (with dropout in between, in training mode only).
 *
 * <p>Parameters are named and laid out exactly as in PyTorch, so state dicts transfer: for layer {@code k},
 * {@code weight_ih_lk} {@code [G*H, in]}, {@code weight_hh_lk} {@code [G*H, H]} and, with bias,
 * {@code bias_ih_lk} and {@code bias_hh_lk} {@code [G*H]}, where {@code G} is the number of gates (1, 4 or 3) and
 * {@code in} is the input size for layer 0 and {@code H} above. All start uniform in {@code ±1/sqrt(H)}.
 *
 * <p>Inputs are {@code [T, B, in]} ({@code [B, T, in]} with {@code batchFirst}) or unbatched {@code [T, in]}.
 * The input projection of all time steps is one matrix product per layer; the recurrence is then unrolled with
 * tensor ops, so backpropagation through time is ordinary autograd over the unrolled graph.
 */
public abstract sealed class RNNBase extends Module permits RNN, LSTM, GRU {
    private static final System.Logger LOG = LazyLogger.of(RNNBase.class);

    private final long inputSize;
    private final long hiddenSize;
    private final int numLayers;
    private final boolean bias;
    private final boolean batchFirst;
    private final double dropout;
    private final Generator generator;
    private final int gates;

    RNNBase(int gates, long inputSize, long hiddenSize, int numLayers, boolean bias, boolean batchFirst,
            double dropout, Generator generator, DType dtype, Device device) {
        String name = getClass().getSimpleName();
        if (inputSize < 1 || hiddenSize < 1 || numLayers < 1) {
            throw new IllegalArgumentException(name + ": sizes and layer count must be positive, got input_size="
                    + inputSize + ", hidden_size=" + hiddenSize + ", num_layers=" + numLayers);
        }
        if (!(dropout >= 0 && dropout <= 1)) {
            throw new IllegalArgumentException(name + ": dropout must be in [0, 1], got " + dropout);
        }
        if (dropout > 0 && numLayers == 1) {
            LOG.log(System.Logger.Level.WARNING, "{0}: dropout={1} has no effect with num_layers=1 (dropout is "
                    + "applied between stacked layers only)", name, dropout);
        }
        this.gates = gates;
        this.inputSize = inputSize;
        this.hiddenSize = hiddenSize;
        this.numLayers = numLayers;
        this.bias = bias;
        this.batchFirst = batchFirst;
        this.dropout = dropout;
        this.generator = generator;
        double bound = 1.0 / Math.sqrt(hiddenSize);
        long rows = gates * hiddenSize;
        for (int k = 0; k < numLayers; k++) {
            long in = k == 0 ? inputSize : hiddenSize;
            Init.uniform(registerParameter("weight_ih_l" + k, Tensor.zeros(dtype, device, rows, in)), -bound, bound,
                    generator);
            Init.uniform(registerParameter("weight_hh_l" + k, Tensor.zeros(dtype, device, rows, hiddenSize)), -bound,
                    bound, generator);
            if (bias) {
                Init.uniform(registerParameter("bias_ih_l" + k, Tensor.zeros(dtype, device, rows)), -bound, bound,
                        generator);
                Init.uniform(registerParameter("bias_hh_l" + k, Tensor.zeros(dtype, device, rows)), -bound, bound,
                        generator);
            }
        }
    }

    /** Features per input step. */
    public final long inputSize() {
        return inputSize;
    }

    /** Features of the hidden state. */
    public final long hiddenSize() {
        return hiddenSize;
    }

    /** Number of stacked layers. */
    public final int numLayers() {
        return numLayers;
    }

    /** True if inputs and outputs are {@code [B, T, features]}. */
    public final boolean batchFirst() {
        return batchFirst;
    }

    /** The output sequence (see {@link RnnOutput#output()}), starting from zero states. */
    @Override
    public final Tensor forward(Tensor input) {
        return run(input, null, null).output();
    }

    /**
     * Whether the hidden-to-hidden bias can be added once to the input projection ({@code b_ih + b_hh}) instead of
     * at every step; false for the GRU, whose candidate gate multiplies it by the reset gate.
     */
    abstract boolean foldsHiddenBias();

    /**
     * One time step of one layer: {@code xp} is this step's input projection and {@code hp} its hidden projection
     * {@code [B, G*H]} (see {@link GateProducts}); returns the new {@code {h, c}} ({@code c} null except for LSTM).
     */
    abstract Tensor[] cell(Tensor xp, Tensor hp, Tensor h, Tensor c);

    /** True for the LSTM, which carries a cell state. */
    boolean hasCellState() {
        return false;
    }

    /** Runs the stack over {@code input} from states {@code h0} / {@code c0} (null for zeros). */
    final RnnOutput run(Tensor input, Tensor h0, Tensor c0) {
        String name = checkInput(input);
        Tensor weight0 = param("weight_ih_l0");
        if (input.dtype() != weight0.dtype() || input.device() != weight0.device()) {
            throw new IllegalArgumentException(name + ": input " + input.describe() + " does not match the layer's "
                    + weight0.dtype() + " parameters on " + weight0.device());
        }
        return recur(input, h0, c0, new FloatProducts());
    }

    /**
     * Runs this layer's recurrence (its sizes, cell, layout and, in training mode, dropout between layers) over
     * {@code input} from states {@code h0} / {@code c0} (null for zeros) with the matrix products of {@code products}
     * instead of this layer's weights, which are not read. The products' dtype and device must fit the input.
     *
     * @throws IllegalArgumentException when the input or a state does not fit the layer's sizes
     */
    public final RnnOutput run(Tensor input, Tensor h0, Tensor c0, GateProducts products) {
        checkInput(input);
        return recur(input, h0, c0, java.util.Objects.requireNonNull(products, "products"));
    }

    /** Checks the input's rank and width; returns the layer's name for messages. */
    private String checkInput(Tensor input) {
        String name = getClass().getSimpleName();
        Checks.alive(name, input);
        if ((input.dim() != 2 && input.dim() != 3) || input.size(-1) != inputSize) {
            throw new IllegalArgumentException(name + ": expected input " + (batchFirst ? "[B, T, " : "[T, B, ")
                    + inputSize + "] or unbatched [T, " + inputSize + "], got " + input.describe());
        }
        return name;
    }

    private RnnOutput recur(Tensor input, Tensor h0, Tensor c0, GateProducts products) {
        String name = getClass().getSimpleName();
        boolean unbatched = input.dim() == 2;
        Tensor x = unbatched ? input.unsqueeze(1) : batchFirst ? input.transpose(0, 1) : input; // [T, B, in]
        long steps = x.size(0);
        long batch = x.size(1);
        if (steps < 1 || batch < 1) {
            throw new IllegalArgumentException(name + ": empty sequence or batch in " + input.describe());
        }
        Tensor h0s = state("h0", h0, unbatched, batch);
        Tensor c0s = hasCellState() ? state("c0", c0, unbatched, batch) : null;
        Tensor[] hn = new Tensor[numLayers];
        Tensor[] cn = new Tensor[numLayers];
        for (int k = 0; k < numLayers; k++) {
            if (k > 0 && dropout > 0 && isTraining()) {
                x = F.dropout(x, dropout, true, generator);
            }
            Tensor h = h0s == null ? Tensor.zeros(x.dtype(), x.device(), batch, hiddenSize) : h0s.select(0, k);
            Tensor c = !hasCellState() ? null
                    : c0s == null ? Tensor.zeros(x.dtype(), x.device(), batch, hiddenSize) : c0s.select(0, k);
            Tensor proj = products.input(k, x.reshape(steps * batch, x.size(2)))
                    .reshape(steps, batch, gates * hiddenSize);
            Tensor[] xp = TimeSplit.unbind(proj);
            Tensor[] outs = new Tensor[(int) steps];
            for (int t = 0; t < steps; t++) {
                Tensor[] hc = cell(xp[t], products.hidden(k, h), h, c);
                h = hc[0];
                c = hc[1];
                outs[t] = h;
            }
            hn[k] = h;
            cn[k] = c;
            x = Tensor.stack(0, outs); // [T, B, H]
        }
        Tensor output = unbatched ? x.squeeze(1) : batchFirst ? x.transpose(0, 1) : x;
        Tensor h = Tensor.stack(0, hn);
        Tensor c = hasCellState() ? Tensor.stack(0, cn) : null;
        if (unbatched) {
            h = h.squeeze(1);
            c = c == null ? null : c.squeeze(1);
        }
        return new RnnOutput(output, h, c);
    }

    /**
     * The products of this layer's own weights: the input projection with {@code b_ih} (plus {@code b_hh} where
     * {@link #foldsHiddenBias()}), the hidden one with {@code b_hh} otherwise.
     */
    private final class FloatProducts implements GateProducts {
        /** Per layer, read once per run rather than at every step. */
        private final Tensor[] hiddenWeights = new Tensor[numLayers];
        private final Tensor[] hiddenBiases = new Tensor[numLayers];

        FloatProducts() {
            for (int k = 0; k < numLayers; k++) {
                hiddenWeights[k] = param("weight_hh_l" + k);
                hiddenBiases[k] = foldsHiddenBias() ? null : paramOrNull("bias_hh_l" + k);
            }
        }

        @Override
        public Tensor input(int layer, Tensor x) {
            Tensor bih = paramOrNull("bias_ih_l" + layer);
            Tensor bhh = paramOrNull("bias_hh_l" + layer);
            Tensor projBias = bih == null ? null : foldsHiddenBias() ? bih.add(bhh) : bih;
            return F.linear(x, param("weight_ih_l" + layer), projBias);
        }

        @Override
        public Tensor hidden(int layer, Tensor h) {
            Tensor hp = h.matmul(hiddenWeights[layer].t());
            return hiddenBiases[layer] == null ? hp : hp.add(hiddenBiases[layer]);
        }
    }

    /** Checks an initial state and returns it as {@code [layers, B, H]} (or null). */
    private Tensor state(String what, Tensor s, boolean unbatched, long batch) {
        if (s == null) {
            return null;
        }
        Checks.alive(getClass().getSimpleName(), s);
        long[] expected = unbatched ? new long[] {numLayers, hiddenSize} : new long[] {numLayers, batch, hiddenSize};
        if (!Arrays.equals(s.shape(), expected)) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": expected " + what + " of shape "
                    + Arrays.toString(expected) + " (layers, batch, hidden), got " + s.describe());
        }
        return unbatched ? s.unsqueeze(1) : s;
    }

    /** Extra options for {@link #extraRepr()} (the RNN's non-linearity). */
    String cellRepr() {
        return "";
    }

    @Override
    protected String extraRepr() {
        StringBuilder s = new StringBuilder().append(inputSize).append(", ").append(hiddenSize);
        if (numLayers != 1) {
            s.append(", num_layers=").append(numLayers);
        }
        s.append(cellRepr());
        if (!bias) {
            s.append(", bias=False");
        }
        if (batchFirst) {
            s.append(", batch_first=True");
        }
        if (dropout != 0) {
            s.append(", dropout=").append(Repr.num(dropout));
        }
        return s.toString();
    }
}
