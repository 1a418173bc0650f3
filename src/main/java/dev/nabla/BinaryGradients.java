package dev.nabla;

import static dev.nabla.BinaryGradients.Saved.LEFT;
import static dev.nabla.BinaryGradients.Saved.OUTPUT;
import static dev.nabla.BinaryGradients.Saved.RIGHT;

import dev.nabla.backend.BinaryOp;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The backward half of every {@link BinaryOp} (whose enum holds the forward formula): for each operand, the
 * tensors its gradient reads and the gradient as a Tensor expression, so it runs on every device and can be
 * differentiated again. The gradient has the broadcast output's shape; {@link Pointwise#sumTo} sums it back to the
 * operand's. A node saves only what the gradients of the operands that need one read. Like PyTorch's
 * derivatives.yaml, one entry per op; the switch is exhaustive, so a new op does not compile without its rule.
 */
final class BinaryGradients {
    /** A tensor the forward can keep for backward. */
    enum Saved {
        /** the left operand {@code a} */ LEFT,
        /** the right operand {@code b} */ RIGHT,
        /** the output {@code y} */ OUTPUT
    }

    /**
     * One operand's gradient from the output's {@code g} and the saved {@code a}, {@code b}, {@code y}: each is
     * null unless the gradient declares that it reads it.
     */
    @FunctionalInterface
    interface Gradient {
        Tensor of(Tensor g, Tensor a, Tensor b, Tensor y);
    }

    /** One operand's backward: what its gradient reads and the gradient. */
    record Partial(Set<Saved> reads, Gradient gradient) {
    }

    /** One op's backward: the partial of each operand. */
    record Rule(Partial left, Partial right) {
        /** True if backward reads {@code t} when only the operands flagged here need a gradient. */
        boolean reads(Saved t, boolean leftNeeded, boolean rightNeeded) {
            return (leftNeeded && left.reads().contains(t)) || (rightNeeded && right.reads().contains(t));
        }
    }

    private static final Rule[] RULES = new Rule[BinaryOp.values().length];

    static {
        for (BinaryOp op : BinaryOp.values()) {
            RULES[op.ordinal()] = define(op);
        }
    }

    private BinaryGradients() {
    }

    /** The rule of {@code op}. */
    static Rule of(BinaryOp op) {
        return RULES[op.ordinal()];
    }

    private static Rule define(BinaryOp op) {
        return switch (op) {
            case ADD -> rule(
                    reads(), (g, a, b, y) -> g,
                    reads(), (g, a, b, y) -> g);
            case SUB -> rule(
                    reads(), (g, a, b, y) -> g,
                    reads(), (g, a, b, y) -> g.neg());
            case MUL -> rule(
                    reads(RIGHT), (g, a, b, y) -> g.mul(b),
                    reads(LEFT), (g, a, b, y) -> g.mul(a));
            case DIV -> rule(
                    reads(RIGHT), (g, a, b, y) -> g.div(b),
                    reads(LEFT, RIGHT), (g, a, b, y) -> g.mul(a).div(b.mul(b)).neg());
            case POW -> rule(
                    reads(LEFT, RIGHT), (g, a, b, y) -> g.mul(b).mul(a.pow(b.sub(1.0))),
                    reads(LEFT, OUTPUT), (g, a, b, y) -> {
                        // d/db a^b = a^b log a; where a == 0 the limit is 0, so log is taken of 1 there.
                        Tensor safeLog = a.add(a.eq(0.0)).log();
                        return g.mul(y).mul(safeLog);
                    });
            // the operand that wins takes the gradient; ties split it evenly (as PyTorch does)
            case MAXIMUM -> rule(
                    reads(LEFT, RIGHT), (g, a, b, y) -> {
                        Tensor half = a.eq(b).mul(0.5);
                        return g.mul(a.gt(b).add(half));
                    },
                    reads(LEFT, RIGHT), (g, a, b, y) -> {
                        Tensor half = a.eq(b).mul(0.5);
                        return g.mul(b.gt(a).add(half));
                    });
            case MINIMUM -> rule(
                    reads(LEFT, RIGHT), (g, a, b, y) -> {
                        Tensor half = a.eq(b).mul(0.5);
                        return g.mul(a.lt(b).add(half));
                    },
                    reads(LEFT, RIGHT), (g, a, b, y) -> {
                        Tensor half = a.eq(b).mul(0.5);
                        return g.mul(b.lt(a).add(half));
                    });
            // flat wherever defined; Tensor's comparisons record no node, their masks carry no gradient
            case EQ, GT, GE, LT, LE -> rule(
                    reads(), (g, a, b, y) -> g.mul(0.0),
                    reads(), (g, a, b, y) -> g.mul(0.0));
        };
    }

    private static Rule rule(Set<Saved> leftReads, Gradient left, Set<Saved> rightReads, Gradient right) {
        return new Rule(new Partial(leftReads, left), new Partial(rightReads, right));
    }

    private static Set<Saved> reads(Saved... tensors) {
        EnumSet<Saved> set = EnumSet.noneOf(Saved.class);
        Collections.addAll(set, tensors);
        return set;
    }
}
