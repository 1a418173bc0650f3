package dev.nabla;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reverse-mode engine: walks the recorded graph from an output back to the leaves in reverse topological
 * order, summing the gradients that reach each node (PyTorch's input buffer) before running its backward rule.
 *
 * <p>{@link Tensor#backward()} accumulates into the {@code grad()} of leaves; {@link #grad} returns gradients
 * without touching {@code grad()} (like {@code torch.autograd.grad}). With {@code createGraph} the backward
 * rules are themselves recorded, so the returned gradients can be differentiated again.
 */
public final class Autograd {
    private static volatile boolean detectAnomaly;
    /** Per thread: what the innermost running {@link #grad} pass captures into; null during a backward. */
    private static final ThreadLocal<Object[]> CAPTURED = ThreadLocal.withInitial(() -> new Object[1]);

    private Autograd() {
    }

    /**
     * Anomaly mode: after every backward rule, checks its gradients for NaN/Inf and throws naming the op that
     * produced the first one. Slow (one host read per gradient); for debugging.
     */
    public static void setDetectAnomaly(boolean on) {
        detectAnomaly = on;
    }

    /** True if anomaly mode is on. */
    public static boolean isDetectAnomaly() {
        return detectAnomaly;
    }

    /**
     * Gradients of {@code output} with respect to each of {@code inputs}, like {@code torch.autograd.grad}.
     *
     * @param gradOutput  gradient of the output; null means ones (allowed for a one-element output only)
     * @param retainGraph keep the graph for another backward
     * @param createGraph record the backward computation, so the results can be differentiated
     * @return one gradient per input; an input the output does not depend on gets zeros
     */
    public static Tensor[] grad(Tensor output, Tensor[] inputs, Tensor gradOutput, boolean retainGraph,
                                boolean createGraph) {
        Map<Tensor, Tensor> captured = new IdentityHashMap<>();
        for (Tensor in : inputs) {
            if (!in.requiresGrad()) {
                throw new IllegalArgumentException("grad: input " + in.describe() + " does not require grad");
            }
            captured.put(in, null);
        }
        run(output, gradOutput, retainGraph, createGraph, captured);
        Tensor[] out = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            Tensor g = captured.get(inputs[i]);
            out[i] = g != null ? g : Tensor.zerosLike(inputs[i]);
        }
        return out;
    }

    /** The engine behind {@link Tensor#backward}. */
    static void backward(Tensor output, Tensor gradOutput, boolean retainGraph, boolean createGraph) {
        run(output, gradOutput, retainGraph, createGraph, null);
    }

    private static Tensor seed(Tensor output, Tensor gradOutput) {
        if (gradOutput == null) {
            if (output.numel() != 1) {
                throw new IllegalArgumentException("backward: grad can be implicitly created only for a one-element "
                        + "output, got " + output.describe() + "; pass a gradient");
            }
            return Tensor.onesLike(output);
        }
        gradOutput.checkAlive("backward");
        if (!java.util.Arrays.equals(gradOutput.shape(), output.shape())) {
            throw new IllegalArgumentException("backward: gradient shape " + Shapes.str(gradOutput.shape())
                    + " does not match output shape " + Shapes.str(output.shape()));
        }
        if (gradOutput.dtype() != output.dtype() || gradOutput.device() != output.device()) {
            throw new IllegalArgumentException("backward: gradient " + gradOutput.describe()
                    + " does not match the dtype and device of the output " + output.describe());
        }
        return gradOutput;
    }

    /**
     * @param captured when non-null, gradients of these leaves/tensors are captured here instead of accumulated
     *                 into {@code grad()}
     */
    private static void run(Tensor output, Tensor gradOutput, boolean retainGraph, boolean createGraph,
                            Map<Tensor, Tensor> captured) {
        output.checkAlive("backward");
        if (!output.requiresGrad()) {
            throw new IllegalStateException("backward: " + output.describe()
                    + " does not require grad and has no grad_fn");
        }
        Tensor seed = seed(output, gradOutput);
        Object[] pass = CAPTURED.get();
        Object outerPass = pass[0];
        pass[0] = captured;
        try (Grad mode = createGraph ? Grad.enabled() : Grad.disabled()) {
            Node root = output.gradFn();
            if (root == null) { // backward on a leaf
                deliver(output, seed, captured, createGraph);
                if (captured == null && output.hasPostAccumulateGradHooks()) {
                    output.runPostAccumulateGradHooks();
                }
                return;
            }
            if (captured != null && captured.containsKey(output)) {
                captured.put(output, seed); // d output / d output: the seed itself
            }
            List<Node> order = topologicalOrder(root);
            GradReadyHooks ready = captured == null ? GradReadyHooks.scan(order) : null;
            Map<Node, Tensor> buffer = new IdentityHashMap<>();
            buffer.put(root, seed);
            for (Node node : order) {
                Tensor g = buffer.remove(node);
                if (g == null) {
                    if (ready != null) {
                        ready.skipped(node);
                    }
                    continue;
                }
                Tensor[] inGrads = node.runBackward(g);
                if (!retainGraph) {
                    node.release();
                }
                Tensor[] ins = node.inputs();
                if (inGrads == null || inGrads.length != ins.length) {
                    throw new IllegalStateException(node.name() + ": backward returned "
                            + (inGrads == null ? "null" : inGrads.length + " gradients") + " for " + ins.length
                            + " inputs");
                }
                for (int i = 0; i < ins.length; i++) {
                    Tensor in = ins[i];
                    if (in == null || !in.requiresGrad() || inGrads[i] == null) {
                        if (ready != null) {
                            ready.walked(in, false);
                        }
                        continue;
                    }
                    Tensor gi = inGrads[i];
                    checkGradient(node, i, in, gi);
                    if (detectAnomaly) {
                        checkFinite(node, i, gi);
                    }
                    if (captured != null && captured.containsKey(in)) {
                        Tensor prev = captured.get(in);
                        captured.put(in, prev == null ? gi : prev.add(gi));
                    }
                    Node next = in.gradFn();
                    if (next == null) {
                        if (captured == null) {
                            // a gradient no other consumer received may become the leaf's grad() without a copy
                            accumulate(in, gi, createGraph, gi != g && gi != seed && !givenTwice(inGrads, i));
                            if (ready != null) {
                                ready.walked(in, true);
                            }
                        }
                    } else {
                        Tensor prev = buffer.get(next);
                        buffer.put(next, prev == null ? gi : prev.add(gi));
                    }
                }
            }
        } finally {
            pass[0] = outerPass;
        }
    }

    /** True while this thread runs the backward rules of an {@link #grad} pass (which accumulates nothing). */
    static boolean isCapturing() {
        return CAPTURED.get()[0] != null;
    }

    /**
     * For a backward rule that backpropagates through a graph of its own (activation checkpointing's
     * recomputation): runs {@code gradOutput} back from {@code output} as part of the pass now running on this
     * thread, so gradients reaching leaves accumulate into their {@code grad()} during a backward, and into the
     * captured results during a {@link #grad} that asked for them. With {@code createGraph} that graph is retained.
     */
    static void backwardWithin(Tensor output, Tensor gradOutput, boolean createGraph) {
        @SuppressWarnings("unchecked")
        Map<Tensor, Tensor> outer = (Map<Tensor, Tensor>) CAPTURED.get()[0];
        if (outer == null) {
            run(output, gradOutput, createGraph, createGraph, null);
            return;
        }
        Map<Tensor, Tensor> inner = new IdentityHashMap<>();
        for (Tensor t : outer.keySet()) {
            inner.put(t, null);
        }
        run(output, gradOutput, createGraph, createGraph, inner);
        inner.forEach((t, g) -> {
            if (g != null) {
                Tensor prev = outer.get(t);
                outer.put(t, prev == null ? g : prev.add(g));
            }
        });
    }

    /** True if {@code grads[i]} is also returned for another input (the same tensor object twice). */
    private static boolean givenTwice(Tensor[] grads, int i) {
        for (int j = 0; j < grads.length; j++) {
            if (j != i && grads[j] == grads[i]) {
                return true;
            }
        }
        return false;
    }

    /** A backward rule must return a gradient shaped, typed and placed like its input (else sums go wrong). */
    private static void checkGradient(Node node, int input, Tensor in, Tensor g) {
        if (!java.util.Arrays.equals(g.rawShape(), in.rawShape()) || g.dtype() != in.dtype()
                || g.device() != in.device()) {
            throw new IllegalStateException(node.name() + ": backward returned a gradient " + g.describe()
                    + " for its input " + input + " " + in.describe() + "; it must have the input's shape "
                    + Shapes.str(in.rawShape()) + ", dtype and device");
        }
    }

    /**
     * Adds {@code g} to a leaf's {@code grad()}. With {@code createGraph} the first gradient becomes the leaf's
     * {@code grad()} itself, so it is copied first: a backward rule may return the caller's seed or a broadcast
     * (stride-0) view of it, which a later in-place accumulation or {@code setGrad(null)} must not touch.
     * {@code exclusive}: no other consumer received {@code g}, so the leaf may adopt it instead of a copy.
     */
    private static void accumulate(Tensor leaf, Tensor g, boolean createGraph, boolean exclusive) {
        leaf.accumulateGrad(createGraph && leaf.grad() == null ? g.clone() : g, createGraph, exclusive);
    }

    private static void checkFinite(Node node, int input, Tensor g) {
        try (Grad off = Grad.disabled()) {
            for (double v : g.toDoubleArray()) {
                if (!Double.isFinite(v)) {
                    throw new ArithmeticException("anomaly: " + node.name() + " produced " + v
                            + " in the gradient of its input " + input + " " + g.describe());
                }
            }
        }
    }

    /** Accumulates a leaf's gradient into its {@code grad()}. */
    private static void deliver(Tensor leaf, Tensor g, Map<Tensor, Tensor> captured, boolean createGraph) {
        if (captured != null) {
            if (captured.containsKey(leaf)) {
                Tensor prev = captured.get(leaf);
                captured.put(leaf, prev == null ? g : prev.add(g));
            }
            return;
        }
        accumulate(leaf, g, createGraph, false);
    }

    /** Nodes reachable from {@code root}, each after every node that feeds gradient into it. */
    private static List<Node> topologicalOrder(Node root) {
        // Iterative DFS post-order (graphs of unrolled RNNs are too deep for recursion), then reversed.
        List<Node> post = new ArrayList<>();
        Map<Node, Boolean> visited = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        visited.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Node node = (Node) frame[0];
            int i = (Integer) frame[1];
            Tensor[] ins = node.inputs();
            if (i < ins.length) {
                frame[1] = i + 1;
                Tensor in = ins[i];
                Node next = in == null ? null : in.gradFn();
                if (next != null && visited.put(next, Boolean.TRUE) == null) {
                    stack.push(new Object[] {next, 0});
                }
            } else {
                stack.pop();
                post.add(node);
            }
        }
        java.util.Collections.reverse(post);
        return post;
    }
}
