package dev.nabla;

import java.util.Arrays;

/**
 * One recorded operation of the autograd graph ({@code grad_fn} in PyTorch): it knows its inputs and how to
 * turn the gradient of its output into gradients of its inputs.
 *
 * <p>Each differentiable op is one small subclass holding the forward call ({@code apply}) and the backward
 * rule side by side; backward rules are written with {@link Tensor} ops, so they run on every device and can
 * themselves be differentiated ({@code createGraph}). A subclass saves only what its backward needs, through
 * {@link #save(Tensor)}.
 *
 * <p>Custom ops extend this class: compute the output (inside {@link Grad#disabled()} if it uses Tensor ops),
 * then call {@link #record(Tensor)}.
 */
public abstract class Node {
    private final Tensor[] inputs;
    private final boolean[] needsGrad;
    private SavedTensor[] saved = new SavedTensor[0];
    private boolean released;

    /** A node over the given inputs (entries may be null for inputs that are not tensors). */
    protected Node(Tensor... inputs) {
        this.inputs = inputs;
        this.needsGrad = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            needsGrad[i] = inputs[i] != null && inputs[i].requiresGrad();
        }
    }

    /** True if recording is on and any of {@code inputs} requires grad: only then is a node worth making. */
    public static boolean needed(Tensor... inputs) {
        if (!Grad.isEnabled()) {
            return false;
        }
        for (Tensor t : inputs) {
            if (t != null && t.requiresGrad()) {
                return true;
            }
        }
        return false;
    }

    /** The op's name in errors and anomaly reports, e.g. {@code MulBackward}. */
    public String name() {
        return getClass().getSimpleName() + "Backward";
    }

    /** Keeps {@code t} for backward, remembering its version. */
    protected final SavedTensor save(Tensor t) {
        SavedTensor s = new SavedTensor(t, name());
        saved = Arrays.copyOf(saved, saved.length + 1);
        saved[saved.length - 1] = s;
        return s;
    }

    /** True if input {@code i} needs a gradient (so backward may skip the others). */
    protected final boolean needsInputGrad(int i) {
        return needsGrad[i];
    }

    /**
     * Gradients of the inputs given the gradient of the output: one entry per input, null where
     * {@link #needsInputGrad} is false. Shapes must match the inputs.
     */
    protected abstract Tensor[] backward(Tensor gradOutput);

    /** Makes this node the {@code gradFn} of {@code output} (if any input requires grad); returns output. */
    public final Tensor record(Tensor output) {
        boolean any = false;
        for (boolean b : needsGrad) {
            any |= b;
        }
        if (any && Grad.isEnabled()) {
            output.setGradFn(this);
        }
        return output;
    }

    Tensor[] inputs() {
        return inputs;
    }

    Tensor[] runBackward(Tensor gradOutput) {
        if (released) {
            throw new IllegalStateException(name() + ": trying to backward through the graph a second time; its "
                    + "saved tensors were freed after the first backward. Pass retainGraph=true to the first call");
        }
        return backward(gradOutput);
    }

    /** Drops saved tensors after backward (unless the graph is retained). */
    void release() {
        released = true;
        saved = new SavedTensor[0];
    }

    @Override
    public String toString() {
        return name();
    }
}
