package dev.nabla.backend;

import dev.nabla.backend.registry.Backends;
import dev.nabla.base.Strided;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.backend.java.JavaBackend;
import dev.nabla.backend.java.ReferenceKernels;
import dev.nabla.base.Elements;
import dev.nabla.base.ScalarType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every backend ({@code cpu}, {@code java} with and without the Vector API) against {@link ReferenceKernels}
 * on seeded random shapes: odd sizes, offsets, permuted / stepped / broadcast (stride 0) operands, both dtypes,
 * and sizes large enough (120k elements, 300k for integer sums, 130x150x120 GEMM) for threaded paths to
 * run.
 *
 * <p>Besides the values, each check verifies that a kernel writes nothing outside its output view: output
 * buffers are pre-filled with a sentinel and every position the view does not cover must still hold it.
 *
 * <p>Tolerances. Exactly rounded operations (+ - * /, sqrt, negation, abs, comparisons, min/max, clamp, relu,
 * copies, conversions) must agree bit for bit. Transcendental functions may be evaluated in the dtype's own
 * precision: {@code 2e-6 |ref| + 1e-6} in float32, {@code 1e-13 |ref| + 1e-14} in float64. Sums of n terms may
 * be reassociated: {@code (n - 1) u sum|x|} (Higham 4.4); GEMM {@code k u sum|a||b|} per output (Higham 3.5).
 */
class BackendAgreementTest {
    private static final double SENTINEL = 1234.5;

    private Arena arena;

    @BeforeEach
    void openArena() {
        arena = Arena.ofShared(); // shared: threaded kernels touch the buffers from worker threads
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    static Stream<Arguments> backendsAndDtypes() {
        List<Arguments> out = new ArrayList<>();
        Backend[] backends = {Backends.cpu(), Backends.java(), new JavaBackend(false)};
        for (Backend b : backends) {
            for (ScalarType t : new ScalarType[] {ScalarType.FLOAT32, ScalarType.FLOAT64}) {
                out.add(Arguments.of(Named.of(b), t));
            }
        }
        return out.stream();
    }

    /** A backend with a readable test name. */
    record Named(Backend backend) {
        static Named of(Backend b) {
            return new Named(b);
        }

        @Override
        public String toString() {
            return backend.name();
        }
    }

    // ------------------------------------------------------------------ operands

    enum Kind { CONTIGUOUS, PERMUTED, STEPPED, BROADCAST }

    /** A buffer and a layout over it. */
    record Operand(ScalarType dtype, MemorySegment data, long offset, long[] shape, long[] strides, long capacity) {
        Strided strided() {
            return new Strided(data, offset, shape, strides);
        }

        long numel() {
            long n = 1;
            for (long s : shape) {
                n *= s;
            }
            return n;
        }

        /** Element index of each logical position, in row-major order. */
        long[] positions() {
            int n = Math.toIntExact(numel());
            long[] out = new long[n];
            long[] idx = new long[shape.length];
            for (int i = 0; i < n; i++) {
                long p = offset;
                for (int d = 0; d < shape.length; d++) {
                    p += idx[d] * strides[d];
                }
                out[i] = p;
                for (int d = shape.length - 1; d >= 0; d--) {
                    if (++idx[d] < shape[d]) {
                        break;
                    }
                    idx[d] = 0;
                }
            }
            return out;
        }

        double get(long index) {
            return Elements.getDouble(dtype, data, index);
        }

        void set(long index, double v) {
            Elements.setDouble(dtype, data, index, v);
        }

        double[] values() {
            long[] p = positions();
            double[] out = new double[p.length];
            for (int i = 0; i < p.length; i++) {
                out[i] = get(p[i]);
            }
            return out;
        }

        /** Same layout over a fresh buffer of the same capacity, filled with {@code fill}. */
        Operand twin(Arena arena, double fill) {
            Operand o = new Operand(dtype, arena.allocate(capacity * dtype.byteSize(), 64), offset, shape, strides,
                    capacity);
            for (long i = 0; i < capacity; i++) {
                o.set(i, fill);
            }
            return o;
        }

        /** Copies the whole buffer (gaps included) from another operand of the same capacity. */
        void copyBufferFrom(Operand other) {
            MemorySegment.copy(other.data, 0, data, 0, capacity * dtype.byteSize());
        }

        /** Fails if any buffer position outside the view no longer holds the sentinel. */
        void assertUntouchedOutside(String what) {
            boolean[] inside = new boolean[Math.toIntExact(capacity)];
            for (long p : positions()) {
                inside[(int) p] = true;
            }
            for (long i = 0; i < capacity; i++) {
                if (!inside[(int) i] && get(i) != (dtype.isIntegral() ? (long) SENTINEL : SENTINEL)) {
                    fail(what + ": wrote " + get(i) + " at element " + i + ", outside the output view " + this);
                }
            }
        }

        @Override
        public String toString() {
            return "[offset " + offset + ", shape " + Arrays.toString(shape) + ", strides " + Arrays.toString(strides)
                    + "]";
        }
    }

    private Operand layout(ScalarType t, long[] shape, Kind kind, SplittableRandom r) {
        int rank = shape.length;
        long offset = r.nextInt(0, 4);
        int[] order = new int[rank];
        for (int i = 0; i < rank; i++) {
            order[i] = i;
        }
        if (kind == Kind.PERMUTED || kind == Kind.BROADCAST) {
            for (int i = rank - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        }
        long[] strides = new long[rank];
        long running = 1;
        for (int j = rank - 1; j >= 0; j--) {
            int d = order[j];
            long step = kind == Kind.STEPPED ? r.nextInt(1, 4) : 1;
            strides[d] = running * step;
            running *= step * Math.max(1, shape[d]);
        }
        if (kind == Kind.BROADCAST) {
            boolean any = false;
            for (int d = 0; d < rank; d++) {
                if (r.nextInt(3) == 0 || (!any && d == rank - 1)) {
                    strides[d] = 0;
                    any = true;
                }
            }
        }
        long capacity = offset + 1;
        for (int d = 0; d < rank; d++) {
            capacity += Math.max(0, shape[d] - 1) * strides[d];
        }
        return new Operand(t, arena.allocate(capacity * t.byteSize(), 64), offset, shape, strides, capacity);
    }

    private static boolean large(long[] shape) {
        return Arrays.stream(shape).reduce(1, (p, q) -> p * q) > 100_000;
    }

    /** An input: a layout whose whole buffer (gaps included) holds values uniform in [lo, hi). */
    private Operand input(ScalarType t, long[] shape, Kind kind, SplittableRandom r, double lo, double hi) {
        if (large(shape) && kind == Kind.STEPPED) {
            kind = Kind.PERMUTED; // keeps large buffers (and the test's time) small
        }
        Operand o = layout(t, shape, kind, r);
        for (long i = 0; i < o.capacity(); i++) {
            o.set(i, lo + (hi - lo) * r.nextDouble());
        }
        return o;
    }

    /** An output layout: never broadcast (outputs may not overlap themselves). */
    private Operand output(ScalarType t, long[] shape, SplittableRandom r) {
        Kind kind = Kind.values()[r.nextInt(large(shape) ? 2 : 3)];
        return layout(t, shape, kind, r).twin(arena, SENTINEL);
    }

    private static long[] randomShape(SplittableRandom r, int maxRank, int maxSize) {
        int rank = r.nextInt(1, maxRank + 1);
        long[] s = new long[rank];
        for (int d = 0; d < rank; d++) {
            s[d] = r.nextInt(1, maxSize + 1);
        }
        return s;
    }

    /** Shapes every check runs on: random small ones plus fixed edge cases and a large one. */
    private static List<long[]> shapes(SplittableRandom r) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            out.add(randomShape(r, 4, 7));
        }
        out.add(new long[] {1});
        out.add(new long[] {0, 3});
        out.add(new long[] {17});      // an odd length: vector body plus tail
        out.add(new long[] {3, 1, 33});
        out.add(new long[] {}); // 0-d
        out.add(new long[] {300, 400}); // 120k elements: above the kernels' 64K threshold for splitting work
        return out;
    }

    // ------------------------------------------------------------------ comparisons

    private static double rtol(ScalarType t) {
        return t == ScalarType.FLOAT32 ? 2e-6 : 1e-13;
    }

    private static double atol(ScalarType t) {
        return t == ScalarType.FLOAT32 ? 1e-6 : 1e-14;
    }

    private static void assertAgree(String what, double[] expected, double[] actual, double rtol, double atol) {
        assertEquals(expected.length, actual.length, what + ": number of elements");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            boolean ok = Double.isNaN(e) ? Double.isNaN(a)
                    : Double.isInfinite(e) || Double.isInfinite(a) ? e == a
                    : Math.abs(a - e) <= atol + rtol * Math.abs(e);
            if (!ok) {
                fail(what + ": element " + i + " is " + a + ", reference " + e + " (allowed "
                        + (atol + rtol * Math.abs(e)) + ")");
            }
        }
    }

    // ------------------------------------------------------------------ unary

    private static final Set<UnaryOp> EXACT_UNARY = EnumSet.of(UnaryOp.NEG, UnaryOp.ABS, UnaryOp.SQRT,
            UnaryOp.SIGN, UnaryOp.SQUARE, UnaryOp.RECIPROCAL, UnaryOp.ADD_SCALAR, UnaryOp.MUL_SCALAR,
            UnaryOp.RSUB_SCALAR, UnaryOp.RDIV_SCALAR, UnaryOp.CLAMP, UnaryOp.RELU, UnaryOp.LEAKY_RELU,
            UnaryOp.GT_SCALAR, UnaryOp.LT_SCALAR, UnaryOp.EQ_SCALAR);

    /** Parameters exactly representable in float32, so that either precision rounds the same result. */
    private static double[] params(UnaryOp op) {
        return switch (op) {
            case POW_SCALAR -> new double[] {2.5, 0};
            case ADD_SCALAR -> new double[] {0.75, 0};
            case MUL_SCALAR -> new double[] {-2.5, 0};
            case RSUB_SCALAR -> new double[] {1.5, 0};
            case RDIV_SCALAR -> new double[] {3, 0};
            case CLAMP -> new double[] {-0.5, 1.25};
            case LEAKY_RELU -> new double[] {0.125, 0};
            case ELU -> new double[] {1.5, 0};
            case GT_SCALAR, LT_SCALAR -> new double[] {0.5, 0};
            case EQ_SCALAR -> new double[] {1, 0};
            default -> new double[] {0, 0};
        };
    }

    private static double[] domain(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RSQRT, POW_SCALAR -> new double[] {0.01, 10};
            case RECIPROCAL, RDIV_SCALAR -> new double[] {0.25, 4};
            case SIGMOID, SILU -> new double[] {-10, 10};
            case SOFTPLUS -> new double[] {-20, 20};
            case EQ_SCALAR -> new double[] {0, 3}; // rounded to integers below, so that x == 1 happens
            default -> new double[] {-5, 5};
        };
    }

    private Operand unaryInput(UnaryOp op, ScalarType t, long[] shape, Kind kind, SplittableRandom r) {
        double[] dom = domain(op);
        Operand x = input(t, shape, kind, r, dom[0], dom[1]);
        if (op == UnaryOp.EQ_SCALAR) {
            for (long i = 0; i < x.capacity(); i++) {
                x.set(i, Math.floor(x.get(i)));
            }
        }
        return x;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void unaryOpsAgreeWithTheReference(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(1);
        for (UnaryOp op : UnaryOp.values()) {
            if (op.integersOnly()) {
                continue; // floating-point kernels only here
            }
            double[] p = params(op);
            for (long[] shape : shapes(r)) {
                Kind kind = Kind.values()[r.nextInt(4)];
                Operand x = unaryInput(op, t, shape, kind, r);
                Operand out = output(t, shape, r);
                Operand ref = out.twin(arena, SENTINEL);
                ReferenceKernels.unary(op, t, x.strided(), ref.strided(), p[0], p[1]);
                b.unary(op, t, x.strided(), out.strided(), p[0], p[1]);
                String what = b.name() + " " + op + " " + t + " of " + kind + " " + x + " into " + out;
                if (EXACT_UNARY.contains(op)) {
                    assertAgree(what, ref.values(), out.values(), 0, 0);
                } else {
                    assertAgree(what, ref.values(), out.values(), rtol(t), atol(t));
                }
                out.assertUntouchedOutside(what);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void unaryOpsInPlaceAgreeWithTheReference(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(2);
        for (UnaryOp op : UnaryOp.values()) {
            if (op.integersOnly()) {
                continue; // floating-point kernels only here
            }
            double[] p = params(op);
            long[] shape = randomShape(r, 3, 40);
            Kind kind = Kind.values()[r.nextInt(3)]; // not broadcast: the output is the input
            Operand x = unaryInput(op, t, shape, kind, r);
            Operand ref = x.twin(arena, 0);
            ref.copyBufferFrom(x);
            ReferenceKernels.unary(op, t, ref.strided(), ref.strided(), p[0], p[1]);
            b.unary(op, t, x.strided(), x.strided(), p[0], p[1]);
            double tol = EXACT_UNARY.contains(op) ? 0 : 1;
            assertAgree(b.name() + " in-place " + op + " " + t, ref.values(), x.values(), tol * rtol(t),
                    tol * atol(t));
        }
    }

    /** NaN, infinities, signed zeros, subnormals and huge values give what the reference gives. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void unaryOpsAgreeOnSpecialValues(Named named, ScalarType t) {
        Backend b = named.backend();
        double[] special = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.0, -0.0, 1e-42,
            -1e-42, 1e-30, 3e38, -3e38, 80, -80, 0.5, -0.5, 1, -1, 2, 20.5, -20.5};
        int n = special.length * 3; // long enough for a vector body
        for (UnaryOp op : UnaryOp.values()) {
            if (op.integersOnly()) {
                continue; // floating-point kernels only here
            }
            double[] p = params(op);
            Operand x = new Operand(t, arena.allocate((long) n * t.byteSize(), 64), 0, new long[] {n},
                    new long[] {1}, n);
            for (int i = 0; i < n; i++) {
                x.set(i, special[i % special.length]);
            }
            Operand out = x.twin(arena, SENTINEL);
            Operand ref = x.twin(arena, SENTINEL);
            ReferenceKernels.unary(op, t, x.strided(), ref.strided(), p[0], p[1]);
            b.unary(op, t, x.strided(), out.strided(), p[0], p[1]);
            double tol = EXACT_UNARY.contains(op) ? 0 : 1;
            assertAgree(b.name() + " " + op + " " + t + " of special values " + Arrays.toString(special),
                    ref.values(), out.values(), tol * rtol(t), tol * atol(t));
        }
    }

    // ------------------------------------------------------------------ binary

    private static final Set<BinaryOp> EXACT_BINARY = EnumSet.complementOf(EnumSet.of(BinaryOp.POW));

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void binaryOpsAgreeWithTheReference(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(3);
        for (BinaryOp op : BinaryOp.values()) {
            if (op.integersOnly() || (t == ScalarType.FLOAT32 && (op == BinaryOp.FLOOR_DIVIDE
                    || op == BinaryOp.TRUNC_DIVIDE || op == BinaryOp.REMAINDER))) {
                continue; // floating-point kernels only; float32 quotients round first (checked in IntegerOpsTest)
            }
            boolean compare = op.isComparison();
            double lo = op == BinaryOp.POW || op == BinaryOp.DIV ? 0.1 : -4;
            for (long[] shape : shapes(r)) {
                Kind kx = Kind.values()[r.nextInt(4)];
                Kind ky = Kind.values()[r.nextInt(4)];
                Operand x = input(t, shape, kx, r, lo, 4);
                Operand y = input(t, shape, ky, r, lo, 4);
                if (compare) { // integers, so that ties are common
                    for (Operand o : new Operand[] {x, y}) {
                        for (long i = 0; i < o.capacity(); i++) {
                            o.set(i, Math.floor(o.get(i)));
                        }
                    }
                }
                Operand out = output(t, shape, r);
                Operand ref = out.twin(arena, SENTINEL);
                ReferenceKernels.binary(op, t, x.strided(), y.strided(), ref.strided());
                b.binary(op, t, x.strided(), y.strided(), out.strided());
                String what = b.name() + " " + op + " " + t + " of " + kx + " " + x + " and " + ky + " " + y
                        + " into " + out;
                double tol = EXACT_BINARY.contains(op) ? 0 : 1;
                assertAgree(what, ref.values(), out.values(), tol * rtol(t), tol * atol(t));
                out.assertUntouchedOutside(what);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void binaryOpsInPlaceAndWithNanAgreeWithTheReference(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(4);
        for (BinaryOp op : BinaryOp.values()) {
            if (op.integersOnly()) {
                continue; // floating-point kernels only here
            }
            long[] shape = {5, 37};
            Operand x = input(t, shape, Kind.STEPPED, r, 0.5, 4);
            Operand y = input(t, shape, Kind.BROADCAST, r, 0.5, 4);
            x.set(x.positions()[3], Double.NaN);
            y.set(y.positions()[40], Double.NaN);
            Operand ref = x.twin(arena, 0);
            ref.copyBufferFrom(x);
            ReferenceKernels.binary(op, t, ref.strided(), y.strided(), ref.strided());
            b.binary(op, t, x.strided(), y.strided(), x.strided()); // out is the very same view as x
            double tol = EXACT_BINARY.contains(op) ? 0 : 1;
            assertAgree(b.name() + " in-place " + op + " " + t, ref.values(), x.values(), tol * rtol(t),
                    tol * atol(t));
        }
    }

    // ------------------------------------------------------------------ reductions

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void reductionsAgreeWithTheReference(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(5);
        double u = t == ScalarType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MEAN, ReduceOp.MAX, ReduceOp.MIN}) {
            for (long[] shape : shapes(r)) {
                for (int trial = 0; trial < 2; trial++) {
                    long[] kept = shape.clone();
                    for (int d = 0; d < shape.length; d++) {
                        if (r.nextBoolean() || (trial == 1 && shape.length == 1)) {
                            kept[d] = 1;
                        }
                    }
                    if ((op == ReduceOp.MAX || op == ReduceOp.MIN) && Arrays.stream(shape).anyMatch(s -> s == 0)) {
                        continue; // the tensor layer rejects extremes of empty sets
                    }
                    Kind kind = Kind.values()[r.nextInt(4)];
                    Operand x = input(t, shape, kind, r, -3, 3);
                    Operand out = output(t, kept, r);
                    Operand ref = out.twin(arena, SENTINEL);
                    ReferenceKernels.reduce(op, t, x.strided(), ref.strided());
                    b.reduce(op, t, x.strided(), out.strided());
                    String what = b.name() + " " + op + " " + t + " of " + kind + " " + x + " into " + out;
                    double[] expected = ref.values();
                    double[] got = out.values();
                    double[] sumAbs = sumAbsPerOutput(x, kept);
                    long count = Math.max(1, x.numel() / Math.max(1, out.numel()));
                    for (int i = 0; i < expected.length; i++) {
                        double tol = switch (op) {
                            case SUM -> (count - 1) * u * sumAbs[i] + u * Math.abs(expected[i]);
                            case MEAN -> (count - 1) * u * sumAbs[i] / count + 2 * u * Math.abs(expected[i]);
                            default -> 0;
                        };
                        assertAgree(what + " output " + i, new double[] {expected[i]}, new double[] {got[i]}, 0,
                                tol);
                    }
                    out.assertUntouchedOutside(what);
                }
            }
        }
    }

    private static double[] sumAbsPerOutput(Operand x, long[] kept) {
        long[] shape = x.shape();
        double[] v = x.values();
        double[] out = new double[Math.toIntExact(Arrays.stream(kept).reduce(1, (p, q) -> p * q))];
        long[] idx = new long[shape.length];
        for (double value : v) {
            long o = 0;
            for (int d = 0; d < shape.length; d++) {
                o = o * kept[d] + (kept[d] == 1 ? 0 : idx[d]);
            }
            out[(int) o] += Math.abs(value);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void sumsOfIntegersAreExactInEveryOrder(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(6);
        long[] shape = {600, 500};
        Operand x = input(t, shape, Kind.PERMUTED, r, -8, 9);
        for (long i = 0; i < x.capacity(); i++) {
            x.set(i, Math.floor(x.get(i))); // |partial sums| <= 8 * 300k < 2^24: exact
        }
        for (long[] kept : new long[][] {{1, 1}, {600, 1}, {1, 500}}) {
            Operand out = output(t, kept, r);
            Operand ref = out.twin(arena, SENTINEL);
            ReferenceKernels.reduce(ReduceOp.SUM, t, x.strided(), ref.strided());
            b.reduce(ReduceOp.SUM, t, x.strided(), out.strided());
            assertAgree(b.name() + " integer SUM to " + Arrays.toString(kept), ref.values(), out.values(), 0, 0);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void extremesPropagateNanLikeTheReference(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(7);
        for (ReduceOp op : new ReduceOp[] {ReduceOp.MAX, ReduceOp.MIN}) {
            for (long[] kept : new long[][] {{1, 1}, {1, 1000}, {7, 1}}) {
                Operand x = input(t, new long[] {7, 1000}, Kind.CONTIGUOUS, r, -3, 3);
                long[] pos = x.positions();
                x.set(pos[r.nextInt(pos.length)], Double.NaN);
                Operand out = output(t, kept, r);
                Operand ref = out.twin(arena, SENTINEL);
                ReferenceKernels.reduce(op, t, x.strided(), ref.strided());
                b.reduce(op, t, x.strided(), out.strided());
                assertAgree(b.name() + " " + op + " with a NaN to " + Arrays.toString(kept), ref.values(),
                        out.values(), 0, 0);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void argReductionsAgreeWithTheReferenceIncludingTiesAndNan(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(8);
        for (ReduceOp op : new ReduceOp[] {ReduceOp.ARGMAX, ReduceOp.ARGMIN}) {
            List<long[]> shapes = new ArrayList<>(shapes(r));
            shapes.removeIf(s -> s.length == 0 || Arrays.stream(s).anyMatch(v -> v == 0));
            for (long[] shape : shapes) {
                int dim = r.nextInt(shape.length);
                long[] kept = shape.clone();
                kept[dim] = 1;
                Kind kind = Kind.values()[r.nextInt(4)];
                Operand x = input(t, shape, kind, r, 0, 5);
                for (long i = 0; i < x.capacity(); i++) {
                    x.set(i, Math.floor(x.get(i))); // ties
                }
                if (r.nextBoolean()) {
                    long[] pos = x.positions();
                    x.set(pos[r.nextInt(pos.length)], Double.NaN);
                }
                Operand out = output(ScalarType.INT64, kept, r);
                Operand ref = out.twin(arena, SENTINEL);
                ReferenceKernels.argReduce(op, t, x.strided(), dim, ref.strided());
                b.argReduce(op, t, x.strided(), dim, out.strided());
                String what = b.name() + " " + op + " dim " + dim + " " + t + " of " + kind + " " + x;
                assertAgree(what, ref.values(), out.values(), 0, 0);
                out.assertUntouchedOutside(what);
            }
        }
    }

    // ------------------------------------------------------------------ copy and fill

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void copiesConvertAndAgreeWithTheReference(Named named, ScalarType dst) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(9);
        for (ScalarType src : new ScalarType[] {ScalarType.FLOAT32, ScalarType.FLOAT64}) {
            for (long[] shape : shapes(r)) {
                Kind kind = Kind.values()[r.nextInt(4)];
                Operand x = input(src, shape, kind, r, -1e3, 1e3);
                Operand out = output(dst, shape, r);
                Operand ref = out.twin(arena, SENTINEL);
                ReferenceKernels.copy(src, x.strided(), dst, ref.strided());
                b.copy(src, x.strided(), dst, out.strided());
                String what = b.name() + " copy " + src + " -> " + dst + " of " + kind + " " + x + " into " + out;
                assertAgree(what, ref.values(), out.values(), 0, 0);
                out.assertUntouchedOutside(what);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void fillSetsEveryElementOfTheViewAndNothingElse(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(10);
        for (long[] shape : shapes(r)) {
            Operand out = output(t, shape, r);
            b.fill(t, out.strided(), 0.1);
            double[] expected = new double[(int) out.numel()];
            Arrays.fill(expected, t == ScalarType.FLOAT32 ? (double) 0.1f : 0.1);
            assertAgree(b.name() + " fill " + out, expected, out.values(), 0, 0);
            out.assertUntouchedOutside(b.name() + " fill " + out);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void hostCopiesMoveBytesAtTheGivenOffsets(Named named, ScalarType t) {
        Backend b = named.backend();
        MemorySegment host = arena.allocate(64);
        MemorySegment dev = arena.allocate(128);
        for (int i = 0; i < 64; i++) {
            host.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        }
        b.copyFromHost(host, dev, 16, 64);
        MemorySegment back = arena.allocate(64);
        b.copyToHost(dev, 16, back, 64);
        assertEquals(-1, host.mismatch(back));
        assertEquals(0, dev.get(ValueLayout.JAVA_BYTE, 15));
    }

    // ------------------------------------------------------------------ GEMM

    /** A row-major matrix of {@code rows x cols} stored with a leading dimension of at least cols. */
    private Operand matrix(ScalarType t, int rows, int cols, int ld, SplittableRandom r) {
        long offset = r.nextInt(0, 3);
        long capacity = offset + (long) Math.max(rows - 1, 0) * ld + cols + 1;
        Operand o = new Operand(t, arena.allocate(capacity * t.byteSize(), 64), offset, new long[] {rows, cols},
                new long[] {ld, 1}, capacity);
        for (long i = 0; i < capacity; i++) {
            o.set(i, r.nextDouble(-1, 1));
        }
        return o;
    }

    private void checkGemm(Backend b, ScalarType t, boolean ta, boolean tb, int m, int n, int k, double alpha,
                           double beta, int batch, boolean shareA, boolean shareB, SplittableRandom r) {
        // stored shapes: A is m x k (k x m when transposed), B is k x n (n x k when transposed)
        int aRows = ta ? k : m;
        int aCols = ta ? m : k;
        int bRows = tb ? n : k;
        int bCols = tb ? k : n;
        int lda = Math.max(1, aCols) + r.nextInt(0, 3);
        int ldb = Math.max(1, bCols) + r.nextInt(0, 3);
        int ldc = Math.max(1, n) + r.nextInt(0, 3);
        long strideA = shareA ? 0 : (long) aRows * lda + r.nextInt(0, 2);
        long strideB = shareB ? 0 : (long) bRows * ldb;
        long strideC = (long) m * ldc + 1;
        Operand a = matrix(t, aRows + (int) ((batch - 1) * strideA / Math.max(lda, 1)) + 1, aCols, lda, r);
        Operand bm = matrix(t, bRows + (int) ((batch - 1) * strideB / Math.max(ldb, 1)) + 1, bCols, ldb, r);
        Operand c = matrix(t, (int) ((batch - 1) * strideC / ldc) + m + 1, n, ldc, r);
        if (beta == 0) {
            for (long i = 0; i < c.capacity(); i++) {
                c.set(i, Double.NaN); // beta == 0: C is not read, NaN must not propagate
            }
        }
        Operand ref = c.twin(arena, 0);
        ref.copyBufferFrom(c);
        Operand original = c.twin(arena, 0);
        original.copyBufferFrom(c);
        for (int q = 0; q < batch; q++) {
            ReferenceKernels.gemm(t, ta, tb, m, n, k, alpha, a.data(), a.offset() + q * strideA, lda, bm.data(),
                    bm.offset() + q * strideB, ldb, beta, ref.data(), c.offset() + q * strideC, ldc);
        }
        if (batch == 1) {
            b.gemm(t, ta, tb, m, n, k, alpha, a.data(), a.offset(), lda, bm.data(), bm.offset(), ldb, beta,
                    c.data(), c.offset(), ldc);
        } else {
            b.batchedGemm(t, ta, tb, m, n, k, alpha, a.data(), a.offset(), lda, strideA, bm.data(), bm.offset(),
                    ldb, strideB, beta, c.data(), c.offset(), ldc, strideC, batch);
        }
        String what = b.name() + (batch > 1 ? " batchedGemm x" + batch : " gemm") + " " + t + " transA=" + ta
                + " transB=" + tb + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha + " beta=" + beta
                + " lda=" + lda + " ldb=" + ldb + " ldc=" + ldc;
        double u = t == ScalarType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        // every element of C's buffer: inside the batch's m x n blocks it must match, elsewhere be unchanged
        for (long i = 0; i < c.capacity(); i++) {
            double e = ref.get(i);
            double g = c.get(i);
            long rel = i - c.offset();
            long q = rel < 0 ? -1 : rel / strideC;
            long inBlock = rel - q * strideC;
            boolean inside = q >= 0 && q < batch && inBlock / ldc < m && inBlock % ldc < n;
            double tol = 0;
            if (inside) {
                int row = (int) (inBlock / ldc);
                int col = (int) (inBlock % ldc);
                double bound = 0;
                for (int p = 0; p < k; p++) {
                    double av = a.get(a.offset() + q * strideA + (ta ? (long) p * lda + row : (long) row * lda + p));
                    double bv = bm.get(bm.offset() + q * strideB + (tb ? (long) col * ldb + p : (long) p * ldb + col));
                    bound += Math.abs(av * bv);
                }
                double old = beta == 0 ? 0 : Math.abs(beta * original.get(i));
                tol = (k + 2) * u * (Math.abs(alpha) * bound + old) + u * Math.abs(e);
            }
            boolean ok = Double.isNaN(e) ? Double.isNaN(g) : Math.abs(g - e) <= tol;
            if (!ok) {
                fail(what + ": element " + i + (inside ? " (inside C)" : " (outside C)") + " is " + g
                        + ", reference " + e + " (allowed " + tol + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void gemmAgreesForEveryTransposeFlagAndOddSizes(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(11);
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {17, 1, 9}, {1, 13, 4}, {33, 31, 29}, {64, 64, 64}, {5, 6, 0},
            {0, 4, 3}, {7, 0, 2}};
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int[] s : sizes) {
                    double alpha = new double[] {1, 0.5, -2}[r.nextInt(3)];
                    double beta = new double[] {0, 1, 0.25}[r.nextInt(3)];
                    checkGemm(b, t, ta, tb, s[0], s[1], s[2], alpha, beta, 1, false, false, r);
                }
                for (int i = 0; i < 4; i++) {
                    checkGemm(b, t, ta, tb, r.nextInt(1, 40), r.nextInt(1, 40), r.nextInt(1, 40), 1, 0, 1, false,
                            false, r);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void largeGemmAgrees(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(12);
        checkGemm(b, t, false, false, 130, 150, 120, 1, 0, 1, false, false, r);
        checkGemm(b, t, true, true, 97, 130, 111, -1, 0.5, 1, false, false, r);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backendsAndDtypes")
    void batchedGemmAgreesIncludingSharedOperands(Named named, ScalarType t) {
        Backend b = named.backend();
        SplittableRandom r = new SplittableRandom(13);
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                checkGemm(b, t, ta, tb, 5, 7, 3, 1, 0, 4, false, false, r);
                checkGemm(b, t, ta, tb, 6, 2, 9, 1, 0, 3, true, false, r);  // stride 0: one A for all
                checkGemm(b, t, ta, tb, 3, 8, 4, 0.5, 1, 3, false, true, r); // one B for all, accumulate
                checkGemm(b, t, ta, tb, 1, 1, 1, 1, 0, 5, false, false, r);
            }
        }
    }
}
