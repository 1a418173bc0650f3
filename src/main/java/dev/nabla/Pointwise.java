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
                Tensor safeLog = av.add(av.eq(0.0)).log();
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
            this.a = save(a);
            this.b = save(b);
            this.max = max;
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
            Tensor half = av.eq(bv).mul(0.5);
            Tensor winsA = (max ? av.gt(bv) : av.lt(bv)).add(half);
            Tensor winsB = (max ? bv.gt(av) : bv.lt(av)).add(half);
            return new Tensor[] {needsInputGrad(0) ? sumTo(g.mul(winsA), av.rawShape()) : null,
                    needsInputGrad(1) ? sumTo(g.mul(winsB), bv.rawShape()) : null};
        }
    }

    /**
     * Element-wise functions of one tensor. The derivative of each is expressed through the input {@code x} and/or
     * the output {@code y}; only the one the rule uses is saved.
     */
    static final class Unary extends Node {
        private final UnaryOp op;
        private final double p1;
        private final double p2;
        private final SavedTensor x;
        private final SavedTensor y;

        private Unary(UnaryOp op, Tensor x, Tensor y, double p1, double p2) {
            super(x);
            this.op = op;
            this.p1 = p1;
            this.p2 = p2;
            boolean usesOutput = switch (op) {
                case EXP, SQRT, RSQRT, RECIPROCAL, SIGMOID, TANH, RELU -> true;
                default -> false;
            };
            boolean usesInput = switch (op) {
                case NEG, ADD_SCALAR, MUL_SCALAR, RSUB_SCALAR -> false;
                default -> !usesOutput;
            };
            this.x = usesInput ? save(x) : null;
            this.y = usesOutput ? save(y) : null;
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
            return new Tensor[] {derivative(g)};
        }

        private Tensor derivative(Tensor g) {
            return switch (op) {
                case NEG -> g.neg();
                case ADD_SCALAR -> g;
                case MUL_SCALAR -> g.mul(p1);
                case RSUB_SCALAR -> g.neg();
                case RDIV_SCALAR -> g.mul(x.get().pow(-2.0)).mul(-p1);
                case EXP -> g.mul(y.get());
                case LOG -> g.div(x.get());
                case SQRT -> g.div(y.get().mul(2.0));
                case RSQRT -> g.mul(y.get().pow(3.0)).mul(-0.5);
                case ABS -> g.mul(x.get().sign());
                case SIGN, GT_SCALAR, LT_SCALAR, EQ_SCALAR -> g.mul(0.0);
                case SQUARE -> g.mul(x.get()).mul(2.0);
                case RECIPROCAL -> g.mul(y.get().square()).neg();
                case POW_SCALAR -> p1 == 0 ? g.mul(0.0) : g.mul(x.get().pow(p1 - 1)).mul(p1);
                case CLAMP -> {
                    Tensor xv = x.get();
                    // passes where min <= x <= max, like PyTorch
                    Tensor inside = xv.lt(p1).add(xv.gt(p2)).rsub(1.0);
                    yield g.mul(inside);
                }
                case RELU -> g.mul(y.get().gt(0.0));
                case LEAKY_RELU -> g.mul(x.get().gt(0.0).mul(1.0 - p1).add(p1));
                case ELU -> {
                    Tensor xv = x.get();
                    Tensor pos = xv.gt(0.0);
                    // x > 0: 1; else alpha * e^x
                    yield g.mul(pos.add(pos.rsub(1.0).mul(xv.exp().mul(p1))));
                }
                case SIGMOID -> {
                    Tensor s = y.get();
                    yield g.mul(s.mul(s.rsub(1.0)));
                }
                case TANH -> g.mul(y.get().square().rsub(1.0));
                case GELU_ERF -> {
                    Tensor xv = x.get();
                    Tensor cdf = xv.mul(1.0 / Math.sqrt(2.0)).erf().add(1.0).mul(0.5);
                    Tensor pdf = xv.square().mul(-0.5).exp().mul(1.0 / Math.sqrt(2.0 * Math.PI));
                    yield g.mul(cdf.add(xv.mul(pdf)));
                }
                case GELU_TANH -> {
                    Tensor xv = x.get();
                    double k = Math.sqrt(2.0 / Math.PI);
                    Tensor x2 = xv.square();
                    Tensor t = xv.add(xv.mul(x2).mul(0.044715)).mul(k).tanh();
                    Tensor left = t.add(1.0).mul(0.5);
                    Tensor right = xv.mul(0.5).mul(t.square().rsub(1.0)).mul(x2.mul(3 * 0.044715).add(1.0).mul(k));
                    yield g.mul(left.add(right));
                }
                case SOFTPLUS -> g.mul(x.get().sigmoid());
                case SILU -> {
                    Tensor xv = x.get();
                    Tensor s = xv.sigmoid();
                    yield g.mul(s.mul(xv.mul(s.rsub(1.0)).add(1.0)));
                }
                case ERF -> g.mul(x.get().square().neg().exp().mul(2.0 / Math.sqrt(Math.PI)));
            };
        }
    }
}
