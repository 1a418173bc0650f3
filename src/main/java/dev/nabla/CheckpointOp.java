package dev.nabla;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Activation checkpointing, the op behind {@code dev.nabla.nn.ActivationCheckpoint} (the API; this class is not).
 *
 * <p>Forward runs the function with recording off inside a scope of its own, so none of its intermediates
 * outlive it: only the inputs (saved, version-checked) and the output are kept. The output's node, during
 * backward, runs the function again with recording on, under the same autocast state and replaying the random draws
 * of the first run ({@link GeneratorTrace}), and backpropagates the output's gradient through that recomputation
 * within the engine's current pass ({@link Autograd#backwardWithin}): the parameters used inside get their
 * gradients as without checkpointing, and the inputs' gradients are caught where the inputs enter
 * ({@link Boundary}) and returned. In a plain backward the recomputation lives in a scope of its own, freed as soon
 * as its gradients are out; under {@link Autograd#grad} or {@code createGraph} it stays in the caller's scope, since
 * the captured gradients or the graph of the gradients refer to it (double backward goes through it).
 *
 * <p>Several outputs are packed into one flat tensor (one node, so the recomputation runs once per backward) and
 * handed out as views of it.
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

        /**
         * Recomputes, then backpropagates {@code gradOutput} through the recomputation within the engine's current
         * pass (into the parameters' {@code grad()}, or into what {@link Autograd#grad} captures). The inputs enter
         * the recomputation through {@link Boundary} nodes, which stop that pass there and hand back the inputs'
         * gradients; with {@code createGraph} those gradients stay functions of the real inputs, so double backward
         * works. Only a plain backward frees the recomputation at once (its own scope): the other two need it kept.
         */
        @Override
        protected Tensor[] backward(Tensor gradOutput) {
            boolean createGraph = Grad.isEnabled();
            int n = inputs.length;
            Boundary[] boundaries = new Boundary[n];
            Tensor[] grads = new Tensor[n + 1]; // the anchor's stays null
            try (Scope inner = createGraph || Autograd.isCapturing() ? null : Scope.open()) {
                Tensor[] args = new Tensor[n];
                try (Grad on = Grad.enabled()) {
                    for (int i = 0; i < n; i++) {
                        Tensor x = inputs[i].get();
                        boundaries[i] = needsInputGrad(i) ? new Boundary(x) : null;
                        args[i] = boundaries[i] == null ? x.detach() : boundaries[i].record(x.detach());
                    }
                }
                Tensor out = recompute(args);
                if (out.requiresGrad()) {
                    for (Boundary b : boundaries) {
                        if (b != null) {
                            b.catching = true;
                        }
                    }
                    try {
                        Autograd.backwardWithin(out, gradOutput, createGraph);
                    } finally {
                        for (Boundary b : boundaries) {
                            if (b != null) {
                                b.catching = false;
                            }
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    Tensor g = boundaries[i] == null ? null : boundaries[i].caught;
                    if (g != null && inner != null && g.lease().owner == inner) {
                        inner.keep(g);
                    }
                    grads[i] = g;
                }
            }
            for (int i = 0; i < n; i++) {
                if (needsInputGrad(i) && grads[i] == null) {
                    grads[i] = Tensor.zerosLike(inputs[i].get());
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
    }

    /**
     * Where an input enters the recomputation: the identity, except that while its checkpoint backpropagates
     * through the recomputation it keeps the gradient arriving here and passes nothing on, since the engine's
     * outer pass delivers that gradient to the input's own graph.
     */
    private static final class Boundary extends Node {
        boolean catching;
        Tensor caught;

        Boundary(Tensor input) {
            super(input);
        }

        @Override
        public String name() {
            return "CheckpointInputBackward";
        }

        @Override
        protected Tensor[] backward(Tensor gradOutput) {
            if (!catching) {
                return new Tensor[] {gradOutput};
            }
            caught = caught == null ? gradOutput : caught.add(gradOutput);
            return new Tensor[] {null};
        }
    }
}
