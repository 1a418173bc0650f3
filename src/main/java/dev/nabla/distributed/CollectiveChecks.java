package dev.nabla.distributed;

import dev.nabla.DType;
import dev.nabla.Tensor;

/** The argument checks every process group makes before a collective, so that both fail alike. */
final class CollectiveChecks {
    private CollectiveChecks() {
    }

    /** A tensor MPI can read and write in place: open, in host memory, contiguous, with an int-sized count. */
    static void operand(String op, Tensor t) {
        if (t == null) {
            throw new NullPointerException(op + ": tensor is null");
        }
        if (t.isClosed()) {
            throw new IllegalStateException(op + ": " + t.describe() + " was used after it was closed");
        }
        if (!t.device().isHost()) {
            throw new IllegalArgumentException(op + ": " + t.describe() + " is not in host memory; the MPI process"
                    + " group takes CPU tensors (move it with .to(Device.CPU))");
        }
        if (t.numel() > 0 && !t.isContiguous()) { // an empty tensor has no layout to get wrong
            throw new IllegalArgumentException(op + ": " + t.describe() + " is not contiguous; pass x.contiguous()"
                    + " and copy the result back");
        }
        if (t.numel() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": " + t.describe() + " has " + t.numel() + " elements; one MPI"
                    + " call takes at most " + Integer.MAX_VALUE + " (split the tensor)");
        }
    }

    /** {@link ReduceOp#AVG} needs a floating-point dtype. */
    static void reduction(String op, Tensor t, ReduceOp reduce) {
        if (reduce == null) {
            throw new NullPointerException(op + ": op is null");
        }
        if (reduce == ReduceOp.AVG && !t.dtype().isFloatingPoint()) {
            throw new IllegalArgumentException(op + ": AVG needs a floating-point tensor, " + t.describe() + " is "
                    + t.dtype() + " (use SUM and divide)");
        }
    }

    /** All-gather and reduce-scatter: {@code large} has {@code size} times {@code small}'s elements, same dtype. */
    static void blocks(String op, Tensor large, Tensor small, int size, String largeName, String smallName) {
        if (large.dtype() != small.dtype()) {
            throw new IllegalArgumentException(op + ": " + largeName + " " + large.describe() + " and " + smallName
                    + " " + small.describe() + " have different dtypes");
        }
        if (large.numel() != (long) size * small.numel()) {
            throw new IllegalArgumentException(op + ": " + largeName + " " + large.describe() + " must have " + size
                    + " x " + small.numel() + " = " + (long) size * small.numel() + " elements (group size x "
                    + smallName + "), it has " + large.numel());
        }
    }

    /** A broadcast's root must be a rank of the group. */
    static void root(String op, int root, int size) {
        if (root < 0 || root >= size) {
            throw new IllegalArgumentException(op + ": root " + root + " is not a rank of this group of " + size);
        }
    }

    /** True for the dtypes MPI cannot reduce, which go through a float32 copy. */
    static boolean reducesInFloat32(DType dtype) {
        return dtype == DType.BFLOAT16 || dtype == DType.FLOAT16;
    }
}
