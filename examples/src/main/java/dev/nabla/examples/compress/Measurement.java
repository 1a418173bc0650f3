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
     * Images per second of {@code net.forward} over the batches of {@code loader} (the test set in batches of 128):
     * passes over the data for at least a second to warm the JIT up, then passes for at least {@code seconds},
     * timed together.
     */
    static double throughput(Module net, DataLoader loader, Device device, double seconds) {
        net.eval();
        try (Grad off = Grad.disabled()) {
            long warmEnd = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < warmEnd) {
                pass(net, loader, device);
            }
            long images = 0;
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            while (System.nanoTime() < end) {
                images += pass(net, loader, device);
            }
            return images / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static long pass(Module net, DataLoader loader, Device device) {
        long images = 0;
        for (Batch b : loader) {
            try (Scope s = Scope.open()) {
                net.forward(b.x().to(device));
                images += b.size();
            }
        }
        return images;
    }

    /** Saves the model's state dict as safetensors into {@code file}; returns the file's size in bytes. */
    static long save(Module net, Path file) throws IOException {
        Map<String, Tensor> state = net.stateDict();
        SafeTensors.save(file, state, Map.of());
        return Files.size(file);
    }
}
