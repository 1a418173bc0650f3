package dev.nabla;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.UnaryOp;

/**
 * Differentiable element-wise arithmetic. Each op is one unit: {@code apply} runs the forward kernel and records
 * the node; {@code backward} is the derivative, written with Tensor ops (so it runs on every device and can be
 * differentiated again). Gradients of broadcast operands are summed back to the operand's shape.
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

    /** {@code a + b}. */
    static final class Add extends Node {
        private final long[] as;
        private final long[] bs;

        private Add(Tensor a, Tensor b) {
            super(a, b);
            as = a.rawShape();
            bs = b.rawShape();
        }

        static Tensor apply(Tensor a, Tensor b) {
            Tensor out = Kernels.binary("add", BinaryOp.ADD, a, b);
            return Node.needed(a, b) ? new Add(a, b).record(out) : out;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {needsInputGrad(0) ? sumTo(g, as) : null, needsInputGrad(1) ? sumTo(g, bs) : null};
        }
    }

    /** {@code a - b}. */
    static final class Sub extends Node {
        private final long[] as;
        private final long[] bs;

        private Sub(Tensor a, Tensor b) {
            super(a, b);
            as = a.rawShape();
            bs = b.rawShape();
        }

        static Tensor apply(Tensor a, Tensor b) {
            Tensor out = Kernels.binary("sub", BinaryOp.SUB, a, b);
            return Node.needed(a, b) ? new Sub(a, b).record(out) : out;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            return new Tensor[] {needsInputGrad(0) ? sumTo(g, as) : null,
                    needsInputGrad(1) ? sumTo(g.neg(), bs) : null};
        }
    }

    /** {@code a * b}. */
    static final class Mul extends Node {
        private final SavedTensor a;
        private final SavedTensor b;

        private Mul(Tensor a, Tensor b) {
            super(a, b);
            this.a = needsInputGrad(1) ? save(a) : null;
            this.b = needsInputGrad(0) ? save(b) : null;
        }

        static Tensor apply(Tensor a, Tensor b) {
            Tensor out = Kernels.binary("mul", BinaryOp.MUL, a, b);
            return Node.needed(a, b) ? new Mul(a, b).record(out) : out;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor[] in = inputs();
            return new Tensor[] {needsInputGrad(0) ? sumTo(g.mul(b.get()), in[0].rawShape()) : null,
                    needsInputGrad(1) ? sumTo(g.mul(a.get()), in[1].rawShape()) : null};
        }
    }

    /** {@code a / b}. */
    static final class Div extends Node {
        private final SavedTensor a;
        private final SavedTensor b;

        private Div(Tensor a, Tensor b) {
            super(a, b);
            this.a = needsInputGrad(1) ? save(a) : null;
            this.b = save(b);
        }

        static Tensor apply(Tensor a, Tensor b) {
            Tensor out = Kernels.binary("div", BinaryOp.DIV, a, b);
            return Node.needed(a, b) ? new Div(a, b).record(out) : out;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor[] in = inputs();
            Tensor bv = b.get();
            Tensor ga = needsInputGrad(0) ? sumTo(g.div(bv), in[0].rawShape()) : null;
            Tensor gb = needsInputGrad(1) ? sumTo(g.mul(a.get()).div(bv.mul(bv)).neg(), in[1].rawShape()) : null;
            return new Tensor[] {ga, gb};
        }
    }

    /** {@code a ^ b} for tensors. */
    static final class Pow extends Node {
        private final SavedTensor a;
        private final SavedTensor b;
        private final SavedTensor out;

        private Pow(Tensor a, Tensor b, Tensor out) {
            super(a, b);
            this.a = save(a);
            this.b = save(b);
            this.out = needsInputGrad(1) ? save(out) : null;
        }

        static Tensor apply(Tensor a, Tensor b) {
            Tensor out = Kernels.binary("pow", BinaryOp.POW, a, b);
            return Node.needed(a, b) ? new Pow(a, b, out).record(out) : out;
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor av = a.get();
            Tensor bv = b.get();
            Tensor ga = needsInputGrad(0) ? sumTo(g.mul(bv).mul(av.pow(bv.sub(1.0))), av.rawShape()) : null;
            Tensor gb = null;
            if (needsInputGrad(1)) {
                // d/db a^b = a^b log a; where a == 0 the limit is 0, so log is taken of 1 there.
                Tensor safeLog = av.add(av.mask(UnaryOp.EQ_SCALAR, 0.0)).log();
                gb = sumTo(g.mul(out.get()).mul(safeLog), bv.rawShape());
            }
            return new Tensor[] {ga, gb};
        }
    }

    /** Element-wise maximum or minimum; ties split the gradient evenly (as PyTorch does). */
    static final class Extremum extends Node {
        private final SavedTensor a;
        private final SavedTensor b;
        private final boolean max;

        private Extremum(Tensor a, Tensor b, boolean max) {
            super(a, b);
            this.max = max; // first: save() labels the saved tensors with name(), which reads it
            this.a = save(a);
            this.b = save(b);
        }

        static Tensor apply(Tensor a, Tensor b, boolean max) {
            Tensor out = Kernels.binary(max ? "maximum" : "minimum", max ? BinaryOp.MAXIMUM : BinaryOp.MINIMUM, a, b);
            return Node.needed(a, b) ? new Extremum(a, b, max).record(out) : out;
        }

        @Override
        public String name() {
            return max ? "MaximumBackward" : "MinimumBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor av = a.get();
            Tensor bv = b.get();
            Tensor half = av.mask(BinaryOp.EQ, bv).mul(0.5);
            Tensor winsA = av.mask(max ? BinaryOp.GT : BinaryOp.LT, bv).add(half);
            Tensor winsB = bv.mask(max ? BinaryOp.GT : BinaryOp.LT, av).add(half);
            return new Tensor[] {needsInputGrad(0) ? sumTo(g.mul(winsA), av.rawShape()) : null,
                    needsInputGrad(1) ? sumTo(g.mul(winsB), bv.rawShape()) : null};
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
