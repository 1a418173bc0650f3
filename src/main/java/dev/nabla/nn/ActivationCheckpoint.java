package dev.nabla.nn;

import dev.nabla.Tensor;
import dev.nabla.internal.Internals;
import java.util.function.Function;

/**
 * Activation checkpointing, like {@code torch.utils.checkpoint}: trades compute for memory by keeping none of a
 * function's intermediate activations. Forward runs the function without recording, keeping only its inputs and
 * outputs; backward runs it again with recording on and backpropagates through that recomputation. Gradients
 * (of the inputs and of the parameters used inside, which accumulate into their {@code grad()} as without
 * checkpointing) are bit-for-bit those of the plain computation.
 *
 * <pre>{@code
 * Tensor h = ActivationCheckpoint.run(xs -> block.forward(xs[0]), x);
 * Tensor y = ActivationCheckpoint.checkpointSequential(model, 4, x);   // 4 segments, only their boundaries kept
 * }</pre>
 *
 * <p><b>Randomness.</b> Dropout and every other draw replay identically: while the function first runs, the first
 * draw it makes from each {@link dev.nabla.Generator} (the global one, or a module's own) records that generator's
 * state; the recomputation draws from private copies restarted at those states. The generators themselves are left
 * where they are, so later layers, the next step and other threads see the same numbers as without checkpointing.
 * Only draws made on the calling thread are recorded.
 *
 * <p><b>Contract.</b> The function must compute the same thing when re-run (same modules in the same training or
 * evaluation mode, no other hidden state changed in between; a BatchNorm in training mode updates its running
 * statistics twice, as in PyTorch); the inputs must not be modified in place before
 * backward (that throws, naming the input). Inputs that do not require grad are fine: the output requires grad
 * whenever recording is on, since parameters inside may need gradients. The autocast state of the first run is
 * restored for the recomputation. {@link dev.nabla.Autograd#grad} (which then captures the gradients of parameters
 * used inside too) and double backward ({@code createGraph}) work through a checkpoint, but keep the recomputation
 * until the caller's scope closes: only a plain {@code backward()} saves memory. With recording off
 * ({@link dev.nabla.Grad#disabled()}) the function simply runs.
 */
public final class ActivationCheckpoint {
    private ActivationCheckpoint() {
    }

    /**
     * Runs {@code fn} on {@code inputs} as a checkpoint.
     *
     * @throws IllegalArgumentException if {@code fn} or an input is null, or {@code fn} returns something other than
     *                                  a tensor
     * @throws IllegalStateException    if an input or the result is closed
     */
    public static Tensor run(Function<Tensor[], Tensor> fn, Tensor... inputs) {
        Function<Tensor[], ?> anyResult = checkFunction("run", fn);
        return Internals.checkpoint(xs -> new Object[] {anyResult.apply(xs)}, checkInputs("run", inputs))[0];
    }

    /**
     * Runs {@code fn}, which returns several tensors (of one floating-point dtype and device), as one checkpoint:
     * the recomputation runs once per backward whichever outputs the loss uses.
     *
     * @throws IllegalArgumentException as {@link #run}, or if the outputs differ in dtype or device
     */
    public static Tensor[] runAll(Function<Tensor[], Tensor[]> fn, Tensor... inputs) {
        Function<Tensor[], ?> anyResult = checkFunction("runAll", fn);
        return Internals.checkpoint(xs -> {
            Object result = anyResult.apply(xs);
            if (result != null && !(result instanceof Object[])) {
                throw new IllegalArgumentException("ActivationCheckpoint.runAll: the function returned a "
                        + result.getClass().getName() + ", not an array of tensors");
            }
            return (Object[]) result;
        }, checkInputs("runAll", inputs));
    }

    /**
     * Runs {@code model} on {@code input} in {@code segments} consecutive chunks of {@code model.size() / segments}
     * layers (the last takes the rest), checkpointing every chunk but the last, whose activations backward needs
     * at once (PyTorch's {@code checkpoint_sequential}). Only the chunks' boundary activations are kept, plus one
     * chunk's intermediates at a time during backward.
     *
     * @throws IllegalArgumentException if {@code segments} is not in {@code [1, model.size()]}, or an argument is null
     */
    public static Tensor checkpointSequential(Sequential model, int segments, Tensor input) {
        if (model == null || input == null) {
            throw new IllegalArgumentException("ActivationCheckpoint.checkpointSequential: "
                    + (model == null ? "model" : "input") + " is null");
        }
        if (segments < 1 || segments > model.size()) {
            throw new IllegalArgumentException("ActivationCheckpoint.checkpointSequential: segments must be in [1, "
                    + model.size() + "] for a Sequential of " + model.size() + " layers, got " + segments);
        }
        int segmentSize = model.size() / segments;
        Tensor h = input;
        int start = 0;
        for (int s = 0; s < segments - 1; s++, start += segmentSize) {
            int from = start;
            h = run(xs -> forwardRange(model, from, from + segmentSize, xs[0]), h);
        }
        return forwardRange(model, start, model.size(), h);
    }

    /** Layers {@code [from, to)} of {@code model} applied to {@code x}. */
    private static Tensor forwardRange(Sequential model, int from, int to, Tensor x) {
        Tensor h = x;
        for (int i = from; i < to; i++) {
            h = model.get(i).forward(h);
        }
        return h;
    }

    private static <F> F checkFunction(String method, F fn) {
        if (fn == null) {
            throw new IllegalArgumentException("ActivationCheckpoint." + method + ": the function is null");
        }
        return fn;
    }

    private static Tensor[] checkInputs(String method, Tensor[] inputs) {
        if (inputs == null) {
            throw new IllegalArgumentException("ActivationCheckpoint." + method + ": inputs is null");
        }
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i] == null) {
                throw new IllegalArgumentException("ActivationCheckpoint." + method + ": input " + i + " is null");
            }
        }
        return inputs.clone();
    }
}
