package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * One transformer encoder layer with PyTorch's structure and state-dict keys ({@code torch.nn.TransformerEncoderLayer}):
 * self-attention ({@code self_attn}) and a feed-forward block ({@code linear1}, activation, {@code dropout},
 * {@code linear2}), each with a residual connection and a {@link LayerNorm} ({@code norm1}, {@code norm2}), applied
 * after the residual (post-norm, the default) or to the block's input ({@code normFirst}).
 */
public final class TransformerEncoderLayer extends Module {
    private final boolean normFirst;
    private final TransformerActivation activation;

    /** A float32 CPU layer with PyTorch's defaults: feed-forward 2048, dropout 0.1, relu, eps 1e-5, post-norm. */
    public TransformerEncoderLayer(long dModel, long nhead) {
        this(dModel, nhead, 2048, 0.1, TransformerActivation.RELU, 1e-5, false, false, Generator.global(),
                DType.FLOAT32, Device.CPU);
    }

    /** A layer with every option ({@code batchFirst}: inputs {@code [N, L, E]} instead of {@code [L, N, E]}). */
    public TransformerEncoderLayer(long dModel, long nhead, long dimFeedforward, double dropout,
                                   TransformerActivation activation, double layerNormEps, boolean batchFirst,
                                   boolean normFirst, Generator generator, DType dtype, Device device) {
        this.normFirst = normFirst;
        this.activation = activation;
        registerModule("self_attn", new MultiheadAttention(dModel, nhead, dropout, true, batchFirst, generator,
                dtype, device));
        registerModule("linear1", new Linear(dModel, dimFeedforward, true, generator, dtype, device));
        registerModule("dropout", new Dropout(dropout, generator));
        registerModule("linear2", new Linear(dimFeedforward, dModel, true, generator, dtype, device));
        registerModule("norm1", new LayerNorm(new long[] {dModel}, layerNormEps, true, true, dtype, device));
        registerModule("norm2", new LayerNorm(new long[] {dModel}, layerNormEps, true, true, dtype, device));
        registerModule("dropout1", new Dropout(dropout, generator));
        registerModule("dropout2", new Dropout(dropout, generator));
    }

    @Override
    public Tensor forward(Tensor src) {
        return forward(src, null, null);
    }

    /**
     * The layer on {@code src} with MultiheadAttention's masks ({@code srcMask} = attnMask, bool true = not
     * attended; {@code srcKeyPaddingMask [N, S]}, bool true = padding); either may be null.
     */
    public Tensor forward(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask) {
        return forward(src, srcMask, srcKeyPaddingMask, false);
    }

    /**
     * {@link #forward(Tensor, Tensor, Tensor)} with {@code isCausal} (each position attends to itself and the
     * earlier ones; see {@link MultiheadAttention#forward(Tensor, Tensor, Tensor, Tensor, Tensor, boolean, boolean)}).
     */
    public Tensor forward(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask, boolean isCausal) {
        Tensor x = src;
        if (normFirst) {
            x = x.add(selfAttention(child("norm1").forward(x), srcMask, srcKeyPaddingMask, isCausal));
            return x.add(feedForward(child("norm2").forward(x)));
        }
        x = child("norm1").forward(x.add(selfAttention(x, srcMask, srcKeyPaddingMask, isCausal)));
        return child("norm2").forward(x.add(feedForward(x)));
    }

    private Tensor selfAttention(Tensor x, Tensor mask, Tensor keyPadding, boolean isCausal) {
        var attn = (MultiheadAttention) child("self_attn");
        return child("dropout1").forward(attn.forward(x, x, x, keyPadding, mask, false, isCausal).output());
    }

    private Tensor feedForward(Tensor x) {
        Tensor h = child("dropout").forward(activation.apply(child("linear1").forward(x)));
        return child("dropout2").forward(child("linear2").forward(h));
    }
}
