package dev.nabla.backend.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.cpu.CpuBackend;
import dev.nabla.backend.cpu.KernelThreads;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.nativelib.OpenBlas;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link JavaKernels} against {@link ReferenceKernels} on random shapes (rank 0..4, sizes 1 and odd, permuted
 * strides, offsets, zero-stride broadcasts, in place), float32 and float64, scalar and Vector API paths, and
 * threaded ({@link KernelThreads}) on sizes large enough to be split (over {@link JavaKernels#PARALLEL_MIN_WORK}).
 */
class JavaKernelsTest {
    private static final Arena ARENA = Arena.ofAuto();
    private static final ScalarType[] TYPES = {ScalarType.FLOAT32, ScalarType.FLOAT64};
    /** A runner with more threads than this machine may have, so large calls are always split. */
    private static final ChunkRunner FOUR = new ChunkRunner() {
        @Override
        public int threads() {
            return 4;
        }

        @Override
        public void run(int chunks, java.util.function.IntConsumer chunk) {
            KernelThreads.run(chunks, chunk);
        }
    };

    /** A kernel variant: Vector API or not, threads or not. */
    record Variant(String name, boolean vector, ChunkRunner par) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Variant> variants() {
        return List.of(new Variant("scalar", false, null), new Variant("vector", true, null),
                new Variant("scalar-threaded", false, FOUR), new Variant("vector-threaded", true, FOUR));
    }

    // ---------------------------------------------------------------- operands

    /** A buffer with a random layout over it. */
    record Operand(Strided view, long bufferElements) {
    }

    static MemorySegment alloc(ScalarType t, long n) {
        return ARENA.allocate(Math.max(1, n) * t.byteSize(), 64);
    }

    static void put(ScalarType t, MemorySegment s, long i, double v) {
        ReferenceKernels.set(t, s, i, v);
    }

    static double get(ScalarType t, MemorySegment s, long i) {
        return ReferenceKernels.get(t, s, i);
    }

    static long[] randomShape(Random r, int maxRank, long maxNumel) {
        int rank = r.nextInt(maxRank + 1);
        long[] shape = new long[rank];
        long numel = 1;
        for (int d = 0; d < rank; d++) {
            shape[d] = switch (r.nextInt(5)) {
                case 0 -> 1;
                case 1 -> 1 + r.nextInt(3);
                case 2 -> 17 + 2 * r.nextInt(10); // odd, past a vector
                default -> 1 + r.nextInt(40);
            };
            numel *= shape[d];
        }
        return numel > maxNumel ? randomShape(r, maxRank, maxNumel) : shape;
    }

    /**
     * A view of {@code shape}: contiguous, or with permuted strides, an offset, padding between rows, and (if
     * {@code broadcast}) zero strides on some dimensions.
     */
    static Operand layout(Random r, ScalarType t, long[] shape, boolean broadcast, boolean plain) {
        int rank = shape.length;
        long[] strides = new long[rank];
        Integer[] order = new Integer[rank];
        for (int d = 0; d < rank; d++) {
            order[d] = d;
        }
        if (!plain && r.nextBoolean()) {
            java.util.Collections.shuffle(Arrays.asList(order), r);
        }
        long step = 1;
        for (int i = rank - 1; i >= 0; i--) {
            int d = order[i];
            if (broadcast && !plain && r.nextInt(3) == 0) {
                strides[d] = 0;
                continue;
            }
            strides[d] = step;
            step *= shape[d] + (!plain && r.nextInt(4) == 0 ? 2 : 0);
        }
        long offset = plain ? 0 : r.nextInt(5);
        long extent = offset + 1;
        for (int d = 0; d < rank; d++) {
            extent += (shape[d] - 1) * strides[d];
        }
        for (long s : shape) {
            if (s == 0) {
                extent = offset + 1;
            }
        }
        return new Operand(new Strided(alloc(t, extent), offset, shape, strides), extent);
    }

    /** Random values, with some NaN, infinities, signed zeros and repeated small integers sprinkled in. */
    static void randomize(Random r, ScalarType t, Operand o, boolean specials) {
        for (long i = 0; i < o.bufferElements; i++) {
            double v;
            int k = r.nextInt(40);
            if (specials && k == 0) {
                v = Double.NaN;
            } else if (specials && k == 1) {
                v = r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            } else if (k == 2) {
                v = r.nextBoolean() ? 0.0 : -0.0;
            } else if (k < 8) {
                v = r.nextInt(5) - 2;
            } else {
                v = r.nextGaussian() * 3;
            }
            put(t, o.view.data(), i, v);
        }
    }

    static Operand copyOf(ScalarType t, Operand o) {
        MemorySegment s = alloc(t, o.bufferElements);
        MemorySegment.copy(o.view.data(), 0, s, 0, o.bufferElements * t.byteSize());
        return new Operand(new Strided(s, o.view.offset(), o.view.shape(), o.view.strides()), o.bufferElements);
    }

    // ---------------------------------------------------------------- comparisons

    /** A tolerance: {@code |got - want| <= rel * |want| + abs * scale}. */
    record Tol(double rel, double abs) {
        static final Tol EXACT = new Tol(0, 0);

        boolean ok(double got, double want, double scale) {
            if (Double.isNaN(want) || Double.isNaN(got)) {
                return Double.isNaN(want) && Double.isNaN(got);
            }
            if (Double.isInfinite(want) || Double.isInfinite(got)) {
                return got == want || (rel > 0 && Math.abs(got - want) <= rel * Math.abs(want));
            }
            if (rel == 0 && abs == 0) {
                return Double.doubleToLongBits(got) == Double.doubleToLongBits(want) || (got == 0 && want == 0);
            }
            return Math.abs(got - want) <= rel * Math.abs(want) + abs * scale;
        }
    }

    /** Compares the whole buffers (so writes outside the view are caught too). */
    static void assertBuffers(String what, ScalarType t, Operand want, Operand got, Tol tol, double[] scale) {
        for (long i = 0; i < want.bufferElements; i++) {
            double w = get(t, want.view.data(), i);
            double g = get(t, got.view.data(), i);
            double s = scale == null ? 1 : scale[(int) i];
            if (!tol.ok(g, w, s)) {
                fail(what + ": element " + i + " of " + want.view + " is " + g + ", expected " + w
                        + " (scale " + s + ")");
            }
        }
    }

    // ---------------------------------------------------------------- unary

    static Stream<Arguments> unaryCases() {
        List<Arguments> out = new ArrayList<>();
        for (Variant v : variants()) {
            for (ScalarType t : TYPES) {
                for (UnaryOp op : UnaryOp.values()) {
                    out.add(Arguments.of(v, t, op));
                }
            }
        }
        return out.stream();
    }

    static double paramA(UnaryOp op) {
        return switch (op) {
            case CLAMP -> -0.7;
            case POW_SCALAR -> 2.5;
            case LEAKY_RELU -> 0.01;
            case ELU -> 1.3;
            case GT_SCALAR, LT_SCALAR -> 0.1; // not a float: the float32 comparison must still be exact
            case EQ_SCALAR -> 1.0;
            default -> 0.3;
        };
    }

    static Tol unaryTol(ScalarType t, UnaryOp op, boolean vector) {
        boolean approx = vector && switch (op) {
            case EXP, LOG, RSQRT, ELU, SIGMOID, TANH, GELU_TANH, GELU_TANH_DERIVATIVE, SOFTPLUS, SILU, ADD_SCALAR,
                 MUL_SCALAR, RSUB_SCALAR, RDIV_SCALAR, LEAKY_RELU, HARDSWISH -> true;
            default -> false;
        };
        if (!approx) {
            return Tol.EXACT; // scalar loops compute exactly the reference's formula
        }
        return t == ScalarType.FLOAT64 ? new Tol(1e-12, 1e-14) : new Tol(1e-6, 1e-6);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("unaryCases")
    void unaryMatchesReference(Variant v, ScalarType t, UnaryOp op) {
        Random r = new Random(op.ordinal() * 31L + t.ordinal());
        double a = paramA(op);
        double b = 0.9;
        for (int iter = 0; iter < 12; iter++) {
            boolean big = v.par != null && iter % 4 == 0;
            long[] shape = big ? new long[] {3, 90_001 + r.nextInt(3)} : randomShape(r, 4, 4000);
            Operand x = layout(r, t, shape, true, big && iter % 10 == 0);
            randomize(r, t, x, true);
            boolean inPlace = iter % 4 == 3 && !hasZeroStride(x.view);
            Operand out = inPlace ? x : layout(r, t, shape, false, big);
            if (!inPlace) {
                randomize(r, t, out, false);
            }
            Operand wantX = copyOf(t, x);
            Operand want = inPlace ? wantX : copyOf(t, out);
            ReferenceKernels.unary(op, t, wantX.view, want.view, a, b);
            JavaKernels.unary(v.vector, v.par, op, t, x.view, out.view, a, b);
            double[] scale = inputScale(t, wantX, x, want, inPlace);
            assertBuffers(op + " " + t, t, want, out, unaryTol(t, op, v.vector), scale);
        }
    }

    static boolean hasZeroStride(Strided s) {
        for (int d = 0; d < s.rank(); d++) {
            if (s.strides()[d] == 0 && s.shape()[d] > 1) {
                return true;
            }
        }
        return false;
    }

    /** Per output element, max(1, |input|): the absolute part of a transcendental's tolerance. */
    static double[] inputScale(ScalarType t, Operand xBefore, Operand x, Operand out, boolean inPlace) {
        double[] scale = new double[(int) out.bufferElements];
        Arrays.fill(scale, 1);
        long[] xo = ReferenceKernels.offsets(xBefore.view);
        long[] oo = ReferenceKernels.offsets(out.view);
        Operand src = inPlace ? null : x;
        for (int i = 0; i < oo.length; i++) {
            double in = src == null ? Double.NaN : get(t, src.view.data(), xo[i]);
            scale[(int) oo[i]] = Double.isFinite(in) ? Math.max(1, Math.abs(in)) : 1e30;
        }
        return scale;
    }

    @Test
    void unarySemanticsOfSpecialValues() {
        for (Variant v : variants()) {
            for (ScalarType t : TYPES) {
                double[] in = {-0.0, Double.NaN, -1e30, 1e30, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY};
                int n = 40;
                MemorySegment x = alloc(t, n);
                MemorySegment o = alloc(t, n);
                for (int i = 0; i < n; i++) {
                    put(t, x, i, in[i % in.length]);
                }
                Strided xs = Strided.contiguous(x, 0, n);
                Strided os = Strided.contiguous(o, 0, n);
                JavaKernels.unary(v.vector, v.par, UnaryOp.RELU, t, xs, os, 0, 0);
                assertEquals(0.0, get(t, o, 0), v + " relu(-0.0)");
                assertEquals(Double.doubleToLongBits(0.0), Double.doubleToLongBits(get(t, o, 0)),
                        v + " relu(-0.0) sign");
                assertTrue(Double.isNaN(get(t, o, 1)), v + " relu(NaN)");
                assertTrue(Double.isNaN(get(t, o, 7)), v + " relu(NaN) in the vector body");
                for (UnaryOp op : List.of(UnaryOp.SIGMOID, UnaryOp.TANH, UnaryOp.GELU_TANH, UnaryOp.SILU,
                        UnaryOp.SOFTPLUS, UnaryOp.ELU, UnaryOp.EXP, UnaryOp.HARDSWISH)) {
                    MemorySegment want = alloc(t, n);
                    ReferenceKernels.unary(op, t, xs, Strided.contiguous(want, 0, n), 1, 0);
                    JavaKernels.unary(v.vector, v.par, op, t, xs, os, 1, 0);
                    for (int i = 0; i < n; i++) {
                        double w = get(t, want, i);
                        double g = get(t, o, i);
                        assertTrue(new Tol(1e-6, 0).ok(g, w, 1), v + " " + op + "(" + in[i % in.length] + ") = " + g
                                + ", expected " + w);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- binary

    /**
     * Floor and truncating division and remainder divide in the element type first, as PyTorch's float kernels do
     * (float32 160.99999 rounds to 161 before the truncation), where the double reference does not; their float32
     * results are checked against PyTorch in IntegerOpsTest instead.
     */
    private static boolean roundsQuotientFirst(BinaryOp op) {
        return op == BinaryOp.FLOOR_DIVIDE || op == BinaryOp.TRUNC_DIVIDE || op == BinaryOp.REMAINDER;
    }

    static Stream<Arguments> binaryCases() {
        List<Arguments> out = new ArrayList<>();
        for (Variant v : variants()) {
            for (ScalarType t : TYPES) {
                for (BinaryOp op : BinaryOp.values()) {
                    if (op.integersOnly() || (t == ScalarType.FLOAT32 && roundsQuotientFirst(op))) {
                        continue;
                    }
                    out.add(Arguments.of(v, t, op));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("binaryCases")
    void binaryMatchesReference(Variant v, ScalarType t, BinaryOp op) {
        Random r = new Random(op.ordinal() * 17L + t.ordinal());
        for (int iter = 0; iter < 16; iter++) {
            boolean big = v.par != null && iter % 4 == 0;
            long[] shape = big ? new long[] {3 + r.nextInt(2), 90_001} : randomShape(r, 4, 4000);
            Operand x = layout(r, t, shape, true, big && iter % 10 == 0);
            Operand y = layout(r, t, shape, true, false);
            if (iter % 6 == 1 && shape.length > 0) { // a column broadcast: stride 0 on the innermost dimension
                long[] st = y.view.strides().clone();
                st[shape.length - 1] = 0;
                y = new Operand(new Strided(y.view.data(), y.view.offset(), shape, st), y.bufferElements);
            }
            randomize(r, t, x, true);
            randomize(r, t, y, true);
            int mode = iter % 4; // 0: fresh output, 1: out == x, 2: out == y
            Operand out;
            if (mode == 1 && !hasZeroStride(x.view)) {
                out = x;
            } else if (mode == 2 && !hasZeroStride(y.view)) {
                out = y;
            } else {
                out = layout(r, t, shape, false, big);
                randomize(r, t, out, false);
            }
            Operand wx = copyOf(t, x);
            Operand wy = out == y ? copyOf(t, y) : copyOf(t, y);
            Operand want = out == x ? wx : out == y ? wy : copyOf(t, out);
            ReferenceKernels.binary(op, t, wx.view, wy.view, want.view);
            JavaKernels.binary(v.vector, v.par, op, t, x.view, y.view, out.view);
            assertBuffers(op + " " + t + " " + Arrays.toString(shape), t, want, out, Tol.EXACT, null);
        }
    }

    // ---------------------------------------------------------------- fill and copy

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void fillMatchesReference(Variant v) {
        Random r = new Random(5);
        double[] values = {0.0, -0.0, 1.5, Double.NaN, 1e-50, 0.1};
        for (ScalarType t : TYPES) {
            for (int iter = 0; iter < 30; iter++) {
                boolean big = v.par != null && iter % 6 == 0;
                long[] shape = big ? new long[] {300_007} : randomShape(r, 4, 5000);
                Operand d = layout(r, t, shape, false, big);
                randomize(r, t, d, false);
                Operand want = copyOf(t, d);
                double value = values[iter % values.length];
                ReferenceKernels.fill(t, want.view, value);
                JavaKernels.fill(v.vector, v.par, t, d.view, value);
                assertBuffers("fill " + value, t, want, d, Tol.EXACT, null);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void copyMatchesReference(Variant v) {
        Random r = new Random(6);
        for (ScalarType st : TYPES) {
            for (ScalarType dt : TYPES) {
                for (int iter = 0; iter < 20; iter++) {
                    boolean big = v.par != null && iter % 5 == 0;
                    long[] shape = big ? new long[] {9, 30_011} : randomShape(r, 4, 5000);
                    Operand s = layout(r, st, shape, true, big && iter % 10 == 0);
                    Operand d = layout(r, dt, shape, false, big);
                    randomize(r, st, s, true);
                    randomize(r, dt, d, false);
                    Operand want = copyOf(dt, d);
                    ReferenceKernels.copy(st, s.view, dt, want.view);
                    JavaKernels.copy(v.vector, v.par, st, s.view, dt, d.view);
                    assertBuffers("copy " + st + "->" + dt, dt, want, d, Tol.EXACT, null);
                }
            }
        }
    }

    // ---------------------------------------------------------------- reductions

    static Stream<Arguments> reduceCases() {
        List<Arguments> out = new ArrayList<>();
        for (Variant v : variants()) {
            for (ScalarType t : TYPES) {
                for (ReduceOp op : List.of(ReduceOp.SUM, ReduceOp.MEAN, ReduceOp.MAX, ReduceOp.MIN)) {
                    out.add(Arguments.of(v, t, op));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("reduceCases")
    void reduceMatchesReference(Variant v, ScalarType t, ReduceOp op) {
        Random r = new Random(op.ordinal() * 7L + t.ordinal());
        boolean sum = op == ReduceOp.SUM || op == ReduceOp.MEAN;
        for (int iter = 0; iter < (v.par != null ? 14 : 30); iter++) {
            long[] shape = switch (v.par != null ? iter % 7 : 5) {
                case 0 -> new long[] {300_007}; // everything
                case 1 -> new long[] {257, 1_031}; // rows or columns
                case 2 -> new long[] {3, 120_001};
                case 3 -> new long[] {100_001, 3};
                case 4 -> new long[] {13, 101, 97};
                default -> randomShape(r, 4, 6000);
            };
            Operand x = layout(r, t, shape, true, iter % 3 == 0);
            randomize(r, t, x, !sum || iter % 4 == 0);
            long[] outShape = shape.clone();
            for (int d = 0; d < shape.length; d++) {
                if (r.nextBoolean()) {
                    outShape[d] = 1;
                }
            }
            Operand out = layout(r, t, outShape, false, r.nextBoolean());
            randomize(r, t, out, false);
            Operand want = copyOf(t, out);
            ReferenceKernels.reduce(op, t, x.view, want.view);
            JavaKernels.reduce(v.vector, v.par, op, t, x.view, out.view);
            double[] scale = null;
            Tol tol = Tol.EXACT;
            if (sum) {
                // The reference's running sum is itself off by up to n*eps*sum|x| (e.g. on broadcast inputs), so
                // sums are checked against a compensated oracle, to within a bound relative to sum|x|.
                double[][] oracle = compensatedSums(t, x.view, outShape);
                long count = x.view.numel() / Math.max(1, out.view.numel());
                long[] oo = ReferenceKernels.offsets(want.view);
                scale = new double[(int) out.bufferElements];
                for (int i = 0; i < oo.length; i++) {
                    double sv = op == ReduceOp.MEAN ? oracle[0][i] / count : oracle[0][i];
                    put(t, want.view.data(), oo[i], sv);
                    scale[(int) oo[i]] = op == ReduceOp.MEAN ? oracle[1][i] / count : oracle[1][i];
                }
                tol = t == ScalarType.FLOAT64 ? new Tol(1e-15, 1e-12) : new Tol(1e-7, 1e-5);
            }
            assertBuffers(op + " " + Arrays.toString(shape) + " -> " + Arrays.toString(outShape), t, want, out,
                    tol, scale);
        }
    }

    /** Per output slot (row-major): Neumaier-compensated sum of x, and sum of |x|. */
    static double[][] compensatedSums(ScalarType t, Strided x, long[] outShape) {
        int rank = x.rank();
        long[] slotStrides = Strided.contiguousStrides(outShape);
        for (int d = 0; d < rank; d++) {
            if (outShape[d] == 1 && x.shape()[d] != 1) {
                slotStrides[d] = 0;
            }
        }
        int n = (int) new Strided(null, 0, outShape, slotStrides).numel();
        double[] sum = new double[n];
        double[] comp = new double[n];
        double[] abs = new double[n];
        long[] xo = ReferenceKernels.offsets(x);
        long[] so = ReferenceKernels.offsets(x.shape(), slotStrides, 0);
        for (int i = 0; i < xo.length; i++) {
            int k = (int) so[i];
            double v = get(t, x.data(), xo[i]);
            double s = sum[k] + v;
            comp[k] += Math.abs(sum[k]) >= Math.abs(v) ? (sum[k] - s) + v : (v - s) + sum[k];
            sum[k] = s;
            abs[k] += Math.abs(v);
        }
        for (int k = 0; k < n; k++) {
            sum[k] = Double.isFinite(sum[k]) ? sum[k] + comp[k] : sum[k];
        }
        return new double[][] {sum, abs};
    }

    @Test
    void reduceOfNothing() {
        for (Variant v : variants()) {
            MemorySegment x = alloc(ScalarType.FLOAT32, 1);
            MemorySegment o = alloc(ScalarType.FLOAT32, 3);
            Strided xs = new Strided(x, 0, new long[] {3, 0}, new long[] {0, 1});
            Strided os = Strided.contiguous(o, 0, 3, 1);
            JavaKernels.reduce(v.vector, v.par, ReduceOp.SUM, ScalarType.FLOAT32, xs, os);
            assertEquals(0.0, get(ScalarType.FLOAT32, o, 2));
            JavaKernels.reduce(v.vector, v.par, ReduceOp.MEAN, ScalarType.FLOAT32, xs, os);
            assertTrue(Double.isNaN(get(ScalarType.FLOAT32, o, 1)));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void argReduceMatchesReference(Variant v) {
        Random r = new Random(8);
        for (ScalarType t : TYPES) {
            for (ReduceOp op : List.of(ReduceOp.ARGMAX, ReduceOp.ARGMIN)) {
                for (int iter = 0; iter < 40; iter++) {
                    long[] shape = randomShape(r, 4, 5000);
                    if (shape.length == 0) {
                        shape = new long[] {5};
                    }
                    int dim = r.nextInt(shape.length);
                    Operand x = layout(r, t, shape, false, false);
                    randomize(r, t, x, iter % 3 == 0);
                    long[] outShape = shape.clone();
                    outShape[dim] = 1;
                    Operand out = layout(r, ScalarType.INT64, outShape, false, false);
                    Operand want = copyOf(ScalarType.INT64, out);
                    ReferenceKernels.argReduce(op, t, x.view, dim, want.view);
                    JavaKernels.argReduce(op, t, x.view, dim, out.view);
                    assertBuffers(op + " dim " + dim, ScalarType.INT64, want, out, Tol.EXACT, null);
                }
            }
        }
    }

    // ---------------------------------------------------------------- without the Vector API module

    @Test
    void runsWithoutTheVectorModule() throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(javaBin.toString(), "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), NoVectorMain.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        assertTrue(output.contains("no-vector OK"), output);
    }

    /** Run in a JVM without {@code --add-modules jdk.incubator.vector}: every kernel asked for vectors. */
    static final class NoVectorMain {
        public static void main(String[] args) {
            if (VectorSupport.available() || new JavaBackend(true).usesVectorApi()) {
                throw new AssertionError("the Vector API module should be absent");
            }
            int n = 1000;
            for (ScalarType t : TYPES) {
                MemorySegment x = alloc(t, n);
                MemorySegment o = alloc(t, n);
                Strided xs = Strided.contiguous(x, 0, n);
                Strided os = Strided.contiguous(o, 0, n);
                for (ChunkRunner par : java.util.Arrays.asList(null, FOUR)) {
                    JavaKernels.fill(true, par, t, xs, 0.5);
                    JavaKernels.unary(true, par, UnaryOp.EXP, t, xs, os, 0, 0);
                    JavaKernels.binary(true, par, BinaryOp.ADD, t, xs, os, os);
                    JavaKernels.copy(true, par, t, os, t, xs);
                    MemorySegment r = alloc(t, 1);
                    JavaKernels.reduce(true, par, ReduceOp.SUM, t, xs, Strided.contiguous(r, 0, 1));
                    double want = n * (0.5 + Math.exp(0.5));
                    if (Math.abs(get(t, r, 0) - want) > 1e-3 * want) {
                        throw new AssertionError(t + ": sum " + get(t, r, 0) + ", expected " + want);
                    }
                }
            }
            System.out.println("no-vector OK");
        }
    }

    // ---------------------------------------------------------------- threads and the cpu backend

    @Test
    void largeCallsAreSplitAndSmallOnesAreNot() {
        AtomicInteger maxChunks = new AtomicInteger();
        ChunkRunner counting = new ChunkRunner() {
            @Override
            public int threads() {
                return 2;
            }

            @Override
            public void run(int chunks, java.util.function.IntConsumer chunk) {
                maxChunks.accumulateAndGet(chunks, Math::max);
                KernelThreads.run(chunks, chunk);
            }
        };
        ScalarType t = ScalarType.FLOAT32;
        long big = JavaKernels.PARALLEL_MIN_WORK * 2;
        MemorySegment x = alloc(t, big);
        MemorySegment o = alloc(t, big);
        Strided small = Strided.contiguous(x, 0, 1000);
        JavaKernels.binary(true, counting, BinaryOp.ADD, t, small, small, Strided.contiguous(o, 0, 1000));
        JavaKernels.reduce(true, counting, ReduceOp.SUM, t, small, Strided.contiguous(o, 0, 1));
        assertEquals(0, maxChunks.get(), "small calls run on the caller alone");
        Strided xs = Strided.contiguous(x, 0, big);
        JavaKernels.binary(true, counting, BinaryOp.ADD, t, xs, xs, Strided.contiguous(o, 0, big));
        assertTrue(maxChunks.getAndSet(0) > 1, "a large add is split");
        JavaKernels.reduce(true, counting, ReduceOp.SUM, t, xs, Strided.contiguous(o, 0, 1));
        assertTrue(maxChunks.getAndSet(0) > 1, "a large sum is split");
        JavaKernels.unary(false, counting, UnaryOp.EXP, t, Strided.contiguous(x, 0, 20_000),
                Strided.contiguous(o, 0, 20_000), 0, 0);
        assertTrue(maxChunks.getAndSet(0) > 1, "a scalar exp of 20K elements is split");
    }

    @Test
    void kernelThreadsValidatesAndPropagates() {
        int before = KernelThreads.threads();
        assertThrows(IllegalArgumentException.class, () -> KernelThreads.setThreads(0));
        assertThrows(IllegalArgumentException.class, () -> KernelThreads.setThreads(KernelThreads.MAX_THREADS + 1));
        try {
            KernelThreads.setThreads(3);
            AtomicInteger ran = new AtomicInteger();
            KernelThreads.run(50, i -> ran.incrementAndGet());
            assertEquals(50, ran.get());
            var e = assertThrows(IllegalStateException.class, () -> KernelThreads.run(8, i -> {
                if (i == 5) {
                    throw new IllegalStateException("chunk 5");
                }
            }));
            assertEquals("chunk 5", e.getMessage());
            KernelThreads.setThreads(1);
            AtomicInteger serial = new AtomicInteger();
            KernelThreads.run(4, i -> serial.incrementAndGet());
            assertEquals(4, serial.get());
        } finally {
            KernelThreads.setThreads(before);
        }
    }

    @Test
    void kernelThreadsServesConcurrentCallers() throws Exception {
        int before = KernelThreads.threads();
        KernelThreads.setThreads(3);
        try {
            List<Thread> callers = new ArrayList<>();
            AtomicInteger total = new AtomicInteger();
            for (int c = 0; c < 4; c++) {
                Thread th = new Thread(() -> {
                    for (int k = 0; k < 200; k++) {
                        KernelThreads.run(6, i -> total.incrementAndGet());
                    }
                });
                callers.add(th);
                th.start();
            }
            for (Thread th : callers) {
                th.join(30_000);
            }
            assertEquals(4 * 200 * 6, total.get());
        } finally {
            KernelThreads.setThreads(before);
        }
    }

    @Test
    void cpuBackendMatchesReferenceOnLargeOperands() {
        var blas = OpenBlas.load();
        Assumptions.assumeTrue(blas.isPresent(), "OpenBLAS not available");
        CpuBackend cpu = new CpuBackend(blas.get());
        Random r = new Random(9);
        for (ScalarType t : TYPES) {
            long[] shape = {301, 1_001};
            Operand x = layout(r, t, shape, false, true);
            Operand y = layout(r, t, new long[] {1, 1_001}, false, true);
            randomize(r, t, x, false);
            randomize(r, t, y, false);
            Strided yb = new Strided(y.view.data(), 0, shape, new long[] {0, 1}); // a row vector over rows
            Operand out = layout(r, t, shape, false, true);
            Operand want = copyOf(t, out);
            ReferenceKernels.binary(BinaryOp.SUB, t, x.view, yb, want.view);
            cpu.binary(BinaryOp.SUB, t, x.view, yb, out.view);
            assertBuffers("cpu sub", t, want, out, Tol.EXACT, null);
            ReferenceKernels.unary(UnaryOp.TANH, t, x.view, want.view, 0, 0);
            cpu.unary(UnaryOp.TANH, t, x.view, out.view, 0, 0);
            assertBuffers("cpu tanh", t, want, out, unaryTol(t, UnaryOp.TANH, true), null);
            for (long[] os : List.of(new long[] {1, 1}, new long[] {301, 1}, new long[] {1, 1_001})) {
                Operand o = layout(r, t, os, false, true);
                Operand w = copyOf(t, o);
                ReferenceKernels.reduce(ReduceOp.MAX, t, x.view, w.view);
                cpu.reduce(ReduceOp.MAX, t, x.view, o.view);
                assertBuffers("cpu max " + Arrays.toString(os), t, w, o, Tol.EXACT, null);
            }
        }
    }

    @Test
    void cpuGemmMatchesReferenceAcrossThreadChoices() {
        var blas = OpenBlas.load();
        Assumptions.assumeTrue(blas.isPresent(), "OpenBLAS not available");
        CpuBackend cpu = new CpuBackend(blas.get());
        Random r = new Random(10);
        int[][] sizes = {{3, 5, 7}, {10, 300, 200}, {130, 120, 140}, {1, 1, 1}, {64, 10, 64}};
        for (ScalarType t : TYPES) {
            for (int[] s : sizes) {
                for (int batch : new int[] {1, 3}) {
                    int m = s[0], n = s[1], k = s[2];
                    MemorySegment a = alloc(t, (long) batch * m * k);
                    MemorySegment b = alloc(t, (long) k * n);
                    MemorySegment c = alloc(t, (long) batch * m * n);
                    MemorySegment w = alloc(t, (long) batch * m * n);
                    for (long i = 0; i < (long) batch * m * k; i++) put(t, a, i, r.nextGaussian());
                    for (long i = 0; i < (long) k * n; i++) put(t, b, i, r.nextGaussian());
                    cpu.batchedGemm(t, false, true, m, n, k, 1.0, a, 0, k, (long) m * k, b, 0, k, 0, 0.0, c, 0, n,
                            (long) m * n, batch);
                    for (int i = 0; i < batch; i++) {
                        ReferenceKernels.gemm(t, false, true, m, n, k, 1.0, a, (long) i * m * k, k, b, 0, k, 0.0, w,
                                (long) i * m * n, n);
                    }
                    double tol = t == ScalarType.FLOAT32 ? 1e-4 : 1e-11;
                    for (long i = 0; i < (long) batch * m * n; i++) {
                        double d = Math.abs(get(t, c, i) - get(t, w, i));
                        assertTrue(d <= tol * Math.sqrt(k) * 3, "gemm " + Arrays.toString(s) + " batch " + batch
                                + " element " + i + ": " + get(t, c, i) + " vs " + get(t, w, i));
                    }
                }
            }
        }
    }
}
