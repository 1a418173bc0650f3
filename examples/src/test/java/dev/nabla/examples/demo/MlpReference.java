package dev.nabla.examples.demo;

import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Fashion-MNIST MLP in evaluation mode written out in plain Java loops over the checkpoint's weights
 * (784-512-256-10, ReLU, dropout the identity, softmax): the reference the server's probabilities are checked
 * against.
 */
final class MlpReference {
    /** Sequential positions of the three Linear layers in Models.mlp. */
    private static final int[] LINEARS = {1, 4, 7};

    private final float[][] weights = new float[3][];
    private final float[][] biases = new float[3][];
    private final int[][] shapes = new int[3][];

    MlpReference(Path checkpoint) throws IOException {
        try (Scope s = Scope.open()) {
            Map<String, Tensor> t = SafeTensors.load(checkpoint).tensors();
            for (int l = 0; l < 3; l++) {
                Tensor w = t.get("model." + LINEARS[l] + ".weight");
                weights[l] = w.toFloatArray();
                biases[l] = t.get("model." + LINEARS[l] + ".bias").toFloatArray();
                shapes[l] = new int[] {(int) w.shape()[0], (int) w.shape()[1]};
            }
        }
    }

    /** The ten class probabilities of one image. */
    double[] probabilities(float[] pixels) {
        double[] x = new double[pixels.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = pixels[i];
        }
        for (int l = 0; l < 3; l++) {
            int out = shapes[l][0];
            int in = shapes[l][1];
            double[] y = new double[out];
            for (int o = 0; o < out; o++) {
                double sum = biases[l][o];
                for (int i = 0; i < in; i++) {
                    sum += weights[l][o * in + i] * x[i];
                }
                y[o] = l < 2 ? Math.max(0, sum) : sum;
            }
            x = y;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.exp(x[i] - max);
            total += x[i];
        }
        for (int i = 0; i < x.length; i++) {
            x[i] /= total;
        }
        return x;
    }
}
