package dev.nabla.nn;

import dev.nabla.Tensor;
import java.util.function.Supplier;

/**
 * A stack of {@code numLayers} encoder layers and an optional final norm, with PyTorch's state-dict keys
 * ({@code torch.nn.TransformerEncoder}: {@code layers.0.…}, {@code norm.…}). PyTorch deep-copies one layer; here a
 * supplier makes each copy (so each starts from its own initialisation unless a state dict is loaded).
 */
public final class TransformerEncoder extends Module {
    private final Sequential layers;

    /** {@code numLayers} layers from {@code layer}, then {@code norm} (may be null). */
    public TransformerEncoder(Supplier<TransformerEncoderLayer> layer, int numLayers, Module norm) {
        if (numLayers < 1) {
            throw new IllegalArgumentException("TransformerEncoder: numLayers must be positive, got " + numLayers);
        }
        Module[] stack = new Module[numLayers];
        for (int i = 0; i < numLayers; i++) {
            stack[i] = layer.get();
        }
        layers = registerModule("layers", new Sequential(stack));
        if (norm != null) {
            registerModule("norm", norm);
        }
    }

    @Override
    public Tensor forward(Tensor src) {
        return forward(src, null, null);
    }

    /** The stack on {@code src} with the masks of {@link TransformerEncoderLayer#forward(Tensor, Tensor, Tensor)}. */
    public Tensor forward(Tensor src, Tensor mask, Tensor srcKeyPaddingMask) {
        return forward(src, mask, srcKeyPaddingMask, false);
    }

    /** The stack with every layer causal ({@link TransformerEncoderLayer#forward(Tensor, Tensor, Tensor, boolean)}). */
    public Tensor forward(Tensor src, Tensor mask, Tensor srcKeyPaddingMask, boolean isCausal) {
        Tensor x = src;
        for (int i = 0; i < layers.size(); i++) {
            x = ((TransformerEncoderLayer) layers.get(i)).forward(x, mask, srcKeyPaddingMask, isCausal);
        }
        Module norm = childOrNull("norm");
        return norm == null ? x : norm.forward(x);
    }
}
