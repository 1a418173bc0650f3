package dev.nabla;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Activation checkpointing, the op behind {@code dev.nabla.nn.ActivationCheckpoint} (the API; this class is not).
 *
 * <p>Forward runs the function with recording off inside a scope of its own, so none of its intermediates
 * outlive it: only the inputs (saved, version-checked) and the output are kept. The output's node, during
 * backward, runs the function again with recording on, in a scope of its own, from detached copies of the inputs,
 * under the same autocast state and replaying the random draws of the first run ({@link GeneratorTrace}); it then
 * backpropagates the output's gradient through that recomputed graph, which accumulates into the parameters used
 * inside (as without checkpointing) and into the detached inputs, whose gradients it returns.
 *
 * <p>Several outputs are packed into one flat tensor (one node, so the recomputation runs once per backward) and
 * handed out as views of it. Not supported, with an exception saying so: {@link Autograd#grad} through a checkpoint
 * (the recomputation accumulates into {@code grad()}) and {@code createGraph} (the recomputed gradients would not
 * depend on the inputs' own graph), as with PyTorch's reentrant checkpoint.
 */
final class CheckpointOp {
    private static final String OP = "ActivationCheckpoint";
    /**
     * An extra input of every checkpoint node, a leaf requiring grad, so that the output requires grad even when no
     * input does: the parameters used inside still need their gradients. It never receives one.
     */
    private static final Tensor ANCHOR = Scope.detached(() -> Tensor.zeros(1).requiresGrad_(true));

    private CheckpointOp() {
    }

    /** Runs {@code fn} on {@code inputs} (non-null, checked by the caller) as a checkpoint; returns its outputs. */
    static Tensor[] run(Function<Tensor[], Object[]> fn, Tensor[] inputs) {
        for (Tensor x : inputs) {
            x.checkAlive(OP);
        }
        if (!Grad.isEnabled()) { // nothing would be recorded, so nothing is stored either
            return outputs(fn.apply(inputs.clone()));
        }
        DType autocast = Autocast.dtype();
        GeneratorTrace trace;
        Tensor[] outs;
        Tensor packed;
        boolean madeInside;
        try (Scope inner = Scope.open()) {
            try (Grad off = Grad.disabled(); GeneratorTrace recording = GeneratorTrace.record()) {
                outs = outputs(fn.apply(inputs.clone()));
                trace = recording;
                packed = pack(outs);
            }
            madeInside = packed.lease().owner == inner;
            if (madeInside) {
                inner.keep(packed);
            }
        }
        if (!packed.dtype().isFloatingPoint()) { // not differentiable: nothing to recompute (one output only)
            return outs;
        }
        if (!madeInside) {
            packed = packed.detach(); // the function returned a tensor made outside it (an input): never re-record it
        }
        new CheckpointNode(fn, inputs, trace, autocast, shapes(outs)).record(packed);
        return outs.length == 1 ? new Tensor[] {packed} : unpack(packed, shapes(outs));
    }

    /** The function's result checked: one or more live tensors. */
    private static Tensor[] outputs(Object[] result) {
        if (result == null || result.length == 0) {
            throw new IllegalArgumentException(OP + ": the function returned " + (result == null ? "null" : "no outputs")
                    + "; it must return a tensor");
        }
        Tensor[] outs = new Tensor[result.length];
        for (int i = 0; i < result.length; i++) {
            String which = result.length == 1 ? "" : " as output " + i;
            if (!(result[i] instanceof Tensor t)) {
                throw new IllegalArgumentException(OP + ": the function returned "
                        + (result[i] == null ? "null" : "a " + result[i].getClass().getName()) + which
                        + ", not a tensor");
            }
            if (t.isClosed()) {
                throw new IllegalStateException(OP + ": the function returned " + t.describe() + which
                        + ", which is closed");
            }
            outs[i] = t;
        }
        return outs;
    }

    /** One output as it is, several flattened and concatenated (same dtype and device, floating point). */
    private static Tensor pack(Tensor[] outs) {
        if (outs.length == 1) {
            return outs[0];
        }
        Tensor[] flat = new Tensor[outs.length];
        for (int i = 0; i < outs.length; i++) {
            Tensor o = outs[i];
            if (!o.dtype().isFloatingPoint() || o.dtype() != outs[0].dtype() || o.device() != outs[0].device()) {
                throw new IllegalArgumentException(OP + ": several outputs must share one floating-point dtype and "
                        + "device; output " + i + " is " + o.describe() + ", output 0 is " + outs[0].describe());
            }
            flat[i] = o.reshape(-1);
        }
        return Tensor.cat(0, flat);
    }

    /** Views of {@code packed} shaped like the outputs, recorded so that their gradients flow into it. */
    private static Tensor[] unpack(Tensor packed, long[][] shapes) {
        Tensor[] views = new Tensor[shapes.length];
        long at = 0;
        for (int i = 0; i < shapes.length; i++) {
            long n = Shapes.numel(shapes[i]);
            views[i] = packed.narrow(0, at, n).reshape(shapes[i]);
            at += n;
        }
        return views;
    }

    private static long[][] shapes(Tensor[] outs) {
        long[][] shapes = new long[outs.length][];
        for (int i = 0; i < outs.length; i++) {
            shapes[i] = outs[i].shape();
        }
        return shapes;
    }

    private static Tensor[] withAnchor(Tensor[] inputs) {
        Tensor[] all = Arrays.copyOf(inputs, inputs.length + 1);
        all[inputs.length] = ANCHOR;
        return all;
    }

    /** The checkpoint's node: recomputes, then backpropagates through the recomputation. */
    private static final class CheckpointNode extends Node {
        private final Function<Tensor[], Object[]> fn;
        private final SavedTensor[] inputs;
        private final GeneratorTrace trace;
        private final DType autocast;
        private final long[][] shapes;

        CheckpointNode(Function<Tensor[], Object[]> fn, Tensor[] inputs, GeneratorTrace trace, DType autocast,
                       long[][] shapes) {
            super(withAnchor(inputs));
            this.fn = fn;
            this.inputs = new SavedTensor[inputs.length];
            for (int i = 0; i < inputs.length; i++) {
                this.inputs[i] = save(inputs[i]);
            }
            this.trace = trace;
            this.autocast = autocast;
            this.shapes = shapes;
        }

        @Override
        public String name() {
            return "CheckpointBackward";
        }

        @Override
        protected Tensor[] backward(Tensor gradOutput) {
            if (Autograd.isCapturing()) {
                throw new UnsupportedOperationException(name() + ": Autograd.grad cannot differentiate through an "
                        + "activation checkpoint (its recomputation accumulates into the parameters' grad()); use "
                        + "backward()");
            }
            if (Grad.isEnabled()) {
                throw new UnsupportedOperationException(name() + ": createGraph (double backward) is not supported "
                        + "through an activation checkpoint; run that part of the model without checkpointing");
            }
            int n = inputs.length;
            Tensor[] leafGrads = new Tensor[n];
            try (Scope inner = Scope.open()) {
                Tensor[] args = new Tensor[n];
                for (int i = 0; i < n; i++) {
                    args[i] = inputs[i].get().detach();
                    if (needsInputGrad(i)) {
                        args[i].requiresGrad_(true);
                    }
                }
                Tensor out = recompute(args);
                if (out.requiresGrad()) {
                    out.backward(gradOutput);
                }
                for (int i = 0; i < n; i++) {
                    leafGrads[i] = needsInputGrad(i) ? args[i].grad() : null;
                }
            }
            Tensor[] grads = new Tensor[n + 1]; // the anchor's stays null
            for (int i = 0; i < n; i++) {
                if (needsInputGrad(i)) {
                    grads[i] = leafGrads[i] == null ? Tensor.zerosLike(inputs[i].get()) : intoScope(leafGrads[i]);
                }
            }
            return grads;
        }

        /** The function run again with recording on, the same autocast and the same random draws. */
        private Tensor recompute(Tensor[] args) {
            try (Grad on = Grad.enabled(); GeneratorTrace replay = trace.replay();
                 Autocast cast = Autocast.dtype() == autocast ? null
                         : autocast == null ? Autocast.disable() : Autocast.enable(autocast)) {
                Tensor[] outs = outputs(fn.apply(args));
                if (!Arrays.deepEquals(shapes(outs), shapes)) {
                    throw new IllegalStateException(name() + ": the function's outputs changed shape when recomputed "
                            + "(" + Arrays.deepToString(shapes) + " first, " + Arrays.deepToString(shapes(outs))
                            + " now); a checkpointed function must be deterministic");
                }
                return pack(outs);
            }
        }

        /**
         * A detached leaf's gradient lives outside any scope; the engine's own gradients live in the current one,
         * so that the step's scope frees them: copy it there and free it now.
         */
        private static Tensor intoScope(Tensor leafGrad) {
            Tensor copy = leafGrad.clone();
            leafGrad.close();
            return copy;
        }
    }
}
