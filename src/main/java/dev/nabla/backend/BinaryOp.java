package dev.nabla.backend;

/** Element-wise functions of two operands of the same (already broadcast) shape. Comparisons give 1 or 0. */
public enum BinaryOp {
    /** {@code a + b} */ ADD,
    /** {@code a - b} */ SUB,
    /** {@code a * b} */ MUL,
    /** {@code a / b} */ DIV,
    /** {@code a^b} */ POW,
    /** the larger; NaN if either is NaN (like {@code torch.maximum}) */ MAXIMUM,
    /** the smaller; NaN if either is NaN */ MINIMUM,
    /** 1 if {@code a == b} */ EQ,
    /** 1 if {@code a > b} */ GT,
    /** 1 if {@code a >= b} */ GE,
    /** 1 if {@code a < b} */ LT,
    /** 1 if {@code a <= b} */ LE
}
