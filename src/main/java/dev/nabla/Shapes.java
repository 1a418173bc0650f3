package dev.nabla;

import java.util.Arrays;

/** Shape arithmetic and the argument checks that name the op in their messages. */
final class Shapes {
    private Shapes() {
    }

    static String str(long[] shape) {
        return Arrays.toString(shape);
    }

    /**
     * Validates a requested shape: no negative sizes, and addressable (see {@link #extentOverflows}). Returns a
     * defensive copy.
     */
    static long[] check(String op, long[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException(op + ": shape is null");
        }
        checkSizes(op, shape, null);
        return shape.clone();
    }

    /**
     * Throws {@link IllegalArgumentException} naming {@code op} (and {@code of}, a tensor description, when not
     * null) unless every size is non-negative and the shape is addressable.
     */
    static void checkSizes(String op, long[] shape, String of) {
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) {
                throw new IllegalArgumentException(op + ": negative size " + shape[d] + " in dimension " + d
                        + " of shape " + str(shape) + (of == null ? "" : " for " + of));
            }
        }
        if (extentOverflows(shape)) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + (of == null ? "" : " for " + of)
                    + " is too large: the product of its nonzero sizes exceeds 2^63 - 1 elements");
        }
    }

    /**
     * True if the product of {@code max(size, 1)} over the non-negative sizes of {@code shape} does not fit in a
     * long. Nabla's rule for a valid shape is that this product fits: then the element count and every row-major
     * stride fit too, even for a shape with a zero size.
     */
    static boolean extentOverflows(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s > 1) {
                if (productOverflows(n, s)) {
                    return true;
                }
                n *= s;
            }
        }
        return false;
    }

    /** Number of elements, with overflow checked: an overflow throws {@link IllegalArgumentException}. */
    static long numel(String op, long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s == 0) {
                return 0;
            }
        }
        try {
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " has more than 2^63 - 1 elements");
        }
        return n;
    }

    /**
     * Number of elements of a shape that is already valid (every tensor's shape is checked when the tensor is
     * made); still overflow-checked, so a wrong count can never come back silently.
     */
    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s == 0) {
                return 0;
            }
            if (productOverflows(n, s)) {
                return numel("numel", shape); // an overflow (impossible for a checked shape): throws naming it
            }
            n *= s;
        }
        return n;
    }

    /** True if {@code a * b} of two non-negative longs exceeds {@code Long.MAX_VALUE}. */
    static boolean productOverflows(long a, long b) {
        return Math.multiplyHigh(a, b) != 0 || a * b < 0;
    }

    /** {@code a * b} for non-negative operands, or {@link IllegalArgumentException} naming the op on overflow. */
    static long mul(String op, long a, long b, String what) {
        if (productOverflows(a, b)) {
            throw new IllegalArgumentException(op + ": " + what + " (" + a + " * " + b + ") overflows a long");
        }
        return a * b;
    }

    /** {@code a + b} for non-negative operands, or {@link IllegalArgumentException} naming the op on overflow. */
    static long add(String op, long a, long b, String what) {
        long r = a + b;
        if (r < 0) {
            throw new IllegalArgumentException(op + ": " + what + " (" + a + " + " + b + ") overflows a long");
        }
        return r;
    }

    /**
     * A number of elements as a Java array length, or {@link IllegalStateException} naming the op when the
     * elements cannot fit in one Java array.
     */
    static int arrayLength(String op, long numel, String of) {
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(op + ": " + of + " has " + numel
                    + " elements, more than a Java array can hold");
        }
        return (int) numel;
    }

    /**
     * Like {@link #arrayLength} for a requested shape (an argument, so {@link IllegalArgumentException}): ops that
     * make their values on the heap first.
     */
    static int heapLength(String op, long[] shape) {
        long numel = numel(op, shape);
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " has " + numel
                    + " elements, more than a Java array can hold (the values are made on the heap)");
        }
        return (int) numel;
    }

    /**
     * The safety net under every tensor: throws unless the view ({@code shape}, {@code strides}, {@code offset})
     * lies inside a storage of {@code capacity} elements. Sizes must be valid ({@link #checkSizes}); a view with
     * no elements is always in bounds; otherwise the offset and strides must be non-negative (Nabla has no
     * negative strides) and the last reachable element {@code offset + sum((size - 1) * stride)} must be below
     * {@code capacity}. Overflow-safe, allocation-free, one pass over the dimensions.
     */
    static void checkInBounds(String op, long[] shape, long[] strides, long offset, long capacity, Object source) {
        if (shape.length != strides.length) {
            throw new IllegalStateException(op + ": view of shape " + str(shape) + " has " + strides.length
                    + " strides" + sourceText(source));
        }
        long extent = 1;
        long last = offset;
        boolean empty = false;
        boolean overflow = false;
        boolean negative = offset < 0;
        for (int d = 0; d < shape.length; d++) {
            long s = shape[d];
            long st = strides[d];
            if (s < 0) {
                throw new IllegalArgumentException(op + ": negative size " + s + " in dimension " + d + " of shape "
                        + str(shape) + sourceText(source));
            }
            if (s == 0) {
                empty = true;
            } else if (s > 1) {
                if (productOverflows(extent, s)) {
                    throw new IllegalArgumentException(op + ": shape " + str(shape) + sourceText(source)
                            + " is too large: the product of its nonzero sizes exceeds 2^63 - 1 elements");
                }
                extent *= s;
                long span = (s - 1) * st;
                if (st < 0) {
                    negative = true;
                } else if (productOverflows(s - 1, st) || last + span < 0) {
                    overflow = true;
                } else {
                    last += span;
                }
            } else if (st < 0) {
                negative = true;
            }
        }
        if (empty) {
            return;
        }
        if (negative || overflow || last >= capacity) {
            throw new IndexOutOfBoundsException(op + ": view of shape " + str(shape) + ", strides " + str(strides)
                    + " and offset " + offset + (negative ? " has a negative stride or offset"
                    : overflow ? " reaches beyond 2^63 - 1" : " reaches element " + last)
                    + ", outside the storage of " + capacity + " elements" + sourceText(source));
        }
    }

    private static String sourceText(Object source) {
        return source == null ? "" : " of " + (source instanceof Tensor t ? t.describe() : source);
    }

    /** Normalises a possibly negative dimension index for a tensor of {@code rank} dimensions. */
    static int dim(String op, int dim, int rank) {
        int lo = -Math.max(rank, 1);
        int hi = Math.max(rank, 1) - 1;
        if (dim < lo || dim > hi) {
            throw new IndexOutOfBoundsException(op + ": dimension " + dim + " out of range for a tensor of rank "
                    + rank + " (expected " + lo + ".." + hi + ")");
        }
        return dim < 0 ? dim + Math.max(rank, 1) : dim; // a 0-d tensor accepts -1 and 0, both meaning 0
    }

    /** The broadcast shape of two shapes (NumPy rules), or an exception naming the op and both shapes. */
    static long[] broadcast(String op, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " cannot be broadcast (dimension " + (i - rank) + ": " + da + " vs " + db + ")");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /**
     * Resolves a reshape target with at most one {@code -1} against {@code numel} elements.
     */
    static long[] inferReshape(String op, long[] from, long[] to) {
        long[] out = to.clone();
        int infer = -1;
        long known = 1;
        for (int d = 0; d < out.length; d++) {
            if (out[d] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException(op + ": only one dimension can be -1, got " + str(to));
                }
                infer = d;
            } else if (out[d] < 0) {
                throw new IllegalArgumentException(op + ": invalid size " + out[d] + " in " + str(to));
            } else if (productOverflows(known, out[d])) {
                throw new IllegalArgumentException(op + ": shape " + str(to) + " has more than 2^63 - 1 elements"
                        + " and is invalid for input of shape " + str(from));
            } else {
                known *= out[d];
            }
        }
        long n = numel(from);
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException(op + ": shape " + str(to) + " is invalid for input of shape "
                        + str(from) + " (" + n + " elements)");
            }
            out[infer] = n / known;
        } else if (known != n) {
            throw new IllegalArgumentException(op + ": shape " + str(to) + " is invalid for input of shape "
                    + str(from) + " (" + n + " elements)");
        }
        checkSizes(op, out, "input of shape " + str(from));
        return out;
    }

    /**
     * Strides that view memory of shape {@code from}/{@code strides} as shape {@code to} without copying,
     * or null if impossible (PyTorch's computeStride algorithm: split or merge only runs of dimensions that are
     * contiguous among themselves).
     */
    static long[] viewStrides(long[] from, long[] strides, long[] to) {
        long[] out = new long[to.length];
        if (numel(from) == 0) {
            return dev.nabla.base.Strided.contiguousStrides(to);
        }
        int viewD = to.length - 1;
        long chunkBase = strides.length == 0 ? 1 : strides[strides.length - 1];
        long tensorNumel = 1;
        long viewNumel = 1;
        for (int d = from.length - 1; d >= 0; d--) {
            tensorNumel *= from[d];
            if (d == 0 || (from[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)) {
                while (viewD >= 0 && (viewNumel < tensorNumel || to[viewD] == 1)) {
                    out[viewD] = viewNumel * chunkBase;
                    viewNumel *= to[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) {
                    return null;
                }
                if (d > 0) {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        if (viewD != -1) {
            // remaining size-1 dims (only possible when from is rank 0)
            while (viewD >= 0) {
                if (to[viewD] != 1) {
                    return null;
                }
                out[viewD] = 1;
                viewD--;
            }
        }
        return out;
    }
}
