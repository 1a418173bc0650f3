package dev.nabla.examples.charlm;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.Arrays;

/**
 * Generates text from a trained {@link CharTransformer}: each next character is drawn from the softmax of the last
 * position's logits divided by a temperature, restricted to the {@code topK} most likely characters.
 */
public final class CharSampler {
    private final CharTransformer model;
    private final CharVocabulary vocab;

    /** Samples from {@code model}, whose tokens are {@code vocab}'s. */
    public CharSampler(CharTransformer model, CharVocabulary vocab) {
        if (model.size().vocab() != vocab.size()) {
            throw new IllegalArgumentException("the model has " + model.size().vocab() + " tokens, the vocabulary "
                    + vocab.size());
        }
        this.model = model;
        this.vocab = vocab;
    }

    /**
     * {@code length} characters continuing {@code prompt} (not repeated in the result); the model sees at most its
     * context's last characters.
     *
     * @param temperature above 0: below 1 sharpens, above 1 flattens the distribution
     * @param topK        characters considered at each step (at least 1; the vocabulary size: all)
     */
    public String sample(String prompt, int length, double temperature, int topK, Generator g) {
        if (!(temperature > 0) || topK < 1) {
            throw new IllegalArgumentException("sampling needs temperature > 0 and topK >= 1, got " + temperature
                    + " and " + topK);
        }
        Device device = model.parameters().get(0).device();
        boolean training = model.isTraining();
        model.eval();
        StringBuilder text = new StringBuilder(prompt.isEmpty() ? "\n" : prompt);
        try (var noGrad = Grad.disabled()) {
            for (int n = 0; n < length; n++) {
                int start = Math.max(0, text.length() - model.size().context());
                int[] ids = vocab.encode(text.substring(start));
                double[] logits;
                try (Scope step = Scope.open()) {
                    long[] input = Arrays.stream(ids).asLongStream().toArray();
                    Tensor out = model.forward(Tensor.of(input, DType.INT64, device, 1, input.length));
                    logits = out.narrow(1, ids.length - 1, 1).reshape(-1).toDoubleArray();
                }
                text.append(vocab.charAt(draw(logits, temperature, Math.min(topK, logits.length), g)));
            }
        } finally {
            model.train(training);
        }
        return text.substring(prompt.isEmpty() ? 1 : prompt.length());
    }

    /** One token from softmax(logits / temperature) over the {@code topK} largest logits. */
    static int draw(double[] logits, double temperature, int topK, Generator g) {
        double[] sorted = logits.clone();
        Arrays.sort(sorted);
        double threshold = sorted[sorted.length - topK];
        double max = sorted[sorted.length - 1];
        double[] weights = new double[logits.length];
        double total = 0;
        for (int i = 0; i < logits.length; i++) {
            weights[i] = logits[i] >= threshold ? Math.exp((logits[i] - max) / temperature) : 0;
            total += weights[i];
        }
        double u = g.nextDouble() * total;
        int last = 0;
        for (int i = 0; i < weights.length; i++) {
            if (weights[i] > 0) {
                last = i;
                u -= weights[i];
                if (u < 0) {
                    return i;
                }
            }
        }
        return last; // rounding left u just above 0
    }
}
