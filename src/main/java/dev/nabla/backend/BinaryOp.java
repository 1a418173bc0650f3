package dev.nabla.backend;

/**
 * Element-wise functions of two operands of the same (already broadcast) shape: the table that defines each op's
 * element formula in double precision (the reference every kernel must agree with) and its cost class. Comparisons
 * give 1 or 0. The ops after {@link #LE} came with the integer dtypes: their formulas here are the floating-point
 * ones (bitwise ops and shifts have none: the tensor layer gives them integer or bool operands only), and the integer
 * kernels ({@code IntegerElementwise}) compute them exactly in {@code long}.
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
    /** 1 if {@code a <= b} */ LE(ElementCost.ARITHMETIC, (x, y) -> x <= y ? 1.0 : 0.0),
    /** {@code floor(a / b)} (PyTorch's {@code floor_divide}) */
    FLOOR_DIVIDE(ElementCost.DIVISION, ScalarMath::floorDivide),
    /** {@code a / b} rounded toward zero ({@code div(rounding_mode='trunc')}) */
    TRUNC_DIVIDE(ElementCost.DIVISION, (x, y) -> ScalarMath.trunc(x / y)),
    /** {@code a - floor(a / b) * b}, with the sign of {@code b} (Python's {@code %}) */
    REMAINDER(ElementCost.DIVISION, ScalarMath::remainder),
    /** {@code a & b} (integers and bool) */ BITWISE_AND(ElementCost.ARITHMETIC, (x, y) -> (long) x & (long) y),
    /** {@code a | b} (integers and bool) */ BITWISE_OR(ElementCost.ARITHMETIC, (x, y) -> (long) x | (long) y),
    /** {@code a ^ b} (integers and bool) */ BITWISE_XOR(ElementCost.ARITHMETIC, (x, y) -> (long) x ^ (long) y),
    /** {@code a << b}; 0 when {@code b} is negative or not below the bit width (integers) */
    LEFT_SHIFT(ElementCost.ARITHMETIC, (x, y) -> y < 0 || y >= 64 ? 0 : (double) ((long) x << (long) y)),
    /** {@code a >> b} (arithmetic); the sign when {@code b} is negative or not below the bit width (integers) */
    RIGHT_SHIFT(ElementCost.ARITHMETIC, (x, y) -> (double) ((long) x >> (y < 0 || y >= 64 ? 63 : (long) y)));

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

    /** True for EQ, GT, GE, LT and LE (results 1 or 0). */
    public boolean isComparison() {
        return this == EQ || this == GT || this == GE || this == LT || this == LE;
    }

    /** True for the bitwise ops and shifts, which are defined on integers and bool only. */
    public boolean integersOnly() {
        return ordinal() >= BITWISE_AND.ordinal();
    }

    /** {@code op(x, y)} in double precision. */
    public double apply(double x, double y) {
        return formula.apply(x, y);
    }
}
