package dev.nabla;

import java.util.Arrays;

/** Shape arithmetic and the argument checks that name the op in their messages. */
final class Shapes {
    private Shapes() {
    }

    static String str(long[] shape) {
        return Arrays.toString(shape);
    }

    /** Validates a requested shape: no negative sizes. Returns a defensive copy. */
    static long[] check(String op, long[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException(op + ": shape is null");
        }
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] < 0) {
                throw new IllegalArgumentException(op + ": negative size " + shape[d] + " in dimension " + d
                        + " of shape " + str(shape));
            }
        }
        numel(op, shape);
        return shape.clone();
    }

    /** Number of elements, with overflow checked. */
    static long numel(String op, long[] shape) {
        long n = 1;
        try {
            for (long s : shape) {
                n = Math.multiplyExact(n, s);
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(op + ": shape " + str(shape) + " has more than 2^63 - 1 elements");
        }
        return n;
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
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
            return dev.nabla.backend.Strided.contiguousStrides(to);
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
