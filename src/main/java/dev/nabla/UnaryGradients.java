package dev.nabla;

import dev.nabla.backend.UnaryOp;

/**
 * The backward half of every {@link UnaryOp} (whose enum holds the forward formula): what backward saves and the
 * gradient as a Tensor expression, so it runs on every device and can be differentiated again. Like PyTorch's
 * derivatives.yaml, one line per op; the switch is exhaustive, so a new op does not compile without its rule.
 */
final class UnaryGradients {
    /** What the forward keeps for backward. */
    enum Saves {
        /** the rule needs neither input nor output */ NOTHING,
        /** the rule reads the input {@code x} */ INPUT,
        /** the rule reads the output {@code y} (cheaper where the derivative is a function of it) */ OUTPUT
    }

    /** The input's gradient from the output's {@code g}, the saved tensor (null if none) and the op's parameters. */
    @FunctionalInterface
    interface Gradient {
        Tensor of(Tensor g, Tensor saved, double a, double b);
    }

    /** One op's backward: what it saves and its gradient. */
    record Rule(Saves saves, Gradient gradient) {
    }

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final Rule[] RULES = new Rule[UnaryOp.values().length];

    static {
        for (UnaryOp op : UnaryOp.values()) {
            RULES[op.ordinal()] = define(op);
        }
    }

    private UnaryGradients() {
    }

    /** The rule of {@code op}. */
    static Rule of(UnaryOp op) {
        return RULES[op.ordinal()];
    }

    private static Rule define(UnaryOp op) {
        return switch (op) {
            case NEG, RSUB_SCALAR -> nothing((g, s, a, b) -> g.neg());
            case ADD_SCALAR -> nothing((g, s, a, b) -> g);
            case MUL_SCALAR -> nothing((g, s, a, b) -> g.mul(a));
            case SIGN, GT_SCALAR, LT_SCALAR, EQ_SCALAR -> nothing((g, s, a, b) -> g.mul(0.0));
            case BITWISE_NOT -> nothing((g, s, a, b) -> {
                throw new IllegalStateException("bitwiseNot: integer-only, it has no gradient");
            });
            case RDIV_SCALAR -> input((g, x, a, b) -> g.mul(x.pow(-2.0)).mul(-a));
            case EXP -> output((g, y, a, b) -> g.mul(y));
            case LOG -> input((g, x, a, b) -> g.div(x));
            case SQRT -> output((g, y, a, b) -> g.div(y.mul(2.0)));
            case RSQRT -> output((g, y, a, b) -> g.mul(y.pow(3.0)).mul(-0.5));
            case ABS -> input((g, x, a, b) -> g.mul(x.sign()));
            case SQUARE -> input((g, x, a, b) -> g.mul(x).mul(2.0));
            case RECIPROCAL -> output((g, y, a, b) -> g.mul(y.square()).neg());
            case POW_SCALAR -> input((g, x, a, b) -> a == 0 ? g.mul(0.0) : g.mul(x.pow(a - 1)).mul(a));
            // passes where min <= x <= max, like PyTorch
            case CLAMP -> input((g, x, a, b) -> g.mul(x.mask(UnaryOp.LT_SCALAR, a).add(x.mask(UnaryOp.GT_SCALAR, b)).rsub(1.0)));
            case RELU -> output((g, y, a, b) -> ReluBackward.of(g, y));
            case LEAKY_RELU -> input((g, x, a, b) -> g.mul(x.mask(UnaryOp.GT_SCALAR, 0.0).mul(1.0 - a).add(a)));
            case ELU -> input((g, x, a, b) -> {
                Tensor pos = x.mask(UnaryOp.GT_SCALAR, 0.0);
                return g.mul(pos.add(pos.rsub(1.0).mul(x.exp().mul(a)))); // x > 0: 1; else alpha * e^x
            });
            case SIGMOID -> output((g, y, a, b) -> g.mul(y.mul(y.rsub(1.0))));
            case TANH -> output((g, y, a, b) -> g.mul(y.square().rsub(1.0)));
            case GELU_TANH -> input((g, x, a, b) -> g.mul(x.geluTanhDerivative()));
            // f = s + x T s (1 - s) with s = sigmoid(2u), T = 2u' = 2c (1 + 3k x^2), s' = T s (1 - s), so
            // f' = s (1 - s) (2T + 12ck x^2 + x T^2 (1 - 2s)): composed, as only a double backward needs it
            case GELU_TANH_DERIVATIVE -> input((g, x, a, b) -> {
                Tensor x2 = x.square();
                Tensor s = x.mul(x2.mul(2 * SQRT_2_OVER_PI * 0.044715).add(2 * SQRT_2_OVER_PI)).sigmoid();
                Tensor t = x2.mul(6 * SQRT_2_OVER_PI * 0.044715).add(2 * SQRT_2_OVER_PI);
                Tensor inner = t.mul(2.0).add(x2.mul(12 * SQRT_2_OVER_PI * 0.044715))
                        .add(x.mul(t.square()).mul(s.mul(-2.0).add(1.0)));
                return g.mul(s.mul(s.rsub(1.0)).mul(inner));
            });
            case SOFTPLUS -> input((g, x, a, b) -> g.mul(x.sigmoid()));
            case SILU -> input((g, x, a, b) -> {
                Tensor s = x.sigmoid();
                return g.mul(s.mul(x.mul(s.rsub(1.0)).add(1.0)));
            });
            case ERF -> input((g, x, a, b) -> g.mul(x.square().neg().exp().mul(2.0 / Math.sqrt(Math.PI))));
            // 0 below -3, x/3 + 1/2 on [-3, 3], 1 above: PyTorch's hardswish_backward
            case HARDSWISH -> input((g, x, a, b) -> {
                Tensor above = x.mask(UnaryOp.GT_SCALAR, 3.0);
                Tensor middle = x.mask(UnaryOp.LT_SCALAR, -3.0).add(above).rsub(1.0);
                return g.mul(middle.mul(x.div(3.0).add(0.5)).add(above));
            });
        };
    }

    /** A bool mask as 0/1 in {@code like}'s dtype, for the arithmetic of a gradient. */
    private static Rule nothing(Gradient gradient) {
        return new Rule(Saves.NOTHING, gradient);
    }

    private static Rule input(Gradient gradient) {
        return new Rule(Saves.INPUT, gradient);
    }

    private static Rule output(Gradient gradient) {
        return new Rule(Saves.OUTPUT, gradient);
    }
}
