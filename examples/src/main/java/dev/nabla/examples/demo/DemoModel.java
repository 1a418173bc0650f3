package dev.nabla.examples.demo;

import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.examples.fashion.Models;
import dev.nabla.io.Checkpoint;
import dev.nabla.nn.Module;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The network FashionMnistTrain saved (MLP or CNN, as the checkpoint says), in evaluation mode, answering
 * top-k predictions for single images.
 *
 * <p>No lock: README "Threads" makes an eval-mode module safe to run from many threads when each has its own
 * scope and {@code Grad.disabled()}, which {@link #top} opens per call (eval mode is what makes it so: dropout
 * and batch-norm statistics are only written in training mode).
 */
final class DemoModel implements AutoCloseable {
    /** One class's probability. */
    record Prediction(int index, String label, double probability) {
    }

    private final Module net;
    private final String name;

    private DemoModel(Module net, String name) {
        this.net = net;
        this.name = name;
    }

    /** Loads the model part of a FashionMnistTrain checkpoint. */
    static DemoModel load(Path checkpoint) throws IOException {
        String name = Checkpoint.readExtra(checkpoint).getOrDefault("model", "mlp");
        Module net = switch (name) {
            case "mlp" -> Models.mlp(new Generator(0));
            case "cnn" -> Models.cnn(new Generator(0));
            default -> throw new IOException(checkpoint + " holds a '" + name + "' model; the demo knows mlp and cnn");
        };
        try {
            Checkpoint.load(checkpoint, net, null, null, null);
        } catch (IOException | RuntimeException e) {
            net.close();
            throw e;
        }
        net.eval();
        return new DemoModel(net, name);
    }

    /** {@code mlp} or {@code cnn}. */
    String name() {
        return name;
    }

    /** The {@code k} most probable classes of a 28x28 image (784 values in [0, 1]), most probable first. */
    List<Prediction> top(float[] pixels, int k) {
        float[] probabilities;
        try (Grad off = Grad.disabled(); Scope request = Scope.open()) {
            Tensor x = Tensor.of(pixels, 1, 1, PixelInput.SIDE, PixelInput.SIDE);
            probabilities = net.forward(x).softmax(1).toFloatArray();
        }
        List<Prediction> all = new ArrayList<>();
        IntStream.range(0, probabilities.length).forEach(i ->
                all.add(new Prediction(i, FashionClasses.NAMES.get(i), probabilities[i])));
        all.sort(Comparator.comparingDouble(Prediction::probability).reversed());
        return List.copyOf(all.subList(0, Math.min(k, all.size())));
    }

    @Override
    public void close() {
        net.close();
    }
}
