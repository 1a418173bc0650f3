package dev.nabla;

import java.util.Arrays;

/**
 * Decides whether an in-place write goes through aliased memory, the way ATen's {@code MemoryOverlap.cpp} does, so
 * that in-place ops refuse layouts whose result would depend on the order the kernel visits the elements.
 *
 * <p>Two questions, on layouts given as (offset, shape, strides) in elements of one storage:
 * <ul>
 *   <li>{@link #internal}: does one tensor have two elements at one memory location? {@code YES} for a dimension
 *       of size &gt; 1 with stride 0 (what {@code expand} makes), {@code NO} when the dimensions sorted by stride
 *       each step past everything the smaller ones span, and {@code TOO_HARD} otherwise. In-place ops refuse only
 *       {@code YES}, like PyTorch (which also lets its "too hard" layouts through; Nabla's own views cannot make
 *       one, since only {@code expand} makes strides that repeat memory).</li>
 *   <li>{@link #between}: do a written-to tensor and an input share memory? {@code FULL} when they are the same
 *       view (same offset, shape and strides: element {@code i} of one is element {@code i} of the other, which an
 *       element-wise kernel handles), {@code PARTIAL} when they share some element otherwise, {@code NO} when
 *       they share none. For two dense layouts this is PyTorch's rule (intersecting ranges means shared elements).
 *       For other layouts PyTorch gives up and lets the op run; Nabla decides exactly whenever one of the two
 *       layouts passes the sorted-stride test (always, for its own views), so it refuses layouts such as
 *       {@code a.narrow(1, 0, 2).copy_(a.narrow(1, 1, 2))} that PyTorch runs with an order-dependent result,
 *       and still allows disjoint interleaved or column views ({@code a[0::2]} and {@code a[1::2]}).</li>
 * </ul>
 * Package-private: the in-place ops of {@link Tensor} call the {@code check} methods.
 */
final class MemoryOverlap {
    /** PyTorch's message for a written-to tensor that repeats memory. */
    static final String INTERNAL_MESSAGE = "unsupported operation: more than one element of the written-to tensor "
            + "refers to a single memory location. Please clone() the tensor before performing the operation.";
    /** PyTorch's message for a written-to tensor that partly shares memory with an input. */
    static final String PARTIAL_MESSAGE = "unsupported operation: some elements of the input tensor and the "
            + "written-to tensor refer to a single memory location. Please clone() the tensor before performing "
            + "the operation.";

    /** Answer for one layout: does it map two elements to one location? */
    enum Internal { NO, YES, TOO_HARD }

    /** Answer for two layouts of one storage. */
    enum Between { NO, FULL, PARTIAL, TOO_HARD }

    private MemoryOverlap() {
    }

    // ------------------------------------------------------------------ tensor-level checks

    /**
     * Throws when {@code written} has internal overlap (a stride-0 dimension of size &gt; 1).
     *
     * @throws IllegalArgumentException naming {@code op} and the tensor
     */
    static void checkInternal(String op, Tensor written) {
        if (repeatsMemory(written.rawShape(), written.rawStrides())) { // internal(...) == YES, without sorting
            throw new IllegalArgumentException(op + ": " + written.describe() + " (written to, strides "
                    + Shapes.str(written.rawStrides()) + "): " + INTERNAL_MESSAGE);
        }
    }

    /**
     * Throws when {@code input}, as the op reads it (broadcast to {@code written}'s shape), shares memory with
     * {@code written} without being the same view. {@code allowFull} false also refuses the same view (two tensors
     * that are both written to).
     *
     * @throws IllegalArgumentException naming {@code op} and both tensors
     */
    static void checkPartial(String op, Tensor written, Tensor input, boolean allowFull) {
        if (written.storage() != input.storage()) {
            return;
        }
        long[] shape = written.rawShape();
        Between b;
        if (written.dtype().byteSize() != input.dtype().byteSize()) {
            // no Nabla view reinterprets a dtype; if one ever does, compare byte ranges conservatively
            b = rangesIntersect(written, input) ? Between.PARTIAL : Between.NO;
        } else {
            b = between(written.storageOffset(), shape, written.rawStrides(),
                    input.storageOffset(), shape, broadcastStrides(input.rawShape(), input.rawStrides(), shape));
        }
        if (b == Between.PARTIAL || (b == Between.FULL && !allowFull)) {
            throw new IllegalArgumentException(op + ": " + written.describe() + " (written to) and "
                    + input.describe() + " (input) share memory: " + PARTIAL_MESSAGE);
        }
    }

    private static boolean rangesIntersect(Tensor a, Tensor b) {
        if (a.numel() == 0 || b.numel() == 0) {
            return false;
        }
        long ia = a.dtype().byteSize();
        long ib = b.dtype().byteSize();
        long aBegin = a.storageOffset() * ia;
        long aEnd = (a.storageOffset() + span(a.rawShape(), a.rawStrides())) * ia + ia;
        long bBegin = b.storageOffset() * ib;
        long bEnd = (b.storageOffset() + span(b.rawShape(), b.rawStrides())) * ib + ib;
        return aBegin < bEnd && bBegin < aEnd;
    }

    /** Strides of {@code shape}/{@code strides} broadcast to {@code target} (0 on broadcast dimensions). */
    static long[] broadcastStrides(long[] shape, long[] strides, long[] target) {
        long[] out = new long[target.length];
        int shift = target.length - shape.length;
        for (int d = 0; d < shape.length; d++) {
            out[d + shift] = shape[d] == 1 && target[d + shift] != 1 ? 0 : strides[d];
        }
        return out;
    }

    // ------------------------------------------------------------------ layout-level decisions

    /** Whether the layout maps two of its elements to one location (see the class comment). */
    static Internal internal(long[] shape, long[] strides) {
        if (numel(shape) == 0) {
            return Internal.NO;
        }
        if (repeatsMemory(shape, strides)) {
            return Internal.YES;
        }
        return sortedNonOverlapping(shape, strides) ? Internal.NO : Internal.TOO_HARD;
    }

    /** A dimension of size &gt; 1 with stride 0, in a non-empty layout: {@link #internal} is {@code YES}. */
    private static boolean repeatsMemory(long[] shape, long[] strides) {
        boolean zeroStride = false;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) {
                return false;
            }
            zeroStride |= shape[d] > 1 && strides[d] == 0;
        }
        return zeroStride;
    }

    /**
     * Whether layouts {@code a} and {@code b} of one storage share an element (see the class comment). Both
     * shapes are as the op iterates them (an input already broadcast to the output's shape).
     */
    static Between between(long offA, long[] shapeA, long[] stridesA, long offB, long[] shapeB, long[] stridesB) {
        long nA = numel(shapeA);
        long nB = numel(shapeB);
        if (nA == 0 || nB == 0) {
            return Between.NO;
        }
        if (sameView(offA, shapeA, stridesA, offB, shapeB, stridesB)) {
            return Between.FULL;
        }
        long endA = offA + span(shapeA, stridesA);
        long endB = offB + span(shapeB, stridesB);
        if (endA < offB || endB < offA) {
            return Between.NO; // [offA, endA] and [offB, endB] do not intersect
        }
        boolean boxA = sortedNonOverlapping(shapeA, stridesA);
        boolean boxB = sortedNonOverlapping(shapeB, stridesB);
        if (boxA && boxB && endA - offA + 1 == nA && endB - offB + 1 == nB) {
            return Between.PARTIAL; // both dense: every location of the intersecting ranges is an element
        }
        long g = 0;
        for (int d = 0; d < shapeA.length; d++) {
            g = shapeA[d] > 1 ? gcd(g, Math.abs(stridesA[d])) : g;
        }
        for (int d = 0; d < shapeB.length; d++) {
            g = shapeB[d] > 1 ? gcd(g, Math.abs(stridesB[d])) : g;
        }
        if (g > 1 && Math.floorMod(offA - offB, g) != 0) {
            return Between.NO; // every element of a sits at offA + k*g, of b at offB + k*g
        }
        if (boxB && (!boxA || nA <= nB)) {
            return anyElementIn(offA, shapeA, stridesA, offB, shapeB, stridesB) ? Between.PARTIAL : Between.NO;
        }
        if (boxA) {
            return anyElementIn(offB, shapeB, stridesB, offA, shapeA, stridesA) ? Between.PARTIAL : Between.NO;
        }
        return Between.TOO_HARD;
    }

    private static boolean sameView(long offA, long[] shapeA, long[] stridesA, long offB, long[] shapeB,
                                    long[] stridesB) {
        if (offA != offB || !Arrays.equals(shapeA, shapeB)) {
            return false;
        }
        for (int d = 0; d < shapeA.length; d++) {
            if (shapeA[d] > 1 && stridesA[d] != stridesB[d]) {
                return false; // the stride of a size-1 dimension never moves
            }
        }
        return true;
    }

    /**
     * True when, with the dimensions of size &gt; 1 sorted by stride, each stride exceeds the farthest offset the
     * smaller ones reach: then no two elements share a location, and an offset decomposes into indices greedily.
     */
    static boolean sortedNonOverlapping(long[] shape, long[] strides) {
        int[] dims = sortedDims(shape, strides);
        long reach = 0;
        for (int d : dims) {
            long s = Math.abs(strides[d]);
            if (s <= reach) {
                return false;
            }
            reach += (shape[d] - 1) * s;
        }
        return true;
    }

    /** Dimensions of size &gt; 1, by increasing absolute stride. */
    private static int[] sortedDims(long[] shape, long[] strides) {
        int[] dims = new int[shape.length];
        int n = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] > 1) { // insertion sort: ranks are small
                int i = n++;
                while (i > 0 && Math.abs(strides[dims[i - 1]]) > Math.abs(strides[d])) {
                    dims[i] = dims[i - 1];
                    i--;
                }
                dims[i] = d;
            }
        }
        return Arrays.copyOf(dims, n);
    }

    /**
     * True when some element of layout {@code a} is an element of layout {@code box}, which must pass
     * {@link #sortedNonOverlapping} and have non-negative strides. Visits the elements of {@code a} (stopping at the
     * first shared one): as much work as the op itself, and only for views of one storage that neither the range
     * nor the stride-gcd test tells apart.
     */
    private static boolean anyElementIn(long offA, long[] shapeA, long[] stridesA, long offBox, long[] shapeBox,
                                        long[] stridesBox) {
        int[] asc = sortedDims(shapeBox, stridesBox);
        long[] boxSizes = new long[asc.length];
        long[] boxStrides = new long[asc.length];
        for (int i = 0; i < asc.length; i++) { // largest stride first, for the greedy decomposition
            boxSizes[i] = shapeBox[asc[asc.length - 1 - i]];
            boxStrides[i] = stridesBox[asc[asc.length - 1 - i]];
        }
        for (long s : boxStrides) {
            if (s < 0) {
                return true; // not produced by Nabla's views; be conservative
            }
        }
        int rank = shapeA.length;
        long[] index = new long[rank];
        long n = numel(shapeA);
        long at = offA;
        for (long k = 0; k < n; k++) {
            if (contains(at - offBox, boxSizes, boxStrides)) {
                return true;
            }
            for (int d = rank - 1; d >= 0; d--) { // odometer step, innermost dimension first
                if (++index[d] < shapeA[d]) {
                    at += stridesA[d];
                    break;
                }
                at -= (index[d] - 1) * stridesA[d];
                index[d] = 0;
            }
        }
        return false;
    }

    private static boolean contains(long r, long[] sizes, long[] strides) {
        if (r < 0) {
            return false;
        }
        for (int i = 0; i < sizes.length; i++) {
            long idx = r / strides[i];
            if (idx >= sizes[i]) {
                return false;
            }
            r -= idx * strides[i];
        }
        return r == 0;
    }

    /** The farthest offset (from the first element) an element of the layout reaches; strides are non-negative. */
    private static long span(long[] shape, long[] strides) {
        long s = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] > 1) {
                s += (shape[d] - 1) * Math.abs(strides[d]);
            }
        }
        return s;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
