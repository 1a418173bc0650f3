package dev.nabla;

import static dev.nabla.TestSupport.assertClose;
import static dev.nabla.TestSupport.assertExact;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every public element-wise Tensor op against a per-element computation with {@link Math}, on both host devices
 * and both dtypes, over contiguous, transposed, stepped, expanded, empty and one-element operands.
 *
 * <p>Tolerances. The reference runs in double on the dtype-rounded inputs and is rounded to the dtype.
 * Correctly rounded operations (+, -, *, /, sqrt, negation, abs, comparisons, max/min, clamp, relu) must match
 * exactly: computing them in double and rounding to float gives the correctly rounded float result (double
 * rounding is innocuous for these when 53 >= 2*24 + 2). Transcendental functions may be computed in the dtype's
 * own precision by a vectorised kernel, so they get {@code 1e-13 |ref| + 1e-14} in float64 (a few hundred ulp
 * of slack on the ~1 ulp of a good libm) and {@code 2e-6 |ref| + 1e-6} in float32 (~16 ulp, plus an absolute
 * term for results near 0 that come from cancellation, e.g. gelu(x) = x (1 + erf(x/sqrt2)) / 2 for negative x).
 */
class ElementwiseTest extends ScopedTest {

    static Stream<Arguments> devicesAndDtypes() {
        return TestSupport.devicesAndDtypes();
    }

    private static double rtol(DType t) {
        return t == DType.FLOAT32 ? 2e-6 : 1e-13;
    }

    private static double atol(DType t) {
        return t == DType.FLOAT32 ? 1e-6 : 1e-14;
    }

    /** A tensor and its logical row-major values. */
    record Operand(String layout, Tensor tensor, double[] values) {
    }

    /**
     * The same op input in several memory layouts: values uniform in [lo, hi) (rounded to the dtype) laid out
     * contiguous, transposed, sliced with a step, expanded, plus empty, one-element and 0-d tensors.
     */
    static List<Operand> layouts(DType t, Device d, long seed, double lo, double hi) {
        List<Operand> out = new ArrayList<>();
        double[] c = TestSupport.random(seed, 15, lo, hi, t);
        out.add(new Operand("contiguous [3, 5]", Tensor.of(c, t, d, 3, 5), c));
        double[] tb = TestSupport.random(seed + 1, 15, lo, hi, t);
        out.add(new Operand("transposed [5, 3].t()", Tensor.of(tb, t, d, 5, 3).t(),
                TestSupport.permute(tb, new long[] {5, 3}, 1, 0)));
        double[] sb = TestSupport.random(seed + 2, 30, lo, hi, t);
        double[] sv = new double[15];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 5; j++) {
                sv[i * 5 + j] = sb[i * 10 + 1 + 2 * j];
            }
        }
        out.add(new Operand("stepped [3, 10].slice(1, 1, 10, 2)", Tensor.of(sb, t, d, 3, 10).slice(1, 1, 10, 2),
                sv));
        double[] eb = TestSupport.random(seed + 3, 3, lo, hi, t);
        out.add(new Operand("expanded [3, 1] -> [3, 5]", Tensor.of(eb, t, d, 3, 1).expand(3, 5),
                TestSupport.broadcast(eb, new long[] {3, 1}, new long[] {3, 5})));
        out.add(new Operand("empty [0]", Tensor.zeros(t, d, 0), new double[0]));
        out.add(new Operand("empty [2, 0]", Tensor.zeros(t, d, 2, 0), new double[0]));
        double[] one = TestSupport.random(seed + 4, 1, lo, hi, t);
        out.add(new Operand("one element [1, 1]", Tensor.of(one, t, d, 1, 1), one));
        out.add(new Operand("0-d", Tensor.scalar(one[0], t, d), one));
        return out;
    }

    record UnaryCase(String name, UnaryOperator<Tensor> op, DoubleUnaryOperator ref, double lo, double hi,
                     boolean exact) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    static List<UnaryCase> unaryCases() {
        List<UnaryCase> c = new ArrayList<>();
        c.add(new UnaryCase("neg", Tensor::neg, x -> -x, -4, 4, true));
        c.add(new UnaryCase("exp", Tensor::exp, Math::exp, -4, 4, false));
        c.add(new UnaryCase("log", Tensor::log, Math::log, 0.01, 10, false));
        c.add(new UnaryCase("sqrt", Tensor::sqrt, Math::sqrt, 0, 10, true));
        c.add(new UnaryCase("rsqrt", Tensor::rsqrt, x -> 1 / Math.sqrt(x), 0.01, 10, false));
        c.add(new UnaryCase("abs", Tensor::abs, Math::abs, -4, 4, true));
        c.add(new UnaryCase("sign", Tensor::sign, Math::signum, -4, 4, true));
        c.add(new UnaryCase("square", Tensor::square, x -> x * x, -4, 4, true));
        c.add(new UnaryCase("reciprocal", Tensor::reciprocal, x -> 1 / x, 0.25, 4, true));
        c.add(new UnaryCase("clamp(-0.5, 1.25)", x -> x.clamp(-0.5, 1.25), x -> Math.min(Math.max(x, -0.5), 1.25),
                -4, 4, true));
        c.add(new UnaryCase("relu", Tensor::relu, x -> Math.max(x, 0), -4, 4, true));
        c.add(new UnaryCase("leakyRelu(0.125)", x -> x.leakyRelu(0.125), x -> x >= 0 ? x : 0.125 * x, -4, 4,
                true));
        c.add(new UnaryCase("leakyRelu(0.1)", x -> x.leakyRelu(0.1), x -> x >= 0 ? x : 0.1 * x, -4, 4, false));
        c.add(new UnaryCase("elu(1.5)", x -> x.elu(1.5), x -> x > 0 ? x : 1.5 * Math.expm1(x), -4, 4, false));
        c.add(new UnaryCase("sigmoid", Tensor::sigmoid, x -> 1 / (1 + Math.exp(-x)), -8, 8, false));
        c.add(new UnaryCase("tanh", Tensor::tanh, Math::tanh, -4, 4, false));
        c.add(new UnaryCase("gelu", Tensor::gelu, x -> 0.5 * x * (1 + TestSupport.erf(x / Math.sqrt(2))), -4, 4,
                false));
        c.add(new UnaryCase("geluTanh", Tensor::geluTanh,
                x -> 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))), -4, 4, false));
        c.add(new UnaryCase("softplus", Tensor::softplus, x -> Math.log1p(Math.exp(x)), -10, 10, false));
        c.add(new UnaryCase("silu", Tensor::silu, x -> x / (1 + Math.exp(-x)), -8, 8, false));
        c.add(new UnaryCase("hardswish", Tensor::hardswish, x -> x * (Math.min(Math.max(x + 3, 0), 6) / 6), -5, 5,
                false));
        c.add(new UnaryCase("mish", Tensor::mish, x -> x * Math.tanh(Math.log1p(Math.exp(x))), -8, 8, false));
        c.add(new UnaryCase("erf", Tensor::erf, TestSupport::erf, -4, 4, false));
        c.add(new UnaryCase("add(0.75)", x -> x.add(0.75), x -> x + 0.75, -4, 4, true));
        c.add(new UnaryCase("sub(0.75)", x -> x.sub(0.75), x -> x - 0.75, -4, 4, true));
        c.add(new UnaryCase("mul(-2.5)", x -> x.mul(-2.5), x -> x * -2.5, -4, 4, true));
        c.add(new UnaryCase("div(4)", x -> x.div(4), x -> x / 4, -4, 4, true));
        c.add(new UnaryCase("pow(2.5)", x -> x.pow(2.5), x -> Math.pow(x, 2.5), 0, 4, false));
        c.add(new UnaryCase("pow(3)", x -> x.pow(3), x -> x * x * x, -4, 4, false));
        c.add(new UnaryCase("gt(0.5)", x -> x.gt(0.5), x -> x > 0.5 ? 1 : 0, -1, 1, true));
        c.add(new UnaryCase("lt(0.5)", x -> x.lt(0.5), x -> x < 0.5 ? 1 : 0, -1, 1, true));
        c.add(new UnaryCase("rsub(1.5)", x -> x.rsub(1.5), x -> 1.5 - x, -4, 4, true));
        return c;
    }

    static Stream<Arguments> unaryCasesOnDevices() {
        List<Arguments> out = new ArrayList<>();
        for (UnaryCase u : unaryCases()) {
            for (Device d : Device.values()) {
                for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                    out.add(Arguments.of(u, d, t));
                }
            }
        }
        return out.stream();
    }

    private static double[] apply(DoubleUnaryOperator f, double[] x, DType t) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = TestSupport.round(t, f.applyAsDouble(x[i]));
        }
        return out;
    }

    @ParameterizedTest(name = "{0} on {1} {2}")
    @MethodSource("unaryCasesOnDevices")
    void unaryOpMatchesMathOnEveryLayout(UnaryCase u, Device device, DType dtype) {
        for (Operand x : layouts(dtype, device, 17, u.lo(), u.hi())) {
            Tensor y = u.op().apply(x.tensor());
            String what = u.name() + " of " + x.layout() + " " + dtype + " " + device;
            assertArrayEquals(x.tensor().shape(), y.shape(), what + ": shape");
            // comparisons give bool, like torch
            assertEquals(u.name().matches("(gt|lt|eq)\\(.*") ? DType.BOOL : dtype, y.dtype(), what);
            assertEquals(device, y.device(), what);
            double[] expected = apply(u.ref(), x.values(), dtype);
            if (u.exact()) {
                assertExact(what, expected, y.toDoubleArray());
            } else {
                assertClose(what, expected, y.toDoubleArray(), rtol(dtype), atol(dtype));
            }
        }
    }

    /** 7 / 10 is 0.7 in IEEE double, but 7 * (1 / 10) is 0.7000000000000001: division must divide. */
    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void divisionByAScalarIsCorrectlyRounded(Device device, DType dtype) {
        double[] x = {7, 1, 3, 0.3, -9, 1e-3};
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = TestSupport.round(dtype, x[i]);
            expected[i] = TestSupport.round(dtype, x[i] / 10);
        }
        assertExact("div(10)", expected, Tensor.of(x, dtype, device).div(10).toDoubleArray());
    }

    /**
     * Comparing with a scalar compares with the scalar converted to the tensor's dtype, as PyTorch does:
     * {@code torch.tensor([0.7]) == 0.7} is True although 0.7f != 0.7 in double.
     */
    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void comparisonWithAScalarUsesTheScalarInTheTensorsDtype(Device device, DType dtype) {
        Tensor x = Tensor.of(new double[] {0.7, 0.1, 0.2}, dtype, device);
        assertExact("eq", new double[] {1, 0, 0}, x.eq(0.7).toDoubleArray());
        assertExact("gt", new double[] {0, 0, 0}, x.gt(0.7).toDoubleArray());
        assertExact("lt", new double[] {0, 0, 0}, x.lt(0.1).toDoubleArray());
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void nanPropagatesThroughEveryNonComparisonUnaryOp(Device device, DType dtype) {
        Tensor nan = Tensor.of(new double[] {Double.NaN}, dtype, device);
        for (UnaryCase u : unaryCases()) {
            if (u.name().startsWith("gt") || u.name().startsWith("lt")) {
                assertEquals(0, u.op().apply(nan).item(), u.name() + "(NaN)");
            } else if (!u.name().equals("sign")) { // torch.sign(nan) is 0, numpy's nan: left unspecified
                assertEquals(Double.NaN, u.op().apply(nan).item(), u.name() + "(NaN)");
            }
        }
    }

    /** Values at +-inf and +-0, as PyTorch 1.13 gives them. */
    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void unaryOpsHandleInfinitiesAndZerosLikeTorch(Device device, DType dtype) {
        double inf = Double.POSITIVE_INFINITY;
        Tensor x = Tensor.of(new double[] {inf, -inf, 0.0, -0.0}, dtype, device);
        assertExact("relu", new double[] {inf, 0, 0, 0}, x.relu().toDoubleArray());
        assertExact("leakyRelu", new double[] {inf, -inf, 0, 0}, x.leakyRelu(0.1).toDoubleArray());
        assertExact("elu", new double[] {inf, -1, 0, 0}, x.elu(1).toDoubleArray());
        assertExact("sigmoid", new double[] {1, 0, 0.5, 0.5}, x.sigmoid().toDoubleArray());
        assertExact("tanh", new double[] {1, -1, 0, 0}, x.tanh().toDoubleArray());
        assertExact("softplus(+-inf)", new double[] {inf, 0},
                x.narrow(0, 0, 2).softplus().toDoubleArray());
        assertExact("clamp", new double[] {1, -1, 0, 0}, x.clamp(-1, 1).toDoubleArray());
        assertExact("exp", new double[] {inf, 0, 1, 1}, x.exp().toDoubleArray());
        assertExact("abs", new double[] {inf, inf, 0, 0}, x.abs().toDoubleArray());
        assertEquals(inf, x.select(0, 0).geluTanh().item(), "geluTanh(inf)");
    }

    /** torch.erf(+-inf) is +-1 and gelu(inf) is inf. */
    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void erfAndGeluOfInfinityAreFinite(Device device, DType dtype) {
        double inf = Double.POSITIVE_INFINITY;
        Tensor x = Tensor.of(new double[] {inf, -inf}, dtype, device);
        assertExact("erf", new double[] {1, -1}, x.erf().toDoubleArray());
        assertEquals(inf, x.select(0, 0).gelu().item(), "gelu(inf)");
    }

    // ------------------------------------------------------------------ binary

    record BinaryCase(String name, BiFunction<Tensor, Tensor, Tensor> op, DoubleBinaryOperator ref, double lo,
                      double hi, boolean exact) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<BinaryCase> binaryCases() {
        List<BinaryCase> c = new ArrayList<>();
        c.add(new BinaryCase("add", Tensor::add, (a, b) -> a + b, -4, 4, true));
        c.add(new BinaryCase("sub", Tensor::sub, (a, b) -> a - b, -4, 4, true));
        c.add(new BinaryCase("mul", Tensor::mul, (a, b) -> a * b, -4, 4, true));
        c.add(new BinaryCase("div", Tensor::div, (a, b) -> a / b, 0.25, 4, true));
        c.add(new BinaryCase("pow", Tensor::pow, Math::pow, 0.1, 3, false));
        c.add(new BinaryCase("maximum", Tensor::maximum, Math::max, -4, 4, true));
        c.add(new BinaryCase("minimum", Tensor::minimum, Math::min, -4, 4, true));
        // comparisons on a coarse grid of values so that ties occur
        c.add(new BinaryCase("eq", Tensor::eq, (a, b) -> a == b ? 1 : 0, -2, 2, true));
        c.add(new BinaryCase("gt", Tensor::gt, (a, b) -> a > b ? 1 : 0, -2, 2, true));
        c.add(new BinaryCase("ge", Tensor::ge, (a, b) -> a >= b ? 1 : 0, -2, 2, true));
        c.add(new BinaryCase("lt", Tensor::lt, (a, b) -> a < b ? 1 : 0, -2, 2, true));
        c.add(new BinaryCase("le", Tensor::le, (a, b) -> a <= b ? 1 : 0, -2, 2, true));
        return c;
    }

    static Stream<Arguments> binaryCasesOnDevices() {
        List<Arguments> out = new ArrayList<>();
        for (BinaryCase b : binaryCases()) {
            for (Device d : Device.values()) {
                for (DType t : new DType[] {DType.FLOAT32, DType.FLOAT64}) {
                    out.add(Arguments.of(b, d, t));
                }
            }
        }
        return out.stream();
    }

    /** Values for a binary case; comparisons get halves in [-2, 2] so that equal pairs are common. */
    private static double[] values(BinaryCase b, long seed, int n, DType t) {
        if (b.name().length() == 2) {
            double[] v = TestSupport.randomInts(seed, n, -4, 4);
            for (int i = 0; i < n; i++) {
                v[i] /= 2;
            }
            return v;
        }
        return TestSupport.random(seed, n, b.lo(), b.hi(), t);
    }

    private static void check(BinaryCase b, DType t, String what, double[] x, long[] xs, double[] y, long[] ys,
                              long[] outShape, Tensor result) {
        assertArrayEquals(outShape, result.shape(), what + ": shape");
        double[] bx = TestSupport.broadcast(x, xs, outShape);
        double[] by = TestSupport.broadcast(y, ys, outShape);
        double[] expected = new double[bx.length];
        for (int i = 0; i < bx.length; i++) {
            expected[i] = TestSupport.round(t, b.ref().applyAsDouble(bx[i], by[i]));
        }
        if (b.exact()) {
            assertExact(what, expected, result.toDoubleArray());
        } else {
            assertClose(what, expected, result.toDoubleArray(), rtol(t), atol(t));
        }
    }

    @ParameterizedTest(name = "{0} on {1} {2}")
    @MethodSource("binaryCasesOnDevices")
    void binaryOpBroadcastsBothWays(BinaryCase b, Device d, DType t) {
        long[][][] shapes = {
            {{3, 1}, {1, 4}, {3, 4}},
            {{1, 4}, {3, 1}, {3, 4}},
            {{2, 3, 4}, {4}, {2, 3, 4}},
            {{4}, {2, 3, 4}, {2, 3, 4}},
            {{}, {2, 3}, {2, 3}},
            {{2, 3}, {}, {2, 3}},
            {{2, 1, 3}, {4, 1}, {2, 4, 3}},
            {{5}, {5}, {5}},
            {{0, 3}, {3}, {0, 3}},
            {{1}, {1}, {1}},
        };
        long seed = 100;
        for (long[][] s : shapes) {
            double[] x = values(b, seed++, (int) TestSupport.numel(s[0]), t);
            double[] y = values(b, seed++, (int) TestSupport.numel(s[1]), t);
            Tensor r = b.op().apply(Tensor.of(x, t, d).view(s[0]), Tensor.of(y, t, d).view(s[1]));
            check(b, t, b.name() + " " + java.util.Arrays.toString(s[0]) + " with " + java.util.Arrays.toString(s[1])
                    + " " + t + " " + d, x, s[0], y, s[1], s[2], r);
        }
    }

    @ParameterizedTest(name = "{0} on {1} {2}")
    @MethodSource("binaryCasesOnDevices")
    void binaryOpReadsNonContiguousOperands(BinaryCase b, Device d, DType t) {
        List<Operand> xs = layouts(t, d, 31, b.lo(), b.hi());
        List<Operand> ys = layouts(t, d, 57, b.lo(), b.hi());
        for (int i = 0; i < 4; i++) { // the four [3, 5] layouts, each against a different one
            Operand x = xs.get(i);
            Operand y = ys.get((i + 1) % 4);
            Tensor r = b.op().apply(x.tensor(), y.tensor());
            check(b, t, b.name() + " of " + x.layout() + " and " + y.layout(), x.values(), new long[] {3, 5},
                    y.values(), new long[] {3, 5}, new long[] {3, 5}, r);
        }
        // an operand against a view of itself (ties for the comparisons)
        Operand x = xs.get(0);
        check(b, t, b.name() + " of x and x", x.values(), new long[] {3, 5}, x.values(), new long[] {3, 5},
                new long[] {3, 5}, b.op().apply(x.tensor(), x.tensor().t().t()));
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void maximumAndMinimumPropagateNan(Device d, DType t) {
        Tensor a = Tensor.of(new double[] {Double.NaN, 1, 2}, t, d);
        Tensor b = Tensor.of(new double[] {1, Double.NaN, 3}, t, d);
        assertExact("maximum", new double[] {Double.NaN, Double.NaN, 3}, a.maximum(b).toDoubleArray());
        assertExact("minimum", new double[] {Double.NaN, Double.NaN, 2}, a.minimum(b).toDoubleArray());
        assertExact("eq", new double[] {0}, a.eq(a).narrow(0, 0, 1).toDoubleArray()); // NaN != NaN
    }

    // ------------------------------------------------------------------ in place

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void inPlaceOpsUpdateTheTargetAndReturnIt(Device d, DType t) {
        double[] x = TestSupport.random(1, 12, -4, 4, t);
        double[] row = TestSupport.random(2, 4, 0.5, 2, t);
        long[] shape = {3, 4};
        double[] brow = TestSupport.broadcast(row, new long[] {4}, shape);
        Tensor r = Tensor.of(row, t, d, 4);

        record InPlace(String name, BiFunction<Tensor, Tensor, Tensor> op, DoubleBinaryOperator ref) {
        }
        List<InPlace> cases = List.of(
                new InPlace("add_", Tensor::add_, (a, b) -> a + b),
                new InPlace("sub_", Tensor::sub_, (a, b) -> a - b),
                new InPlace("mul_", Tensor::mul_, (a, b) -> a * b),
                new InPlace("div_", Tensor::div_, (a, b) -> a / b),
                new InPlace("add_(0.5)", (a, b) -> a.add_(0.5), (a, b) -> a + 0.5),
                new InPlace("mul_(-3)", (a, b) -> a.mul_(-3), (a, b) -> a * -3),
                new InPlace("fill_(2.25)", (a, b) -> a.fill_(2.25), (a, b) -> 2.25),
                new InPlace("zero_", (a, b) -> a.zero_(), (a, b) -> 0),
                new InPlace("copy_", Tensor::copy_, (a, b) -> b));
        for (InPlace c : cases) {
            Tensor target = Tensor.of(x, t, d, shape);
            long version = target.version();
            assertSame(target, c.op().apply(target, r), c.name() + " returns this");
            assertEquals(version + 1, target.version(), c.name() + " bumps the version");
            double[] expected = new double[12];
            for (int i = 0; i < 12; i++) {
                expected[i] = TestSupport.round(t, c.ref().applyAsDouble(x[i], brow[i]));
            }
            assertExact(c.name() + " " + t + " " + d, expected, target.toDoubleArray());
        }
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void inPlaceOpsWriteThroughNonContiguousViews(Device d, DType t) {
        double[] x = TestSupport.random(3, 12, -4, 4, t);
        Tensor base = Tensor.of(x, t, d, 3, 4);
        Tensor view = base.t().slice(0, 1, 4, 2); // columns 1 and 3, as a [2, 3] view
        view.add_(Tensor.of(new double[] {10, 20, 30}, t, d));
        double[] expected = x.clone();
        for (int i = 0; i < 3; i++) {
            expected[i * 4 + 1] = TestSupport.round(t, x[i * 4 + 1] + 10 * (i + 1));
            expected[i * 4 + 3] = TestSupport.round(t, x[i * 4 + 3] + 10 * (i + 1));
        }
        assertExact("add_ through a view", expected, base.toDoubleArray());
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void copyConvertsDtypesAndBroadcasts(Device d, DType t) {
        DType other = t == DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32;
        double[] src = {0.1, -1e-3, 12345.678};
        Tensor target = Tensor.zeros(t, d, 2, 3);
        target.copy_(Tensor.of(src, other, d, 3));
        double[] row = TestSupport.round(t, TestSupport.round(other, src));
        assertExact("copy_ " + other + " -> " + t, TestSupport.broadcast(row, new long[] {3}, new long[] {2, 3}),
                target.toDoubleArray());
        assertThrows(IllegalArgumentException.class, () -> target.copy_(Tensor.zeros(t, d, 4)));
        assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(t, d, 3).copy_(target),
                "a source larger than the target cannot be copied in");
    }

    @ParameterizedTest
    @MethodSource("devicesAndDtypes")
    void inPlaceOpRejectsAResultShapeLargerThanTheTarget(Device d, DType t) {
        Tensor row = Tensor.zeros(t, d, 4);
        assertThrows(IllegalArgumentException.class, () -> row.add_(Tensor.zeros(t, d, 3, 4)));
    }
}
