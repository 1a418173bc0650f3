package dev.nabla.examples.compress;

import dev.nabla.Device;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.data.Batch;
import dev.nabla.data.DataLoader;
import dev.nabla.io.SafeTensors;
import dev.nabla.nn.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Accuracy, inference throughput and file size of a model: the three columns of the compression report. */
final class Measurement {
    private Measurement() {
    }

    /** Test accuracy in evaluation mode, without a graph. */
    static double accuracy(Module net, DataLoader test, Device device) {
        net.eval();
        double correct = 0;
        long seen = 0;
        try (Grad off = Grad.disabled()) {
            for (Batch b : test) {
                try (Scope s = Scope.open()) {
                    Tensor logits = net.forward(b.x().to(device));
                    correct += logits.argmax(1, false).eq(b.y().to(device)).sum().item();
                    seen += b.size();
                }
            }
        }
        return correct / seen;
    }

    /**
     * Images per second of {@code net.forward} over the batches of {@code loader} (the test set in batches of 128),
     * timed on the second of two passes so that the JIT's warm-up is not in the figure.
     */
    static double throughput(Module net, DataLoader loader, Device device) {
        net.eval();
        double rate = 0;
        try (Grad off = Grad.disabled()) {
            for (int pass = 0; pass < 2; pass++) {
                long images = 0;
                long start = System.nanoTime();
                for (Batch b : loader) {
                    try (Scope s = Scope.open()) {
                        net.forward(b.x().to(device));
                        images += b.size();
                    }
                }
                rate = images / ((System.nanoTime() - start) / 1e9);
            }
        }
        return rate;
    }

    /** Saves the model's state dict as safetensors into {@code file}; returns the file's size in bytes. */
    static long save(Module net, Path file) throws IOException {
        Map<String, Tensor> state = net.stateDict();
        SafeTensors.save(file, state, Map.of());
        return Files.size(file);
    }
}
