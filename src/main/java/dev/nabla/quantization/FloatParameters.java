package dev.nabla.quantization;

import dev.nabla.Grad;
import dev.nabla.Tensor;
import dev.nabla.nn.Module;
import dev.nabla.nn.Prune;

/**
 * The value a float layer computes with for one of its own parameters, as PyTorch's {@code from_float} reads
 * {@code mod.weight}: the parameter itself, or for a parameter pruned with {@link Prune} its {@code name_orig} times
 * {@code name_mask} (what the pruned layer's forward uses).
 */
final class FloatParameters {
    private FloatParameters() {
    }

    /**
     * Parameter {@code name} of {@code layer}, or null when it has none (an absent bias); a pruned one is computed in
     * the caller's scope.
     */
    static Tensor of(Module layer, String name) {
        if (Prune.isPruned(layer, name)) {
            try (Grad off = Grad.disabled()) {
                return layer.namedParameters().get(name + "_orig").mul(layer.namedBuffers().get(name + "_mask"));
            }
        }
        return layer.namedParameters().get(name);
    }
}
