package dev.nabla;

/**
 * PyTorch's type promotion for ops with several operands ({@code torch.result_type}): operands with dimensions
 * decide the result's dtype; a 0-dimensional tensor, and below it a Java scalar, counts only when it is of a higher
 * category (bool, then integer, then floating point), so {@code float16 tensor * float64 0-d tensor} stays float16
 * while {@code int32 tensor * 2.5} is float32 (the default floating dtype, as for a Python float).
 */
final class Promotion {
    private Promotion() {
    }

    /** The dtype of a binary op's result over {@code a} and {@code b}. */
    static DType resultType(Tensor a, Tensor b) {
        DType dims = null;
        DType zeroDim = null;
        for (Tensor t : new Tensor[] {a, b}) {
            if (t.dim() == 0) {
                zeroDim = zeroDim == null ? t.dtype() : DType.promoteTypes(zeroDim, t.dtype());
            } else {
                dims = dims == null ? t.dtype() : DType.promoteTypes(dims, t.dtype());
            }
        }
        return combine(dims, zeroDim);
    }

    /** The dtype of {@code t op scalar} for a Java double (a Python float: the default float32 when it wins). */
    static DType resultType(Tensor t, double scalar) {
        return combine(t.dtype(), DType.FLOAT32);
    }

    /** The dtype of {@code t op scalar} for a Java long (a Python int: int64 when it wins). */
    static DType resultType(Tensor t, long scalar) {
        return combine(t.dtype(), DType.INT64);
    }

    /** {@code higher}'s dtype unless {@code lower} is of a higher category (c10's {@code combine_categories}). */
    private static DType combine(DType higher, DType lower) {
        if (higher == null) {
            return lower;
        }
        if (lower == null || higher.isFloatingPoint()) {
            return higher;
        }
        if (higher == DType.BOOL || lower.isFloatingPoint()) {
            return DType.promoteTypes(higher, lower);
        }
        return higher;
    }

    /** {@code a} and {@code b} converted (differentiably) to their result type; the same objects when they match. */
    static Tensor[] operands(String op, Tensor a, Tensor b) {
        if (a == null || b == null) {
            throw new IllegalArgumentException(op + ": operand must not be null");
        }
        a.checkAlive(op);
        b.checkAlive(op);
        if (a.dtype() == b.dtype()) {
            return new Tensor[] {a, b};
        }
        DType t = resultType(a, b);
        return new Tensor[] {a.to(t), b.to(t)};
    }
}
