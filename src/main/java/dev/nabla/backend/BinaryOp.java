package dev.nabla.backend;

/**
 * Element-wise functions of two operands of the same (already broadcast) shape: the table that defines each op's
 * element formula in double precision (the reference every kernel must agree with) and its cost class. Comparisons
 * give 1 or 0.
 *
 * <h2>Adding an op</h2>
 * <ol>
 *   <li>One constant here: its cost class and its formula, {@code (x, y) -> ...}. The pure-Java reference computes
 *       exactly this.</li>
 *   <li>Its backward in {@code dev.nabla.BinaryGradients}: for each operand, what its gradient reads (left, right,
 *       output or nothing) and the gradient as a Tensor expression of the output's shape (the node sums it back to
 *       the operand's). The switch there is exhaustive, so the compiler asks for it.</li>
 *   <li>One scalar loop in {@code $Type$Binary.java.template} (both switches, tensor and scalar {@code y}; they are
 *       exhaustive too), and a vector formula in {@code VectorBinary$Type$.java.template} if one pays (otherwise its
 *       {@code case} does no elements, as {@code POW} does, and the scalar loop runs them all).</li>
 *   <li>One CUDA formula: a {@code case NABLA_BINARY_<NAME>} in {@code native/cuda/nabla_kernels.cu}'s
 *       {@code binary_op} (then {@code make ptx}).</li>
 *   <li>The user-facing method ({@code Tensor}, which reaches the generic autograd node through
 *       {@code Pointwise.Binary.apply}, and {@code F}) and its tests: GradCheck in float64 and a PyTorch fixture
 *       ({@code scripts/make_fixtures.py}).</li>
 * </ol>
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
