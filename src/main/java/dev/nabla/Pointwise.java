package dev.nabla;

import dev.nabla.BinaryGradients.Saved;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.UnaryOp;
import java.util.Locale;

/**
 * Differentiable element-wise functions: one generic node for the ops of one tensor ({@link Unary}) and one for the
 * ops of two ({@link Binary}). {@code apply} runs the forward kernel and records the node; {@code backward} reads the
 * op's rule from {@link UnaryGradients} or {@link BinaryGradients}, written with Tensor ops (so it runs on every
 * device and can be differentiated again). Gradients of broadcast operands are summed back to the operand's shape.
 */
final class Pointwise {
    private Pointwise() {
    }

    /** Sums a broadcast gradient back to {@code shape}. */
    static Tensor sumTo(Tensor g, long[] shape) {
        long[] gs = g.rawShape();
        if (java.util.Arrays.equals(gs, shape)) {
            return g;
        }
        int lead = gs.length - shape.length;
        java.util.List<Integer> dims = new java.util.ArrayList<>();
        for (int d = 0; d < gs.length; d++) {
            if (d < lead || (shape[d - lead] == 1 && gs[d] != 1)) {
                dims.add(d);
            }
        }
        Tensor s = g.sum(dims.stream().mapToInt(Integer::intValue).toArray(), true);
        return s.reshape(shape);
    }

    /**
     * Every element-wise function of two tensors, broadcasting: the forward is the op's kernel, the backward its
     * rule in {@link BinaryGradients}, which also says what each operand's gradient reads; only what the operands
     * that need a gradient read is saved.
     */
    static final class Binary extends Node {
        private static final String[] NAMES = new String[BinaryOp.values().length];

        static {
            for (BinaryOp op : BinaryOp.values()) {
                String n = op.name();
                NAMES[op.ordinal()] = n.charAt(0) + n.substring(1).toLowerCase(Locale.ROOT) + "Backward";
            }
        }

        private final BinaryOp op;
        private final BinaryGradients.Rule rule;
        private final SavedTensor a;
        private final SavedTensor b;
        private final SavedTensor y;

        private Binary(BinaryOp op, Tensor a, Tensor b, Tensor y) {
            super(a, b);
            this.op = op;
            this.rule = BinaryGradients.of(op);
            this.a = keeps(Saved.LEFT) ? save(a) : null;
            this.b = keeps(Saved.RIGHT) ? save(b) : null;
            this.y = keeps(Saved.OUTPUT) ? save(y) : null;
        }

        static Tensor apply(String name, BinaryOp op, Tensor a, Tensor b) {
            Tensor out = Kernels.binary(name, op, a, b);
            return Node.needed(a, b) ? new Binary(op, a, b, out).record(out) : out;
        }

        /** {@code MulBackward} for {@code MUL}: the name that errors and anomaly reports show. */
        @Override
        public String name() {
            return NAMES[op.ordinal()];
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor ga = needsInputGrad(0) ? gradient(rule.left(), g, 0) : null;
            Tensor gb = needsInputGrad(1) ? gradient(rule.right(), g, 1) : null;
            return new Tensor[] {ga, gb};
        }

        private boolean keeps(Saved t) {
            return rule.reads(t, needsInputGrad(0), needsInputGrad(1));
        }

        /** Operand {@code i}'s gradient, reading only the saved tensors its partial declares. */
        private Tensor gradient(BinaryGradients.Partial partial, Tensor g, int i) {
            Tensor av = read(partial, Saved.LEFT, a);
            Tensor bv = read(partial, Saved.RIGHT, b);
            Tensor yv = read(partial, Saved.OUTPUT, y);
            return sumTo(partial.gradient().of(g, av, bv, yv), inputs()[i].rawShape());
        }

        private static Tensor read(BinaryGradients.Partial partial, Saved t, SavedTensor saved) {
            return partial.reads().contains(t) ? saved.get() : null;
        }
    }

    /**
     * Every element-wise function of one tensor: the forward is the op's kernel, the backward its rule in
     * {@link UnaryGradients}, which also says whether the input, the output or nothing is saved.
     */
    static final class Unary extends Node {
        private final UnaryOp op;
        private final UnaryGradients.Rule rule;
        private final double p1;
        private final double p2;
        private final SavedTensor saved;

        private Unary(UnaryOp op, Tensor x, Tensor y, double p1, double p2) {
            super(x);
            this.op = op;
            this.rule = UnaryGradients.of(op);
            this.p1 = p1;
            this.p2 = p2;
            this.saved = switch (rule.saves()) {
                case INPUT -> save(x);
                case OUTPUT -> save(y);
                case NOTHING -> null;
            };
        }

        static Tensor apply(String name, UnaryOp op, Tensor x, double p1, double p2) {
            Tensor out = Kernels.unary(name, op, x, p1, p2);
            return Node.needed(x) ? new Unary(op, x, out, p1, p2).record(out) : out;
        }

        @Override
        public String name() {
            return op.name() + "Backward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {rule.gradient().of(g, saved == null ? null : saved.get(), p1, p2)};
        }
    }
}
