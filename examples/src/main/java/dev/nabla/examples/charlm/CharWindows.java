package dev.nabla.examples.charlm;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * Training pairs cut from a token sequence: an input window of {@code context} tokens and, as targets, the same window
 * shifted by one token. Random windows for training, evenly spaced fixed ones for validation.
 */
final class CharWindows {
    private final int[] tokens;
    private final int context;
    private final Device device;

    /** A batch: inputs and next-token targets, both int64 {@code [N, context]}. */
    record Batch(Tensor inputs, Tensor targets) {
    }

    CharWindows(int[] tokens, int context, Device device) {
        if (tokens.length < context + 1) {
            throw new IllegalArgumentException("a text of " + tokens.length + " characters is too short for windows of "
                    + context + " (+1 for the target)");
        }
        this.tokens = tokens;
        this.context = context;
        this.device = device;
    }

    /** {@code n} windows at uniformly random starts. */
    Batch random(int n, Generator g) {
        int[] starts = new int[n];
        for (int i = 0; i < n; i++) {
            starts[i] = g.nextInt(tokens.length - context);
        }
        return batch(starts);
    }

    /** Batch {@code b} of {@code batches} batches of {@code n} windows spread evenly over the whole sequence. */
    Batch fixed(int b, int batches, int n) {
        long last = tokens.length - context - 1;
        long windows = (long) batches * n;
        int[] starts = new int[n];
        for (int i = 0; i < n; i++) {
            starts[i] = (int) (windows == 1 ? 0 : last * (b * n + i) / (windows - 1));
        }
        return batch(starts);
    }

    private Batch batch(int[] starts) {
        long[] x = new long[starts.length * context];
        long[] y = new long[x.length];
        for (int i = 0; i < starts.length; i++) {
            for (int t = 0; t < context; t++) {
                x[i * context + t] = tokens[starts[i] + t];
                y[i * context + t] = tokens[starts[i] + t + 1];
            }
        }
        return new Batch(Tensor.of(x, DType.INT64, device, starts.length, context),
                Tensor.of(y, DType.INT64, device, starts.length, context));
    }
}
