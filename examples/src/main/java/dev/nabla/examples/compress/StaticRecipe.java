package dev.nabla.examples.compress;

import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.data.Batch;
import dev.nabla.data.DataLoader;
import dev.nabla.nn.Module;
import dev.nabla.quantization.QConfig;
import dev.nabla.quantization.QuantWrapper;
import dev.nabla.quantization.StaticQuantization;
import java.util.List;

/**
 * Post-training static quantization of the two Fashion-MNIST models, PyTorch's eager-mode recipe: fuse each
 * conv/linear with its batch norm and ReLU, insert observers, run calibration batches, convert to int8 layers.
 */
final class StaticRecipe {
    private StaticRecipe() {
    }

    /** The layer groups to fuse, by their index in {@code fashion.Models}' Sequential. */
    static List<List<String>> fusionGroups(String model) {
        return model.equals("cnn")
                ? List.of(List.of("0", "1", "2"), List.of("4", "5", "6"), List.of("9", "10", "11"))
                : List.of(List.of("1", "2"), List.of("4", "5"));
    }

    /**
     * Quantizes {@code net} (changed in place by the fusion) after observing {@code batches} training batches.
     *
     * @return the quantized model: float input and output, int8 inside
     */
    static Module quantize(String model, Module net, DataLoader train, int batches) {
        net.eval();
        StaticQuantization.fuseModules(net, fusionGroups(model));
        QuantWrapper prepared = StaticQuantization.prepare(net, QConfig.defaults());
        int seen = 0;
        try (Grad off = Grad.disabled()) {
            for (Batch b : train) {
                if (seen++ == batches) {
                    break;
                }
                try (Scope s = Scope.open()) {
                    prepared.forward(b.x());
                }
            }
        }
        return StaticQuantization.convert(prepared);
    }
}
