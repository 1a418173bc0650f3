package dev.nabla.backend;

/**
 * Element-wise functions of two operands of the same (already broadcast) shape: the table that defines each op's
 * element formula in double precision (the reference every kernel must agree with) and its cost class. Comparisons
 * give 1 or 0.
 */
public enum BinaryOp {
    /** {@code a + b} */ ADD(ElementCost.ARITHMETIC, (x, y) -> x + y),
    /** {@code a - b} */ SUB(ElementCost.ARITHMETIC, (x, y) -> x - y),
    /** {@code a * b} */ MUL(ElementCost.ARITHMETIC, (x, y) -> x * y),
    /** {@code a / b} */ DIV(ElementCost.DIVISION, (x, y) -> x / y),
    /** {@code a^b} */ POW(ElementCost.POW, Math::pow),
    /** the larger; NaN if either is NaN (like {@code torch.maximum}) */ MAXIMUM(ElementCost.ARITHMETIC, Math::max),
    /** the smaller; NaN if either is NaN */ MINIMUM(ElementCost.ARITHMETIC, Math::min),
    /** 1 if {@code a == b} */ EQ(ElementCost.ARITHMETIC, (x, y) -> x == y ? 1.0 : 0.0),
    /** 1 if {@code a > b} */ GT(ElementCost.ARITHMETIC, (x, y) -> x > y ? 1.0 : 0.0),
    /** 1 if {@code a >= b} */ GE(ElementCost.ARITHMETIC, (x, y) -> x >= y ? 1.0 : 0.0),
    /** 1 if {@code a < b} */ LT(ElementCost.ARITHMETIC, (x, y) -> x < y ? 1.0 : 0.0),
    /** 1 if {@code a <= b} */ LE(ElementCost.ARITHMETIC, (x, y) -> x <= y ? 1.0 : 0.0);

    /** An element formula in double precision. */
    @FunctionalInterface
    public interface Formula {
        /** {@code op(x, y)}. */
        double apply(double x, double y);
    }

    private final ElementCost cost;
    private final Formula formula;

    BinaryOp(ElementCost cost, Formula formula) {
        this.cost = cost;
        this.formula = formula;
    }

    /** The cost class of one element. */
    public ElementCost cost() {
        return cost;
    }

    /** {@code op(x, y)} in double precision. */
    public double apply(double x, double y) {
        return formula.apply(x, y);
    }
}
