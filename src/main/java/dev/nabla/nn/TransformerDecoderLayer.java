package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * One transformer decoder layer with PyTorch's structure and state-dict keys ({@code torch.nn.TransformerDecoderLayer}):
 * self-attention ({@code self_attn}), attention over the encoder's memory ({@code multihead_attn}) and a
 * feed-forward block ({@code linear1}, activation, {@code dropout}, {@code linear2}), each with a residual
 * connection and a {@link LayerNorm} ({@code norm1..3}), post-norm by default or pre-norm with {@code normFirst}.
 */
public final class TransformerDecoderLayer extends Module {
    private final boolean normFirst;
    private final TransformerActivation activation;

    /** A float32 CPU layer with PyTorch's defaults: feed-forward 2048, dropout 0.1, relu, eps 1e-5, post-norm. */
    public TransformerDecoderLayer(long dModel, long nhead) {
        this(dModel, nhead, 2048, 0.1, TransformerActivation.RELU, 1e-5, false, false, Generator.global(),
                DType.FLOAT32, Device.CPU);
    }

    /** A layer with every option ({@code batchFirst}: inputs {@code [N, L, E]} instead of {@code [L, N, E]}). */
    public TransformerDecoderLayer(long dModel, long nhead, long dimFeedforward, double dropout,
                                   TransformerActivation activation, double layerNormEps, boolean batchFirst,
                                   boolean normFirst, Generator generator, DType dtype, Device device) {
        this.normFirst = normFirst;
        this.activation = activation;
        registerModule("self_attn", new MultiheadAttention(dModel, nhead, dropout, true, batchFirst, generator,
                dtype, device));
        registerModule("multihead_attn", new MultiheadAttention(dModel, nhead, dropout, true, batchFirst, generator,
                dtype, device));
        registerModule("linear1", new Linear(dModel, dimFeedforward, true, generator, dtype, device));
        registerModule("dropout", new Dropout(dropout, generator));
        registerModule("linear2", new Linear(dimFeedforward, dModel, true, generator, dtype, device));
        for (int i = 1; i <= 3; i++) {
            registerModule("norm" + i, new LayerNorm(new long[] {dModel}, layerNormEps, true, true, dtype, device));
            registerModule("dropout" + i, new Dropout(dropout, generator));
        }
    }

    /** Self-attention only is not a decoder: use {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor)}. */
    @Override
    public Tensor forward(Tensor tgt) {
        throw new UnsupportedOperationException("TransformerDecoderLayer: forward needs the memory too: "
                + "forward(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask)");
    }

    /**
     * The layer on {@code tgt} attending to {@code memory}, with MultiheadAttention's masks (bool true = not
     * attended); any mask may be null.
     */
    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
                          Tensor memoryKeyPaddingMask) {
        Tensor x = tgt;
        if (normFirst) {
            x = x.add(selfAttention(child("norm1").forward(x), tgtMask, tgtKeyPaddingMask));
            x = x.add(memoryAttention(child("norm2").forward(x), memory, memoryMask, memoryKeyPaddingMask));
            return x.add(feedForward(child("norm3").forward(x)));
        }
        x = child("norm1").forward(x.add(selfAttention(x, tgtMask, tgtKeyPaddingMask)));
        x = child("norm2").forward(x.add(memoryAttention(x, memory, memoryMask, memoryKeyPaddingMask)));
        return child("norm3").forward(x.add(feedForward(x)));
    }

    private Tensor selfAttention(Tensor x, Tensor mask, Tensor keyPadding) {
        var attn = (MultiheadAttention) child("self_attn");
        return child("dropout1").forward(attn.forward(x, x, x, keyPadding, mask, false).output());
    }

    private Tensor memoryAttention(Tensor x, Tensor memory, Tensor mask, Tensor keyPadding) {
        var attn = (MultiheadAttention) child("multihead_attn");
        return child("dropout2").forward(attn.forward(x, memory, memory, keyPadding, mask, false).output());
    }

    private Tensor feedForward(Tensor x) {
        Tensor h = child("dropout").forward(activation.apply(child("linear1").forward(x)));
        return child("dropout3").forward(child("linear2").forward(h));
    }
}
