package dev.nabla;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.UnaryOp;

/**
 * The tensor-level side of the integer and bool element-wise ops: the unary ops that keep an integer dtype
 * ({@link UnaryOp#keepsIntegers}; the rest convert integers to float32, as PyTorch does), the ops that need integer or
 * bool operands, and turning a comparison's 0/1 result into bool. Integer tensors never require gradients, so nothing here is recorded.
 */
final class IntegerPointwise {
    private IntegerPointwise() {
    }

    /** {@code kind(x)} for an integer or bool {@code x}, in its dtype. */
    static Tensor unary(String op, UnaryOp kind, Tensor x) {
        x.checkAlive(op);
        if (x.dtype() == DType.BOOL && kind == UnaryOp.NEG) {
            throw new IllegalArgumentException("Negation, the `-` operator, on a bool tensor is not supported. If "
                    + "you are trying to invert a mask, use bitwiseNot() or logicalNot() instead");
        }
        return Kernels.unary(op, kind, x, 0, 0);
    }

    /**
     * {@code kind(a, b)} over promoted operands; {@code integerOnly} ops (bitwise, shifts) refuse floating dtypes.
     * Floor division and remainder of floating tensors are not differentiable here and refuse operands that require
     * gradients rather than silently dropping them.
     */
    static Tensor binary(String op, BinaryOp kind, Tensor a, Tensor b, boolean integerOnly) {
        Tensor[] p = Promotion.operands(op, a, b);
        DType t = p[0].dtype();
        if (integerOnly && t.isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": not implemented for dtype " + t
                    + " (integer and bool dtypes only); got " + a.describe() + " and " + b.describe());
        }
        if (t == DType.BOOL && (kind == BinaryOp.FLOOR_DIVIDE || kind == BinaryOp.REMAINDER
                || kind == BinaryOp.TRUNC_DIVIDE)) {
            throw new IllegalArgumentException(op + ": not supported for two bool tensors");
        }
        if (Node.needed(p[0], p[1])) {
            throw new UnsupportedOperationException(op + ": not differentiable; detach() the operands first");
        }
        return Kernels.binary(op, kind, p[0], p[1]);
    }

    /** The 0/1 result of a comparison as bool (the same tensor when it already is). */
    static Tensor toBool(Tensor zeroOne) {
        if (zeroOne.dtype() == DType.BOOL) {
            return zeroOne;
        }
        try (Grad off = Grad.disabled()) {
            Tensor b = zeroOne.to(DType.BOOL);
            zeroOne.close();
            return b;
        }
    }

    /** The tensor comparison of a scalar comparison kernel. */
    static BinaryOp binaryOf(UnaryOp kind) {
        return switch (kind) {
            case GT_SCALAR -> BinaryOp.GT;
            case LT_SCALAR -> BinaryOp.LT;
            case EQ_SCALAR -> BinaryOp.EQ;
            default -> throw new IllegalArgumentException(kind + " is not a comparison");
        };
    }
}
