package dev.nabla.examples.charlm;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;
import dev.nabla.nn.Embedding;
import dev.nabla.nn.LayerNorm;
import dev.nabla.nn.LearnedPositionalEmbedding;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.TransformerActivation;
import dev.nabla.nn.TransformerEncoder;
import dev.nabla.nn.TransformerEncoderLayer;

/**
 * A causal character transformer (GPT-shaped): token embedding plus learned positions, a stack of pre-norm
 * {@link TransformerEncoderLayer}s (tanh-approximated GELU, feed-forward 4 x width) run with {@code isCausal}, a final
 * {@link LayerNorm} and a linear head to the vocabulary's logits. The same model as
 * {@code benchmarks/python/torch_char_lm.py}.
 */
public final class CharTransformer extends Module {
    private final Size size;

    /**
     * The model's dimensions.
     *
     * @param vocab   tokens
     * @param context longest input (positions learned)
     * @param width   d_model
     * @param layers  encoder layers
     * @param heads   attention heads (divides width)
     * @param dropout dropout in the layers (0: none)
     */
    public record Size(int vocab, int context, int width, int layers, int heads, double dropout) {
        public Size {
            if (vocab < 1 || context < 1 || width < 1 || layers < 1 || heads < 1 || width % heads != 0) {
                throw new IllegalArgumentException("CharTransformer: positive sizes with width a multiple of heads "
                        + "needed, got " + this);
            }
        }
    }

    /** A float32 model initialised from {@code g}. */
    public CharTransformer(Size size, Generator g, Device device) {
        this.size = size;
        DType t = DType.FLOAT32;
        registerModule("tokens", new Embedding(size.vocab, size.width, g, t, device));
        registerModule("positions", new LearnedPositionalEmbedding(size.context, size.width, g, t, device));
        registerModule("encoder", new TransformerEncoder(() -> new TransformerEncoderLayer(size.width, size.heads,
                4L * size.width, size.dropout, TransformerActivation.GELU_TANH, 1e-5, true, true, g, t, device),
                size.layers, null));
        registerModule("norm", new LayerNorm(new long[] {size.width}, t, device));
        registerModule("head", new Linear(size.width, size.vocab, true, g, t, device));
    }

    /** The sizes it was built with. */
    public Size size() {
        return size;
    }

    /** Logits {@code [N, L, vocab]} of the next character after each position of {@code ids [N, L]} (int64). */
    @Override
    public Tensor forward(Tensor ids) {
        Tensor x = child("positions").forward(child("tokens").forward(ids));
        x = ((TransformerEncoder) child("encoder")).forward(x, null, null, true);
        return child("head").forward(child("norm").forward(x));
    }
}
