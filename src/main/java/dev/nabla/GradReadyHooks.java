package dev.nabla;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One backward pass's bookkeeping for post-accumulate-grad hooks ({@link Tensor#registerPostAccumulateGradHook}):
 * the engine adds each gradient to a leaf as it arrives (no input buffer for leaves), so a leaf used by several ops
 * is accumulated into several times. This counts, per hooked leaf, the graph edges still to be walked and runs the
 * leaf's hooks once, after its last edge, if any gradient reached it (PyTorch runs them when its AccumulateGrad node
 * runs, which is the same moment).
 */
final class GradReadyHooks {
    /** Edges still to walk and whether a gradient arrived, per hooked leaf. */
    private final Map<Tensor, int[]> pending;

    private GradReadyHooks(Map<Tensor, int[]> pending) {
        this.pending = pending;
    }

    /** The bookkeeping for a graph walked in {@code order}, or null when none of its leaves has a hook. */
    static GradReadyHooks scan(List<Node> order) {
        if (!AutogradMeta.anyHooks()) {
            return null;
        }
        Map<Tensor, int[]> pending = new IdentityHashMap<>();
        for (Node node : order) {
            for (Tensor in : node.inputs()) {
                if (in != null && in.hasPostAccumulateGradHooks()) {
                    pending.computeIfAbsent(in, t -> new int[2])[0]++;
                }
            }
        }
        return pending.isEmpty() ? null : new GradReadyHooks(pending);
    }

    /** The engine walked one edge into {@code input}; {@code accumulated}: a gradient was added to it. */
    void walked(Tensor input, boolean accumulated) {
        int[] state = input == null ? null : pending.get(input);
        if (state == null) {
            return;
        }
        if (accumulated) {
            state[1] = 1;
        }
        if (--state[0] == 0 && state[1] == 1) {
            input.runPostAccumulateGradHooks();
        }
    }

    /** The engine skipped {@code node} (no gradient reached it): its edges are walked without a gradient. */
    void skipped(Node node) {
        for (Tensor in : node.inputs()) {
            walked(in, false);
        }
    }
}
