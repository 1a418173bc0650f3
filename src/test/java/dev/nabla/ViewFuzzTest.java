package dev.nabla;

import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded property-based fuzzing of view chains. Each case makes a random tensor (zero sizes included), applies a
 * random chain of views (narrow, slice, select, transpose, permute, t, expand, view, reshape, flatten, unsqueeze,
 * squeeze) with random arguments, a share of them hostile (huge, negative, {@code Long.MAX_VALUE},
 * {@code Long.MIN_VALUE}, {@code Integer.MIN_VALUE}), and checks every step against an independent model: a plain
 * {@code double[]} with shape/strides/offset arithmetic written here, in exact (BigInteger where it matters)
 * arithmetic. A step the model calls invalid must throw exactly {@link IllegalArgumentException},
 * {@link IndexOutOfBoundsException} or {@link IllegalStateException} naming the op; a valid step must succeed and
 * give the model's values (and sum, add_ on a clone, and a write through the view), on {@code Device.CPU} and
 * {@code Device.JAVA} alternately.
 *
 * <p>System properties: {@code nabla.fuzz.cases} (default 600000, 10-30 s on two
 * busy cores), {@code nabla.fuzz.seed}. A failure
 * message names the seed and case, which reproduce it alone.
 */
class ViewFuzzTest {
    private static final long DEFAULT_SEED = 0x5EED_0F_71E3L;
    /** Larger views are checked by shape and count only (materialising them would cost gigabytes). */
    private static final long MATERIALISE_LIMIT = 1 << 12;
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final long[] HOSTILE = {Long.MAX_VALUE, Long.MIN_VALUE, Integer.MIN_VALUE, Integer.MAX_VALUE,
            Long.MAX_VALUE - 1, Long.MIN_VALUE + 1, 1L << 62, 1L << 32, 1L << 31, -(1L << 62), -1, -2, 0, 65536};
    private static final int[] HOSTILE_DIMS = {Integer.MIN_VALUE, Integer.MAX_VALUE, -5, 5, 7, -9};

    /** Counts for the summary line: valid steps, rejected steps, writes through views. */
    private static final long[] STATS = new long[3];

    /** Thrown by the model for a step that must be rejected. */
    private static final class Invalid extends Exception {
        Invalid(String why) {
            super(why, null, false, false);
        }
    }

    /** The reference: a flat base array and a view of it, all arithmetic exact. */
    private record Ref(double[] base, long[] shape, long[] strides, long offset) {
        long numel() {
            long n = 1;
            for (long s : shape) {
                n *= s; // valid shapes only (checked by the model before a Ref is made)
            }
            return n;
        }

        double[] values() {
            int n = (int) numel();
            double[] out = new double[n];
            long[] idx = new long[shape.length];
            for (int k = 0; k < n; k++) {
                long at = offset;
                for (int d = 0; d < shape.length; d++) {
                    at += idx[d] * strides[d];
                }
                out[k] = base[(int) at];
                for (int d = shape.length - 1; d >= 0; d--) {
                    if (++idx[d] < shape[d]) {
                        break;
                    }
                    idx[d] = 0;
                }
            }
            return out;
        }

        void fill(double v) {
            int n = (int) numel();
            long[] idx = new long[shape.length];
            for (int k = 0; k < n; k++) {
                long at = offset;
                for (int d = 0; d < shape.length; d++) {
                    at += idx[d] * strides[d];
                }
                base[(int) at] = v;
                for (int d = shape.length - 1; d >= 0; d--) {
                    if (++idx[d] < shape[d]) {
                        break;
                    }
                    idx[d] = 0;
                }
            }
        }

        /** Row-major over its own sizes (size-1 dimensions ignored), so a reshape is a view of the same base. */
        boolean rowMajor() {
            long step = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (shape[d] != 1 && strides[d] != step) {
                    return false;
                }
                step *= shape[d];
            }
            return true;
        }
    }

    private static BigInteger extent(long[] shape) {
        BigInteger n = BigInteger.ONE;
        for (long s : shape) {
            n = n.multiply(BigInteger.valueOf(Math.max(s, 1)));
        }
        return n;
    }

    private static int dim(long dim, int rank, String op) throws Invalid {
        int r = Math.max(rank, 1);
        if (dim < -r || dim >= r) {
            throw new Invalid(op + ": dim " + dim + " out of range for rank " + rank);
        }
        return (int) (dim < 0 ? dim + r : dim);
    }

    private static long[] remove(long[] a, int i) {
        long[] out = new long[a.length - 1];
        System.arraycopy(a, 0, out, 0, i);
        System.arraycopy(a, i + 1, out, i, a.length - i - 1);
        return out;
    }

    private static long[] insert(long[] a, int i, long v) {
        long[] out = new long[a.length + 1];
        System.arraycopy(a, 0, out, 0, i);
        out[i] = v;
        System.arraycopy(a, i, out, i + 1, a.length - i);
        return out;
    }

    private static long[] rowMajorStrides(long[] shape) {
        long[] st = new long[shape.length];
        long step = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            st[d] = step;
            step *= Math.max(shape[d], 1);
        }
        return st;
    }

    // ------------------------------------------------------------------ one step: model and library side by side

    /** One view op: its model result (or Invalid) and the library call. */
    private interface Step {
        Ref model(Ref r) throws Invalid;

        Tensor apply(Tensor t);

        /** The op names an error message may start with. */
        String[] names();

        /** True if the library may also refuse a valid step with IllegalStateException (view without a copy). */
        default boolean mayNeedCopy() {
            return false;
        }

        /** True if the library result may or may not share memory with its input (reshape/view/flatten). */
        default boolean aliasUnknown(Ref in) {
            return false;
        }
    }

    private static Step narrow(long dim, long start, long length) {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                if (r.shape.length == 0) {
                    throw new Invalid("narrow of 0-d");
                }
                int d = dim(dim, r.shape.length, "narrow");
                long n = r.shape[d];
                if (start < -n || start > n || length < 0) {
                    throw new Invalid("narrow start/length");
                }
                long s = start < 0 ? start + n : start;
                if (BigInteger.valueOf(s).add(BigInteger.valueOf(length)).compareTo(BigInteger.valueOf(n)) > 0) {
                    throw new Invalid("narrow past the end");
                }
                long[] shape = r.shape.clone();
                shape[d] = length;
                return new Ref(r.base, shape, r.strides.clone(), length == 0 ? r.offset
                        : r.offset + s * r.strides[d]);
            }

            public Tensor apply(Tensor t) {
                return t.narrow((int) dim, start, length);
            }

            public String[] names() {
                return new String[] {"narrow"};
            }

            @Override
            public String toString() {
                return "narrow(" + dim + ", " + start + ", " + length + ")";
            }
        };
    }

    private static Step select(long dim, long index) {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                if (r.shape.length == 0) {
                    throw new Invalid("select of 0-d");
                }
                int d = dim(dim, r.shape.length, "select");
                long n = r.shape[d];
                if (index < -n || index >= n) {
                    throw new Invalid("select index");
                }
                long i = index < 0 ? index + n : index;
                return new Ref(r.base, remove(r.shape, d), remove(r.strides, d), r.offset + i * r.strides[d]);
            }

            public Tensor apply(Tensor t) {
                return t.select((int) dim, index);
            }

            public String[] names() {
                return new String[] {"select"};
            }

            @Override
            public String toString() {
                return "select(" + dim + ", " + index + ")";
            }
        };
    }

    private static Step slice(long dim, long start, long end, long step) {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                if (r.shape.length == 0) {
                    throw new Invalid("slice of 0-d");
                }
                int d = dim(dim, r.shape.length, "slice");
                if (step <= 0) {
                    throw new Invalid("slice step");
                }
                BigInteger n = BigInteger.valueOf(r.shape[d]);
                BigInteger s = BigInteger.valueOf(start);
                BigInteger e = BigInteger.valueOf(end);
                if (s.signum() < 0) {
                    s = s.add(n).max(BigInteger.ZERO);
                }
                s = s.min(n);
                if (e.signum() < 0) {
                    e = e.add(n);
                }
                e = e.max(s).min(n);
                BigInteger len = e.subtract(s).add(BigInteger.valueOf(step)).subtract(BigInteger.ONE)
                        .divide(BigInteger.valueOf(step));
                long[] shape = r.shape.clone();
                long[] strides = r.strides.clone();
                shape[d] = len.longValueExact();
                strides[d] = shape[d] > 1 ? r.strides[d] * step : 0; // unused for a size below 2
                return new Ref(r.base, shape, strides, shape[d] == 0 ? r.offset
                        : r.offset + s.longValueExact() * r.strides[d]);
            }

            public Tensor apply(Tensor t) {
                return t.slice((int) dim, start, end, step);
            }

            public String[] names() {
                return new String[] {"slice"};
            }

            @Override
            public String toString() {
                return "slice(" + dim + ", " + start + ", " + end + ", " + step + ")";
            }
        };
    }

    private static Step permute(int[] dims) {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                int rank = r.shape.length;
                if (dims.length != rank) {
                    throw new Invalid("permute length");
                }
                long[] shape = new long[rank];
                long[] strides = new long[rank];
                boolean[] seen = new boolean[rank];
                for (int i = 0; i < rank; i++) {
                    int d = dim(dims[i], rank, "permute");
                    if (seen[d]) {
                        throw new Invalid("permute repeat");
                    }
                    seen[d] = true;
                    shape[i] = r.shape[d];
                    strides[i] = r.strides[d];
                }
                return new Ref(r.base, shape, strides, r.offset);
            }

            public Tensor apply(Tensor t) {
                return t.permute(dims);
            }

            public String[] names() {
                return new String[] {"permute"};
            }

            @Override
            public String toString() {
                return "permute" + Arrays.toString(dims);
            }
        };
    }

    private static Step transpose(int a, int b) {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                int x = dim(a, r.shape.length, "transpose");
                int y = dim(b, r.shape.length, "transpose");
                if (r.shape.length == 0) {
                    return r;
                }
                long[] shape = r.shape.clone();
                long[] strides = r.strides.clone();
                shape[x] = r.shape[y];
                shape[y] = r.shape[x];
                strides[x] = r.strides[y];
                strides[y] = r.strides[x];
                return new Ref(r.base, shape, strides, r.offset);
            }

            public Tensor apply(Tensor t) {
                return t.transpose(a, b);
            }

            public String[] names() {
                return new String[] {"transpose"};
            }

            @Override
            public String toString() {
                return "transpose(" + a + ", " + b + ")";
            }
        };
    }

    private static Step matrixT() {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                if (r.shape.length > 2) {
                    throw new Invalid("t of rank > 2");
                }
                return r.shape.length < 2 ? r : transpose(0, 1).model(r);
            }

            public Tensor apply(Tensor t) {
                return t.t();
            }

            public String[] names() {
                return new String[] {"t"};
            }

            @Override
            public String toString() {
                return "t()";
            }
        };
    }

    private static Step expand(long[] target) {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                int rank = r.shape.length;
                if (target.length < rank) {
                    throw new Invalid("expand to fewer dims");
                }
                int shift = target.length - rank;
                long[] shape = new long[target.length];
                long[] strides = new long[target.length];
                for (int d = 0; d < target.length; d++) {
                    long want = target[d];
                    if (d < shift) {
                        if (want < 0) {
                            throw new Invalid("expand negative leading");
                        }
                        shape[d] = want;
                        continue;
                    }
                    long have = r.shape[d - shift];
                    if (want == -1 || want == have) {
                        shape[d] = have;
                        strides[d] = r.strides[d - shift];
                    } else if (have == 1 && want >= 0) {
                        shape[d] = want;
                    } else {
                        throw new Invalid("expand mismatch");
                    }
                }
                if (extent(shape).compareTo(LONG_MAX) > 0) {
                    throw new Invalid("expand too large");
                }
                return new Ref(r.base, shape, strides, r.offset);
            }

            public Tensor apply(Tensor t) {
                return t.expand(target);
            }

            public String[] names() {
                return new String[] {"expand"};
            }

            @Override
            public String toString() {
                return "expand" + Arrays.toString(target);
            }
        };
    }

    private static Step unsqueeze(int dim) {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                int rank = r.shape.length;
                if (dim < -(rank + 1) || dim > rank) {
                    throw new Invalid("unsqueeze dim");
                }
                int d = dim < 0 ? dim + rank + 1 : dim;
                return new Ref(r.base, insert(r.shape, d, 1), insert(r.strides, d, 0), r.offset);
            }

            public Tensor apply(Tensor t) {
                return t.unsqueeze(dim);
            }

            public String[] names() {
                return new String[] {"unsqueeze"};
            }

            @Override
            public String toString() {
                return "unsqueeze(" + dim + ")";
            }
        };
    }

    private static Step squeeze(Integer dim) {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                if (dim == null) {
                    List<Integer> keep = new ArrayList<>();
                    for (int d = 0; d < r.shape.length; d++) {
                        if (r.shape[d] != 1) {
                            keep.add(d);
                        }
                    }
                    long[] shape = new long[keep.size()];
                    long[] strides = new long[keep.size()];
                    for (int i = 0; i < shape.length; i++) {
                        shape[i] = r.shape[keep.get(i)];
                        strides[i] = r.strides[keep.get(i)];
                    }
                    return new Ref(r.base, shape, strides, r.offset);
                }
                int d = dim(dim, r.shape.length, "squeeze");
                if (r.shape.length == 0 || r.shape[d] != 1) {
                    return r;
                }
                return new Ref(r.base, remove(r.shape, d), remove(r.strides, d), r.offset);
            }

            public Tensor apply(Tensor t) {
                return dim == null ? t.squeeze() : t.squeeze(dim);
            }

            public String[] names() {
                return new String[] {"squeeze"};
            }

            @Override
            public String toString() {
                return "squeeze(" + (dim == null ? "" : dim) + ")";
            }
        };
    }

    /** The model of a reshape to {@code target} (one -1 allowed): a view when row-major, else a copy. */
    private static Ref reshapeModel(Ref r, long[] target) throws Invalid {
        long n = r.numel();
        int infer = -1;
        BigInteger known = BigInteger.ONE;
        for (int d = 0; d < target.length; d++) {
            if (target[d] == -1) {
                if (infer >= 0) {
                    throw new Invalid("two -1");
                }
                infer = d;
            } else if (target[d] < 0) {
                throw new Invalid("negative size");
            } else {
                known = known.multiply(BigInteger.valueOf(target[d]));
            }
        }
        long[] shape = target.clone();
        BigInteger bn = BigInteger.valueOf(n);
        if (infer >= 0) {
            if (known.signum() == 0 || bn.mod(known).signum() != 0) {
                throw new Invalid("cannot infer");
            }
            shape[infer] = bn.divide(known).longValueExact();
        } else if (!known.equals(bn)) {
            throw new Invalid("numel mismatch");
        }
        if (extent(shape).compareTo(LONG_MAX) > 0) {
            throw new Invalid("too large");
        }
        if (r.rowMajor()) {
            return new Ref(r.base, shape, rowMajorStrides(shape), r.offset);
        }
        return new Ref(r.values(), shape, rowMajorStrides(shape), 0);
    }

    private static Step reshape(long[] target, boolean view) {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                return reshapeModel(r, target);
            }

            public Tensor apply(Tensor t) {
                return view ? t.view(target) : t.reshape(target);
            }

            public String[] names() {
                return new String[] {view ? "view" : "reshape"};
            }

            @Override
            public boolean mayNeedCopy() {
                return view;
            }

            @Override
            public boolean aliasUnknown(Ref in) {
                return !in.rowMajor();
            }

            @Override
            public String toString() {
                return (view ? "view" : "reshape") + Arrays.toString(target);
            }
        };
    }

    private static Step flatten(Integer start, Integer end) {
        return new Step() {
            public Ref model(Ref r) throws Invalid {
                int rank = r.shape.length;
                if (start == null) {
                    return reshapeModel(r, new long[] {-1});
                }
                if (rank == 0) {
                    return reshapeModel(r, new long[] {1});
                }
                int s = dim(start, rank, "flatten");
                int e = dim(end, rank, "flatten");
                if (s > e) {
                    throw new Invalid("flatten start after end");
                }
                long[] to = new long[rank - (e - s)];
                int j = 0;
                for (int d = 0; d < rank; d++) {
                    if (d <= s || d > e) {
                        to[j++] = r.shape[d];
                    } else {
                        to[j - 1] *= r.shape[d];
                    }
                }
                return reshapeModel(r, to);
            }

            public Tensor apply(Tensor t) {
                return start == null ? t.flatten() : t.flatten(start, end);
            }

            public String[] names() {
                return new String[] {"flatten", "reshape"};
            }

            @Override
            public boolean aliasUnknown(Ref in) {
                return !in.rowMajor();
            }

            @Override
            public String toString() {
                return "flatten(" + (start == null ? "" : start + ", " + end) + ")";
            }
        };
    }

    // ------------------------------------------------------------------ random generation

    private static long pickLong(SplittableRandom rnd, long typical, boolean hostile) {
        if (hostile) {
            return rnd.nextInt(3) == 0 ? typical + HOSTILE[rnd.nextInt(HOSTILE.length)]
                    : HOSTILE[rnd.nextInt(HOSTILE.length)];
        }
        return typical;
    }

    private static int pickDim(SplittableRandom rnd, int rank, boolean hostile) {
        if (hostile && rnd.nextInt(2) == 0) {
            return HOSTILE_DIMS[rnd.nextInt(HOSTILE_DIMS.length)];
        }
        int r = Math.max(rank, 1);
        return rnd.nextInt(-r - (hostile ? 1 : 0), r + (hostile ? 1 : 0));
    }

    private static Step randomStep(SplittableRandom rnd, Ref r, boolean large) {
        int rank = r.shape.length;
        boolean hostile = rnd.nextInt(4) == 0;
        int kind = rnd.nextInt(large ? 8 : 12); // a large (expanded) view is never reshaped: that would copy it
        int d = pickDim(rnd, rank, hostile);
        long n = rank == 0 ? 1 : r.shape[Math.floorMod(d, rank)];
        long bound = Math.min(n, 1L << 20) + 2;
        switch (kind) {
            case 0: {
                long start = pickLong(rnd, rnd.nextLong(-bound, bound), hostile && rnd.nextBoolean());
                long len = pickLong(rnd, rnd.nextLong(0, bound), hostile);
                return narrow(d, start, len);
            }
            case 1:
                return select(d, pickLong(rnd, rnd.nextLong(-bound, bound), hostile));
            case 2: {
                long start = pickLong(rnd, rnd.nextLong(-bound, bound), hostile && rnd.nextBoolean());
                long end = pickLong(rnd, rnd.nextLong(-bound, bound + 1), hostile && rnd.nextBoolean());
                long step = pickLong(rnd, rnd.nextLong(1, 4), hostile && rnd.nextBoolean());
                return slice(d, start, end, step);
            }
            case 3: {
                int[] perm = new int[hostile && rnd.nextBoolean() ? rnd.nextInt(5) : rank];
                for (int i = 0; i < perm.length; i++) {
                    perm[i] = i;
                }
                for (int i = perm.length - 1; i > 0; i--) {
                    int j = rnd.nextInt(i + 1);
                    int tmp = perm[i];
                    perm[i] = perm[j];
                    perm[j] = tmp;
                }
                if (hostile && perm.length > 0) {
                    perm[rnd.nextInt(perm.length)] = pickDim(rnd, rank, true);
                }
                return permute(perm);
            }
            case 4:
                return rnd.nextInt(4) == 0 ? matrixT() : transpose(d, pickDim(rnd, rank, hostile));
            case 5: {
                int lead = rnd.nextInt(3);
                long[] target = new long[rank + lead];
                for (int i = 0; i < target.length; i++) {
                    long have = i < lead ? 1 : r.shape[i - lead];
                    target[i] = have == 1 ? rnd.nextLong(0, 4) : rnd.nextInt(3) == 0 ? -1 : have;
                    if (hostile && rnd.nextInt(Math.max(target.length, 1)) == 0) {
                        target[i] = pickLong(rnd, have, true);
                    }
                }
                if (hostile && rnd.nextInt(4) == 0 && target.length > 0) {
                    target = Arrays.copyOf(target, target.length - 1);
                }
                return expand(target);
            }
            case 6:
                return unsqueeze(hostile ? pickDim(rnd, rank + 1, true) : rnd.nextInt(-rank - 1, rank + 1));
            case 7:
                return squeeze(rnd.nextBoolean() ? null : d);
            case 8:
            case 9: {
                long[] target = reshapeTarget(rnd, r, hostile);
                return reshape(target, kind == 9);
            }
            default:
                return rnd.nextBoolean() ? flatten(null, null) : flatten(d, pickDim(rnd, rank, hostile));
        }
    }

    /** A target shape with the same element count (factors split, merged, 1s inserted, one -1), or a hostile one. */
    private static long[] reshapeTarget(SplittableRandom rnd, Ref r, boolean hostile) {
        List<Long> f = new ArrayList<>();
        long n = r.numel();
        if (n == 0) {
            f.add(0L);
            for (int i = rnd.nextInt(3); i > 0; i--) {
                f.add((long) rnd.nextInt(4));
            }
        } else {
            long rest = n;
            while (rest > 1 && f.size() < 4) {
                long a = 2;
                List<Long> divisors = new ArrayList<>();
                for (; a <= rest; a++) {
                    if (rest % a == 0) {
                        divisors.add(a);
                    }
                }
                long pick = divisors.get(rnd.nextInt(divisors.size()));
                f.add(pick);
                rest /= pick;
            }
            if (rest > 1) {
                f.set(f.size() - 1, f.get(f.size() - 1) * rest);
            }
        }
        for (int i = rnd.nextInt(3); i > 0; i--) {
            f.add(rnd.nextInt(f.size() + 1), 1L);
        }
        long[] target = f.stream().mapToLong(Long::longValue).toArray();
        if (target.length > 0 && rnd.nextInt(3) == 0) {
            target[rnd.nextInt(target.length)] = -1;
        }
        if (hostile && target.length > 0) {
            target[rnd.nextInt(target.length)] = HOSTILE[rnd.nextInt(HOSTILE.length)];
            if (rnd.nextBoolean()) {
                target = Arrays.copyOf(target, target.length + 1);
                target[target.length - 1] = HOSTILE[rnd.nextInt(HOSTILE.length)];
            }
        }
        return target;
    }

    // ------------------------------------------------------------------ the property

    private static boolean allowedException(RuntimeException e, String[] names) {
        Class<?> c = e.getClass();
        if (c != IllegalArgumentException.class && c != IndexOutOfBoundsException.class
                && c != IllegalStateException.class) {
            return false;
        }
        String m = e.getMessage();
        if (m == null) {
            return false;
        }
        for (String name : names) {
            if (m.startsWith(name + ":")) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("try") // the scope only releases what each case allocates
    private static void runCase(long seed, int index) {
        SplittableRandom rnd = new SplittableRandom(seed ^ (index * 0x9E3779B97F4A7C15L));
        Device device = index % 2 == 0 ? Device.CPU : Device.JAVA;
        DType dtype = rnd.nextInt(3) == 0 ? DType.FLOAT32 : DType.FLOAT64;
        int rank = rnd.nextInt(5);
        long[] shape = new long[rank];
        for (int d = 0; d < rank; d++) {
            shape[d] = rnd.nextInt(8) == 0 ? 0 : rnd.nextInt(1, 6);
        }
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] data = new double[n];
        for (int i = 0; i < n; i++) {
            data[i] = rnd.nextInt(-50, 50);
        }
        List<String> log = new ArrayList<>();
        log.add("base " + Arrays.toString(shape) + " " + dtype + " " + device);
        try (Scope scope = Scope.open()) {
            Tensor base = rank == 0 ? Tensor.scalar(data[0], dtype, device) : Tensor.of(data, dtype, device, shape);
            Ref ref = new Ref(data.clone(), shape, rowMajorStrides(shape), 0);
            Tensor t = base;
            boolean aliased = true; // the model's base is the library's base (no copy on either side)
            int steps = rnd.nextInt(1, 7);
            for (int s = 0; s < steps; s++) {
                boolean large = ref.numel() > MATERIALISE_LIMIT;
                Step step = randomStep(rnd, ref, large);
                log.add(step.toString());
                Ref next;
                try {
                    next = step.model(ref);
                } catch (Invalid why) {
                    next = null;
                    log.add("  model: invalid (" + why.getMessage() + ")");
                }
                Tensor out;
                try {
                    out = step.apply(t);
                } catch (RuntimeException e) {
                    boolean copyRefusal = next != null && step.mayNeedCopy() && e.getClass() == IllegalStateException.class
                            && e.getMessage() != null && e.getMessage().startsWith("view:");
                    if (next != null && !copyRefusal) {
                        throw failure(seed, index, log, "a valid step threw", e);
                    }
                    if (!allowedException(e, step.names())) {
                        throw failure(seed, index, log, "wrong exception type or message", e);
                    }
                    STATS[1]++;
                    continue; // the step did not happen; go on from the same tensor
                }
                if (next == null) {
                    throw failure(seed, index, log, "an invalid step was accepted, giving " + out.describe()
                            + " strides " + Arrays.toString(out.strides()) + " offset " + out.storageOffset(), null);
                }
                if (step.aliasUnknown(ref) || next.base != ref.base) {
                    aliased = false; // the library may have copied where the model did not, or the reverse
                }
                STATS[0]++;
                ref = next;
                t = out;
                check(seed, index, log, t, ref);
            }
            finalOps(seed, index, log, base, t, ref, aliased, rnd);
        } catch (AssertionError e) {
            throw e;
        } catch (RuntimeException e) {
            throw failure(seed, index, log, "unexpected exception", e);
        }
    }

    private static void check(long seed, int index, List<String> log, Tensor t, Ref ref) {
        if (!Arrays.equals(t.shape(), ref.shape)) {
            throw failure(seed, index, log, "shape " + Arrays.toString(t.shape()) + ", model "
                    + Arrays.toString(ref.shape), null);
        }
        if (t.numel() != ref.numel() || t.numel() < 0) {
            throw failure(seed, index, log, "numel " + t.numel() + ", model " + ref.numel(), null);
        }
        if (ref.numel() <= MATERIALISE_LIMIT) {
            double[] got = t.toDoubleArray();
            double[] want = ref.values();
            if (!Arrays.equals(got, want)) {
                throw failure(seed, index, log, "values " + Arrays.toString(got) + ", model "
                        + Arrays.toString(want), null);
            }
        }
    }

    private static void finalOps(long seed, int index, List<String> log, Tensor base, Tensor t, Ref ref,
                                 boolean aliased, SplittableRandom rnd) {
        if (ref.numel() > MATERIALISE_LIMIT) {
            return;
        }
        double[] want = ref.values();
        double sum = 0;
        for (double v : want) {
            sum += v; // small integers: exact in any order
        }
        double got = t.sum().item();
        if (got != sum) {
            throw failure(seed, index, log, "sum " + got + ", model " + sum, null);
        }
        Tensor c = t.clone().add_(3);
        double[] plus = c.toDoubleArray();
        for (int i = 0; i < want.length; i++) {
            if (plus[i] != want[i] + 3) {
                throw failure(seed, index, log, "clone().add_(3) " + Arrays.toString(plus) + ", model "
                        + Arrays.toString(want) + " + 3", null);
            }
        }
        boolean overlaps = false;
        for (int d = 0; d < ref.shape.length; d++) {
            overlaps |= ref.shape[d] > 1 && ref.strides[d] == 0;
        }
        if (aliased && !overlaps && ref.numel() > 0 && rnd.nextBoolean()) {
            log.add("fill_(-99) through the view");
            STATS[2]++;
            t.fill_(-99);
            ref.fill(-99);
            double[] b = base.toDoubleArray();
            if (!Arrays.equals(b, ref.base)) {
                throw failure(seed, index, log, "base after fill_ " + Arrays.toString(b) + ", model "
                        + Arrays.toString(ref.base), null);
            }
        }
    }

    private static AssertionError failure(long seed, int index, List<String> log, String what, Throwable cause) {
        return new AssertionError("view fuzz failure (seed " + seed + ", case " + index + "; rerun with -Dsurefire.extra="
                + "'-Dnabla.fuzz.seed=" + seed + " -Dnabla.fuzz.cases=" + (index + 1) + "'): " + what + "\n  "
                + String.join("\n  ", log) + (cause == null ? "" : "\n  cause: " + cause), cause);
    }

    @Test
    void randomViewChainsMatchTheReferenceOrFailClearly() {
        long seed = Long.getLong("nabla.fuzz.seed", DEFAULT_SEED);
        int cases = Integer.getInteger("nabla.fuzz.cases", 600_000);
        Arrays.fill(STATS, 0);
        long t0 = System.nanoTime();
        for (int i = 0; i < cases; i++) {
            runCase(seed, i);
        }
        System.out.printf("ViewFuzzTest: %d cases (%d valid steps, %d rejected, %d writes through views), seed %d,"
                + " %.1f s%n", cases, STATS[0], STATS[1], STATS[2], seed, (System.nanoTime() - t0) / 1e9);
        if (cases <= 0) {
            fail("nabla.fuzz.cases must be positive");
        }
    }
}
