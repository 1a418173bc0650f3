package dev.nabla.nn;

import dev.nabla.Grad;
import dev.nabla.Node;
import dev.nabla.Tensor;

/**
 * Splits a tensor into its slices along dimension 0 (one per time step) so that backpropagation through them costs
 * O(size), like {@code torch.unbind}.
 *
 * <p>Taking {@code x.select(0, t)} for every {@code t} would be correct but quadratic: each select's backward
 * writes its slice's gradient into a zero tensor of x's full shape, and the engine sums those T full tensors. Here
 * the slices share a one-element "token" produced from {@code x}: each slice's backward only parks its gradient in
 * a shared {@link Sink} (returning a zero for the token), and the token's node, which the engine runs after every
 * slice that feeds it, stacks the parked gradients into the gradient of {@code x}. The stack is an ordinary
 * recorded op, so the result stays differentiable with {@code createGraph}.
 */
final class TimeSplit {
    private TimeSplit() {
    }

    /** The slices {@code x[0], x[1], ...} (views of x). */
    static Tensor[] unbind(Tensor x) {
        int n = Math.toIntExact(x.size(0));
        Tensor[] parts = new Tensor[n];
        if (!Node.needed(x)) {
            for (int t = 0; t < n; t++) {
                parts[t] = x.select(0, t);
            }
            return parts;
        }
        Sink sink = new Sink(x, n);
        Tensor token;
        try (Grad off = Grad.disabled()) {
            token = Tensor.zeros(x.dtype(), x.device(), 1);
        }
        token = new Gather(x, sink).record(token);
        for (int t = 0; t < n; t++) {
            Tensor view;
            try (Grad off = Grad.disabled()) {
                view = x.detach().select(0, t);
            }
            parts[t] = new Slice(token, sink, t).record(view);
        }
        return parts;
    }

    /** The slices' gradients of the backward pass in progress. */
    private static final class Sink {
        final long[] sliceShape;
        final Tensor[] grads;

        Sink(Tensor x, int n) {
            long[] s = x.shape();
            sliceShape = java.util.Arrays.copyOfRange(s, 1, s.length);
            grads = new Tensor[n];
        }
    }

    /** Slice {@code t}: parks its gradient; the token gets zero. */
    private static final class Slice extends Node {
        private final Sink sink;
        private final int t;

        Slice(Tensor token, Sink sink, int t) {
            super(token);
            this.sink = sink;
            this.t = t;
        }

        @Override
        public String name() {
            return "UnbindBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            sink.grads[t] = g;
            return new Tensor[] {Tensor.zeros(g.dtype(), g.device(), 1)};
        }
    }

    /** The token's producer: runs after every slice and hands x the stacked gradients. */
    private static final class Gather extends Node {
        private final Sink sink;

        Gather(Tensor x, Sink sink) {
            super(x);
            this.sink = sink;
        }

        @Override
        public String name() {
            return "UnbindGatherBackward";
        }

        @Override
        protected Tensor[] backward(Tensor ignored) {
            Tensor[] g = sink.grads.clone();
            java.util.Arrays.fill(sink.grads, null); // ready for another backward over a retained graph
            for (int t = 0; t < g.length; t++) {
                if (g[t] == null) {
                    g[t] = Tensor.zeros(ignored.dtype(), ignored.device(), sink.sliceShape);
                }
            }
            return new Tensor[] {Tensor.stack(0, g)};
        }
    }
}
