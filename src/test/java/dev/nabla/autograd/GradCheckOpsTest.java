package dev.nabla.autograd;

import static dev.nabla.autograd.Inputs.leaf;
import static dev.nabla.autograd.Inputs.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Autograd;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.GradCheck;
import dev.nabla.Reduction;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every differentiable op's backward rule against central finite differences ({@link GradCheck}, float64), on
 * small random inputs of several shapes each, broadcasting and non-contiguous views included. Each op is also
 * checked one order up: the gradient computed with {@code createGraph} is itself gradient-checked, which proves
 * the backward rules are recorded (so gradient penalties and Hessian-vector products work) and correct.
 *
 * <p>Inputs keep clear of the points where an op is not differentiable (kinks, ties, poles), where finite
 * differences mean nothing. The worst max-abs-error over all checks is printed at the end.
 */
class GradCheckOpsTest {
    /** Worst |analytic - numeric| per check, for the closing report. */
    private static final Map<String, Double> ERRORS = new ConcurrentHashMap<>();

    /** One check: a function of the inputs (those that require grad are differentiated) and how to make them. */
    record Case(String name, Function<Tensor[], Tensor> f, Function<Inputs, Tensor[]> inputs) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static long[] s(long... shape) {
        return shape;
    }

    private static int[] d(int... dims) {
        return dims;
    }

    // ------------------------------------------------------------------ the checks

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void backwardMatchesFiniteDifferences(Case c) {
        try (Scope scope = Scope.open()) {
            Tensor[] in = c.inputs().apply(new Inputs(c.name().hashCode()));
            GradCheck.Result r = GradCheck.check(c.f(), in);
            ERRORS.merge(c.name(), r.maxAbsError(), Math::max);
            assertTrue(r.passed(), c.name() + ": " + r);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gradientOfGradientMatchesFiniteDifferences(Case c) {
        try (Scope scope = Scope.open()) {
            Inputs rng = new Inputs(c.name().hashCode());
            Tensor[] in = c.inputs().apply(rng);
            Tensor cotangent;
            try (Grad off = Grad.disabled()) {
                long[] outShape = c.f().apply(in).shape();
                cotangent = rng.constant(-1, 1, outShape);
            }
            GradCheck.Result r = GradCheck.check(gradientOf(c.f(), cotangent), in);
            ERRORS.merge("grad of " + c.name(), r.maxAbsError(), Math::max);
            assertTrue(r.passed(), "gradient of " + c.name() + ": " + r);
        }
    }

    /**
     * The vector-Jacobian product {@code vᵀ·∂f/∂x} for every input that requires grad, flattened and concatenated,
     * computed with {@code createGraph} so it can be differentiated again. A term {@code 0·x} keeps the result
     * attached to the inputs even where the gradient is constant, so a backward rule that failed to record its
     * dependence on the inputs shows up as a finite-difference mismatch instead of a skipped check.
     */
    private static Function<Tensor[], Tensor> gradientOf(Function<Tensor[], Tensor> f, Tensor cotangent) {
        return in -> {
            try (Grad on = Grad.enabled()) {
                Tensor out = f.apply(in);
                Tensor[] wrt = Arrays.stream(in).filter(Tensor::requiresGrad).toArray(Tensor[]::new);
                Tensor[] grads = Autograd.grad(out, wrt, cotangent, true, true);
                Tensor[] parts = new Tensor[grads.length + 1];
                for (int i = 0; i < grads.length; i++) {
                    parts[i] = grads[i].reshape(-1);
                }
                parts[grads.length] = wrt[0].reshape(-1).mul(0.0);
                return Tensor.cat(0, parts);
            }
        };
    }

    @AfterAll
    static void reportWorstError() {
        var worst = ERRORS.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        System.out.printf("GradCheck: %d checks; worst max-abs-error %.3e (%s)%n", ERRORS.size(), worst.getValue(),
                worst.getKey());
        ERRORS.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(8)
                .forEach(e -> System.out.printf("  %.3e  %s%n", e.getValue(), e.getKey()));
    }

    @Test
    void dropoutWithTheSameSeedDrawsTheSameMask() {
        try (Scope scope = Scope.open()) {
            Tensor x = tensor(new Inputs(1).uniformValues(1, 2, 4, 50), 4, 50);
            Generator g = new Generator(11);
            double[] first = F.dropout(x, 0.4, true, g.manualSeed(5)).toDoubleArray();
            double[] again = F.dropout(x, 0.4, true, g.manualSeed(5)).toDoubleArray();
            double[] other = F.dropout(x, 0.4, true, g.manualSeed(6)).toDoubleArray();
            assertArrayEquals(first, again, 0.0);
            assertFalse(Arrays.equals(first, other), "another seed should draw another mask");
            double[] xs = x.toDoubleArray();
            int dropped = 0;
            for (int i = 0; i < xs.length; i++) {
                if (first[i] == 0) {
                    dropped++;
                } else {
                    assertTrue(Math.abs(first[i] - xs[i] / 0.6) < 1e-12, "kept values are scaled by 1/(1-p)");
                }
            }
            assertTrue(dropped > 40 && dropped < 120, "about 40% of 200 should be dropped, got " + dropped);
            assertSame(x, F.dropout(x, 0.4, false, g), "dropout in evaluation is the identity");
        }
    }

    // ------------------------------------------------------------------ the op table

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        pointwise(cases);
        reductions(cases);
        linearAlgebra(cases);
        views(cases);
        indexing(cases);
        layers(cases);
        losses(cases);
        return cases.stream();
    }

    private static void add(List<Case> cases, String name, Function<Inputs, Tensor[]> inputs,
                            Function<Tensor[], Tensor> f) {
        cases.add(new Case(name, f, inputs));
    }

    /** How a unary op's inputs are drawn: a domain away from its kinks and poles. */
    private interface Domain extends BiFunction<Inputs, long[], Tensor> {
    }

    private static final Domain ANY = (r, shape) -> r.uniform(-2, 2, shape);
    private static final Domain WIDE = (r, shape) -> r.uniform(-3, 3, shape);
    private static final Domain POSITIVE = (r, shape) -> r.uniform(0.3, 2.5, shape);
    private static final Domain NONZERO = (r, shape) -> r.away(0.2, 2, shape);

    private static void unary(List<Case> cases, String name, Domain domain, UnaryOperator<Tensor> op) {
        for (long[] shape : new long[][] {{}, {5}, {2, 3}}) {
            add(cases, name + " " + Arrays.toString(shape), r -> new Tensor[] {domain.apply(r, shape)},
                    in -> op.apply(in[0]));
        }
        // a transposed (non-contiguous) operand
        add(cases, name + " [3, 2]ᵀ", r -> new Tensor[] {domain.apply(r, s(3, 2))}, in -> op.apply(in[0].t()));
    }

    private static void binary(List<Case> cases, String name, boolean positiveA, boolean nonzeroB,
                               BinaryOperator<Tensor> op) {
        long[][][] pairs = {{{2, 3}, {2, 3}}, {{3, 1}, {1, 4}}, {{2, 3, 4}, {4}}, {{4}, {2, 3, 4}},
                {{2, 3}, {}}, {{}, {2, 3}}, {{2, 1, 3}, {4, 1}}};
        for (long[][] p : pairs) {
            add(cases, name + " " + Arrays.toString(p[0]) + " x " + Arrays.toString(p[1]),
                    r -> new Tensor[] {positiveA ? r.uniform(0.5, 2, p[0]) : r.uniform(-2, 2, p[0]),
                            nonzeroB ? r.away(0.5, 2, p[1]) : r.uniform(-1.5, 1.5, p[1])},
                    in -> op.apply(in[0], in[1]));
        }
        // non-contiguous operands, and only one side requiring grad
        add(cases, name + " [4, 3]ᵀ x [3, 4]ᵀ-constant",
                r -> new Tensor[] {positiveA ? r.uniform(0.5, 2, 4, 3) : r.uniform(-2, 2, 4, 3),
                        (nonzeroB ? r.away(0.5, 2, 4, 3) : r.uniform(-1.5, 1.5, 4, 3)).requiresGrad_(false)},
                in -> op.apply(in[0].t(), in[1].t()));
    }

    private static void pointwise(List<Case> cases) {
        binary(cases, "add", false, false, Tensor::add);
        binary(cases, "sub", false, false, Tensor::sub);
        binary(cases, "mul", false, false, Tensor::mul);
        binary(cases, "div", false, true, Tensor::div);
        binary(cases, "pow(tensor)", true, false, Tensor::pow);
        for (long[][] p : new long[][][] {{{2, 3}, {2, 3}}, {{3, 1}, {1, 4}}, {{2, 3}, {3}}, {{3}, {2, 3}}}) {
            String shapes = Arrays.toString(p[0]) + " x " + Arrays.toString(p[1]);
            add(cases, "maximum " + shapes, r -> r.distinctPair(p[0], p[1]), in -> in[0].maximum(in[1]));
            add(cases, "minimum " + shapes, r -> r.distinctPair(p[0], p[1]), in -> in[0].minimum(in[1]));
        }

        unary(cases, "neg", ANY, Tensor::neg);
        unary(cases, "exp", ANY, Tensor::exp);
        unary(cases, "log", POSITIVE, Tensor::log);
        unary(cases, "sqrt", POSITIVE, Tensor::sqrt);
        unary(cases, "rsqrt", POSITIVE, Tensor::rsqrt);
        unary(cases, "abs", NONZERO, Tensor::abs);
        unary(cases, "sign", NONZERO, Tensor::sign);
        Domain clampDomain = (r, shape) -> r.avoiding(-1.5, 1.5, 0.05, new double[] {-0.5, 0.7}, shape);
        unary(cases, "clamp(-0.5, 0.7)", clampDomain, x -> x.clamp(-0.5, 0.7));
        unary(cases, "clamp(0, inf)", NONZERO, x -> x.clamp(0, Double.POSITIVE_INFINITY));
        unary(cases, "clamp(-inf, 0.7)", clampDomain, x -> x.clamp(Double.NEGATIVE_INFINITY, 0.7));
        unary(cases, "relu", NONZERO, Tensor::relu);
        unary(cases, "leakyRelu(0.1)", NONZERO, x -> x.leakyRelu(0.1));
        unary(cases, "elu(1)", NONZERO, x -> x.elu(1.0));
        unary(cases, "elu(0.5)", NONZERO, x -> x.elu(0.5));
        unary(cases, "sigmoid", WIDE, Tensor::sigmoid);
        unary(cases, "tanh", WIDE, Tensor::tanh);
        unary(cases, "gelu", WIDE, Tensor::gelu);
        unary(cases, "geluTanh", WIDE, Tensor::geluTanh);
        unary(cases, "softplus", WIDE, Tensor::softplus);
        unary(cases, "silu", WIDE, Tensor::silu);
        unary(cases, "hardswish", (r, shape) -> r.avoiding(-5, 5, 0.05, new double[] {-3, 3}, shape),
                Tensor::hardswish);
        unary(cases, "mish", WIDE, Tensor::mish);
        unary(cases, "erf", WIDE, Tensor::erf);
        unary(cases, "square", ANY, Tensor::square);
        unary(cases, "reciprocal", (r, shape) -> r.away(0.3, 2, shape), Tensor::reciprocal);
        unary(cases, "rsub(2)", ANY, x -> x.rsub(2.0));
        unary(cases, "add(1.5)", ANY, x -> x.add(1.5));
        unary(cases, "sub(0.5)", ANY, x -> x.sub(0.5));
        unary(cases, "mul(-3)", ANY, x -> x.mul(-3.0));
        unary(cases, "div(4)", ANY, x -> x.div(4.0));
        unary(cases, "pow(0.5)", POSITIVE, x -> x.pow(0.5));
        unary(cases, "pow(1.5)", POSITIVE, x -> x.pow(1.5));
        unary(cases, "pow(2)", ANY, x -> x.pow(2.0));
        unary(cases, "pow(3)", ANY, x -> x.pow(3.0));
        unary(cases, "pow(-1)", NONZERO, x -> x.pow(-1.0));
        unary(cases, "pow(-2.5)", POSITIVE, x -> x.pow(-2.5));
        unary(cases, "pow(0)", ANY, x -> x.pow(0.0));
    }

    private static void reductions(List<Case> cases) {
        record R(String name, UnaryOperator<Tensor> op) {
        }
        List<R> sumLike = new ArrayList<>();
        for (String kind : new String[] {"sum", "mean"}) {
            boolean mean = kind.equals("mean");
            sumLike.add(new R(kind + "()", x -> mean ? x.mean() : x.sum()));
            for (boolean keep : new boolean[] {false, true}) {
                sumLike.add(new R(kind + "(1, keepdim=" + keep + ")", x -> mean ? x.mean(1, keep) : x.sum(1, keep)));
                sumLike.add(new R(kind + "(-1, keepdim=" + keep + ")",
                        x -> mean ? x.mean(-1, keep) : x.sum(-1, keep)));
                sumLike.add(new R(kind + "({0, 2}, keepdim=" + keep + ")",
                        x -> mean ? x.mean(d(0, 2), keep) : x.sum(d(0, 2), keep)));
                sumLike.add(new R(kind + "({2, 0, 1}, keepdim=" + keep + ")",
                        x -> mean ? x.mean(d(2, 0, 1), keep) : x.sum(d(2, 0, 1), keep)));
            }
        }
        for (R r : sumLike) {
            add(cases, r.name() + " of [2, 3, 4]", in -> new Tensor[] {in.normal(2, 3, 4)}, in -> r.op().apply(in[0]));
            add(cases, r.name() + " of permuted [4, 2, 3]", in -> new Tensor[] {in.normal(4, 2, 3)},
                    in -> r.op().apply(in[0].permute(1, 2, 0)));
        }
        add(cases, "sum() of a scalar", in -> new Tensor[] {in.normal()}, in -> in[0].sum());
        add(cases, "mean() of [5]", in -> new Tensor[] {in.normal(5)}, in -> in[0].mean());

        List<R> varLike = List.of(
                new R("var()", Tensor::var),
                new R("var({1}, 1, keepdim=false)", x -> x.var(d(1), 1, false)),
                new R("var({1}, 1, keepdim=true)", x -> x.var(d(1), 1, true)),
                new R("var({0, 2}, 1, keepdim=true)", x -> x.var(d(0, 2), 1, true)),
                new R("var({0, 2}, 0, keepdim=false)", x -> x.var(d(0, 2), 0, false)),
                new R("var({-1}, 0, keepdim=true)", x -> x.var(d(-1), 0, true)),
                new R("var({0, 1, 2}, 1, keepdim=false)", x -> x.var(d(0, 1, 2), 1, false)));
        for (R r : varLike) {
            add(cases, r.name() + " of [2, 3, 4]", in -> new Tensor[] {in.normal(2, 3, 4)}, in -> r.op().apply(in[0]));
        }
        add(cases, "var({0}, 1) of transposed [4, 3]ᵀ", in -> new Tensor[] {in.normal(4, 3)},
                in -> in[0].t().var(d(0), 1, false));

        List<R> extreme = new ArrayList<>();
        for (boolean max : new boolean[] {true, false}) {
            String kind = max ? "max" : "min";
            extreme.add(new R(kind + "()", x -> max ? x.max() : x.min()));
            for (boolean keep : new boolean[] {false, true}) {
                for (int dim : new int[] {0, 1, -1}) {
                    extreme.add(new R(kind + "(" + dim + ", keepdim=" + keep + ")",
                            x -> max ? x.max(dim, keep) : x.min(dim, keep)));
                }
                extreme.add(new R(kind + "({0, 2}, keepdim=" + keep + ")",
                        x -> max ? x.max(new int[] {0, 2}, keep) : x.min(new int[] {0, 2}, keep)));
            }
        }
        for (R r : extreme) {
            add(cases, r.name() + " of distinct [2, 3, 4]", in -> new Tensor[] {in.distinct(2, 3, 4)},
                    in -> r.op().apply(in[0]));
        }
        add(cases, "max(0) of transposed distinct [4, 3]ᵀ", in -> new Tensor[] {in.distinct(4, 3)},
                in -> in[0].t().max(0, false));
        add(cases, "max() of a scalar", in -> new Tensor[] {in.normal()}, in -> in[0].max());

        for (int dim : new int[] {0, 1, 2, -1}) {
            add(cases, "softmax(" + dim + ") of [2, 3, 4]", in -> new Tensor[] {in.uniform(-3, 3, 2, 3, 4)},
                    in -> in[0].softmax(dim));
            add(cases, "logSoftmax(" + dim + ") of [2, 3, 4]", in -> new Tensor[] {in.uniform(-3, 3, 2, 3, 4)},
                    in -> in[0].logSoftmax(dim));
        }
        add(cases, "softmax(0) of [5]", in -> new Tensor[] {in.uniform(-3, 3, 5)}, in -> F.softmax(in[0], 0));
        add(cases, "logSoftmax(0) of [5]", in -> new Tensor[] {in.uniform(-3, 3, 5)}, in -> F.logSoftmax(in[0], 0));
        add(cases, "softmax(1) of transposed [4, 3]ᵀ", in -> new Tensor[] {in.uniform(-3, 3, 4, 3)},
                in -> in[0].t().softmax(1));
        add(cases, "logSoftmax(1) of large logits", in -> new Tensor[] {in.uniform(200, 203, 2, 4)},
                in -> in[0].logSoftmax(1));
    }

    private static void linearAlgebra(List<Case> cases) {
        long[][][] pairs = {
            {{4}, {4}}, {{3}, {3, 2}}, {{2, 3}, {3}}, {{2, 3}, {3, 4}}, {{2, 2, 3}, {3, 4}}, {{2, 3}, {2, 3, 4}},
            {{2, 1, 2, 3}, {3, 3, 2}}, {{4}, {2, 4, 3}}, {{2, 2, 3}, {3}}, {{1, 2, 3}, {2, 3, 2}}};
        for (long[][] p : pairs) {
            add(cases, "matmul " + Arrays.toString(p[0]) + " x " + Arrays.toString(p[1]),
                    r -> new Tensor[] {r.normal(p[0]), r.normal(p[1])}, in -> in[0].matmul(in[1]));
        }
        add(cases, "matmul [3, 2]ᵀ x [4, 3]ᵀ", r -> new Tensor[] {r.normal(3, 2), r.normal(4, 3)},
                in -> in[0].t().matmul(in[1].t()));
        add(cases, "matmul [2, 3, 4] x permuted [4, 2, 3] with b constant",
                r -> new Tensor[] {r.normal(2, 3, 4), r.normal(4, 2, 3).requiresGrad_(false)},
                in -> in[0].matmul(in[1].permute(1, 0, 2)));
        add(cases, "matmul of a strided slice", r -> new Tensor[] {r.normal(3, 6), r.normal(3, 2)},
                in -> in[0].slice(1, 0, 6, 2).t().matmul(in[1]));

        add(cases, "linear [3, 4] w[2, 4] b[2]", r -> new Tensor[] {r.normal(3, 4), r.normal(2, 4), r.normal(2)},
                in -> F.linear(in[0], in[1], in[2]));
        add(cases, "linear [2, 3, 4] w[2, 4] b[2]", r -> new Tensor[] {r.normal(2, 3, 4), r.normal(2, 4), r.normal(2)},
                in -> F.linear(in[0], in[1], in[2]));
        add(cases, "linear of a transposed [3, 2, 4] w[2, 4] b[2]",
                r -> new Tensor[] {r.normal(3, 2, 4), r.normal(2, 4), r.normal(2)},
                in -> F.linear(in[0].transpose(0, 1), in[1], in[2]));
        add(cases, "linear [3, 4] w[2, 4] no bias", r -> new Tensor[] {r.normal(3, 4), r.normal(2, 4)},
                in -> F.linear(in[0], in[1], null));
        add(cases, "linear [4] w[3, 4] b[3]", r -> new Tensor[] {r.normal(4), r.normal(3, 4), r.normal(3)},
                in -> F.linear(in[0], in[1], in[2]));
    }

    private static void views(List<Case> cases) {
        record V(String name, long[] shape, UnaryOperator<Tensor> op) {
        }
        List<V> views = List.of(
                new V("reshape(4, 6)", s(2, 3, 4), x -> x.reshape(4, 6)),
                new V("reshape(-1) of a transpose (copies)", s(2, 3, 4), x -> x.transpose(0, 2).reshape(-1)),
                new V("view(6, 4)", s(2, 3, 4), x -> x.view(6, 4)),
                new V("flatten()", s(2, 3, 4), Tensor::flatten),
                new V("flatten(1, 2)", s(2, 3, 4), x -> x.flatten(1, 2)),
                new V("transpose(0, 2)", s(2, 3, 4), x -> x.transpose(0, 2)),
                new V("transpose(-1, -2)", s(2, 3, 4), x -> x.transpose(-1, -2)),
                new V("t()", s(3, 4), Tensor::t),
                new V("t() of 1-D", s(4), Tensor::t),
                new V("permute(2, 0, 1)", s(2, 3, 4), x -> x.permute(2, 0, 1)),
                new V("squeeze()", s(2, 1, 3, 1), Tensor::squeeze),
                new V("squeeze(1)", s(2, 1, 3), x -> x.squeeze(1)),
                new V("squeeze(0) of size 2 (no-op)", s(2, 3), x -> x.squeeze(0)),
                new V("unsqueeze(0)", s(2, 3), x -> x.unsqueeze(0)),
                new V("unsqueeze(2)", s(2, 3), x -> x.unsqueeze(2)),
                new V("narrow(1, 1, 2)", s(2, 3, 4), x -> x.narrow(1, 1, 2)),
                new V("narrow(2, -3, 2)", s(2, 3, 4), x -> x.narrow(2, -3, 2)),
                new V("slice(2, 0, 4, 2)", s(2, 3, 4), x -> x.slice(2, 0, 4, 2)),
                new V("slice(1, 1, 3, 1)", s(2, 3, 4), x -> x.slice(1, 1, 3, 1)),
                new V("slice(0, -4, 100, 3)", s(7, 2), x -> x.slice(0, -4, 100, 3)),
                new V("select(1, 2)", s(2, 3, 4), x -> x.select(1, 2)),
                new V("select(0, -1)", s(2, 3, 4), x -> x.select(0, -1)),
                new V("expand(2, 3, 4) of [3, 1]", s(3, 1), x -> x.expand(2, 3, 4)),
                new V("expand(-1, 4) of [3, 1]", s(3, 1), x -> x.expand(-1, 4)),
                new V("expand(2, 3) of a scalar", s(), x -> x.expand(2, 3)),
                new V("contiguous() of a transpose", s(3, 4), x -> x.t().contiguous()),
                new V("clone()", s(2, 3), Tensor::clone),
                new V("chain: transpose, narrow, reshape, select", s(2, 3, 4),
                        x -> x.transpose(0, 1).narrow(0, 1, 2).reshape(2, 8).select(1, 5)),
                new V("chain: slice of a slice", s(9, 2), x -> x.slice(0, 1, 9, 2).slice(0, 1, 4, 2)),
                new V("expand then sum over both", s(3, 1), x -> x.expand(2, 3, 4).mul(x).sum(d(0, 2), false)));
        for (V v : views) {
            add(cases, v.name(), r -> new Tensor[] {r.normal(v.shape())}, in -> v.op().apply(in[0]));
        }

        add(cases, "cat(0) of [2, 3], [1, 3], [3, 3]", r -> new Tensor[] {r.normal(2, 3), r.normal(1, 3),
                r.normal(3, 3)},
                in -> Tensor.cat(0, in[0], in[1], in[2]));
        add(cases, "cat(1) of [2, 1], [2, 4]", r -> new Tensor[] {r.normal(2, 1), r.normal(2, 4)},
                in -> Tensor.cat(1, in[0], in[1]));
        add(cases, "cat(-1) with a constant and a transpose",
                r -> new Tensor[] {r.normal(2, 2, 3), r.normal(2, 2, 1).requiresGrad_(false), r.normal(2, 3, 2)},
                in -> Tensor.cat(-1, in[0], in[1], in[2].transpose(1, 2)));
        add(cases, "cat of one tensor used twice", r -> new Tensor[] {r.normal(2, 3)},
                in -> Tensor.cat(0, in[0], in[0].mul(2.0)));
        for (int dim : new int[] {0, 1, 2, -1}) {
            add(cases, "stack(" + dim + ") of three [2, 3]",
                    r -> new Tensor[] {r.normal(2, 3), r.normal(2, 3), r.normal(2, 3)},
                    in -> Tensor.stack(dim, in[0], in[1], in[2]));
        }
    }

    private static void indexing(List<Case> cases) {
        add(cases, "gather(1) [3, 4] by [3, 5]", r -> new Tensor[] {r.normal(3, 4), r.indices(4, 3, 5)},
                in -> in[0].gather(1, in[1]));
        add(cases, "gather(0) [3, 4] by [2, 4]", r -> new Tensor[] {r.normal(3, 4), r.indices(3, 2, 4)},
                in -> in[0].gather(0, in[1]));
        add(cases, "gather(-1) [2, 3, 4] by [2, 2, 6]", r -> new Tensor[] {r.normal(2, 3, 4), r.indices(4, 2, 2, 6)},
                in -> in[0].gather(-1, in[1]));
        add(cases, "gather(1) of a transpose by a non-contiguous index", r -> new Tensor[] {r.normal(4, 3),
                r.indices(4, 2, 4)},
                in -> in[0].t().gather(1, in[1].narrow(1, 0, 3).t().contiguous().t()));
        add(cases, "indexSelect(0, [2, 0, 2])", r -> new Tensor[] {r.normal(3, 4), Inputs.ids(2, 0, 2)},
                in -> in[0].indexSelect(0, in[1]));
        add(cases, "indexSelect(-1, [3, 1, 1, 0])",
                r -> new Tensor[] {r.normal(2, 3, 4), Inputs.ids(3, 1, 1, 0)},
                in -> in[0].indexSelect(-1, in[1]));
        add(cases, "scatterAdd(1) [3, 4] <- [3, 5]",
                r -> new Tensor[] {r.normal(3, 4), r.indices(4, 3, 5), r.normal(3, 5)},
                in -> in[0].scatterAdd(1, in[1], in[2]));
        add(cases, "scatterAdd(0) [3, 4] <- [2, 4]",
                r -> new Tensor[] {r.normal(3, 4), r.indices(3, 2, 4), r.normal(2, 4)},
                in -> in[0].scatterAdd(0, in[1], in[2]));
        add(cases, "scatterAdd into a constant base",
                r -> new Tensor[] {r.normal(3, 4).requiresGrad_(false), r.indices(3, 3, 4), r.normal(3, 4)},
                in -> in[0].scatterAdd(0, in[1], in[2]));

        add(cases, "embedding [2, 3] ids of [5, 4]", r -> new Tensor[] {r.indices(5, 2, 3), r.normal(5, 4)},
                in -> F.embedding(in[0], in[1]));
        add(cases, "embedding [4] repeated ids", r -> new Tensor[] {Inputs.ids(1, 3, 1, 1),
                r.normal(5, 2)}, in -> F.embedding(in[0], in[1]));
    }

    private static Tensor conv(Tensor[] in, int[] stride, int[] pad, int[] dil, int groups) {
        return F.conv2d(in[0], in[1], in.length > 2 ? in[2] : null, stride, pad, dil, groups);
    }

    private static void layers(List<Case> cases) {
        add(cases, "conv2d 3x3", r -> new Tensor[] {r.normal(2, 2, 4, 4), r.normal(3, 2, 3, 3), r.normal(3)},
                in -> conv(in, d(1, 1), d(0, 0), d(1, 1), 1));
        add(cases, "conv2d stride 2 padding 1", r -> new Tensor[] {r.normal(1, 2, 5, 5), r.normal(3, 2, 3, 3),
                r.normal(3)},
                in -> conv(in, d(2, 2), d(1, 1), d(1, 1), 1));
        add(cases, "conv2d dilation 2 padding 1", r -> new Tensor[] {r.normal(1, 2, 6, 6), r.normal(2, 2, 3, 3),
                r.normal(2)},
                in -> conv(in, d(1, 1), d(1, 1), d(2, 2), 1));
        add(cases, "conv2d groups 2 stride (1, 2) padding (1, 0)",
                r -> new Tensor[] {r.normal(1, 4, 4, 5), r.normal(4, 2, 3, 3), r.normal(4)},
                in -> conv(in, d(1, 2), d(1, 0), d(1, 1), 2));
        add(cases, "conv2d 2x3 kernel, stride (2, 1), padding (0, 1), dilation (1, 2), no bias",
                r -> new Tensor[] {r.normal(1, 2, 5, 6), r.normal(2, 2, 2, 3)},
                in -> conv(in, d(2, 1), d(0, 1), d(1, 2), 1));
        add(cases, "conv2d depthwise (groups 3)", r -> new Tensor[] {r.normal(1, 3, 4, 4), r.normal(3, 1, 2, 2),
                r.normal(3)},
                in -> conv(in, d(1, 1), d(0, 0), d(1, 1), 3));
        add(cases, "conv2d square helper stride 1 padding 1",
                r -> new Tensor[] {r.normal(1, 1, 4, 4), r.normal(2, 1, 3, 3), r.normal(2)},
                in -> F.conv2d(in[0], in[1], in[2], 1, 1));

        add(cases, "unfold 2x3 stride (1, 2) padding 1", r -> new Tensor[] {r.normal(1, 2, 3, 5)},
                in -> F.unfold(in[0], d(2, 3), d(1, 1), d(1, 1), d(1, 2)));
        add(cases, "fold 2x3 stride (1, 2) padding 1", r -> new Tensor[] {r.normal(1, 12, 12)},
                in -> F.fold(in[0], new long[] {3, 5}, d(2, 3), d(1, 1), d(1, 1), d(1, 2)));

        add(cases, "maxPool2d 2/2", r -> new Tensor[] {r.distinct(1, 2, 5, 5)}, in -> F.maxPool2d(in[0], 2, 2));
        add(cases, "maxPool2d 3/1 padding 1", r -> new Tensor[] {r.distinct(2, 1, 4, 4)},
                in -> F.maxPool2d(in[0], d(3, 3), d(1, 1), d(1, 1), d(1, 1)));
        add(cases, "maxPool2d 2x2 dilation 2 stride (1, 2)", r -> new Tensor[] {r.distinct(1, 2, 5, 6)},
                in -> F.maxPool2d(in[0], d(2, 2), d(1, 2), d(0, 0), d(2, 2)));
        add(cases, "avgPool2d 2/2", r -> new Tensor[] {r.normal(1, 2, 5, 5)}, in -> F.avgPool2d(in[0], 2, 2));
        add(cases, "avgPool2d 3/2 padding 1", r -> new Tensor[] {r.normal(2, 1, 5, 5)},
                in -> F.avgPool2d(in[0], d(3, 3), d(2, 2), d(1, 1)));
        add(cases, "avgPool2d 2x3 stride (1, 2)", r -> new Tensor[] {r.normal(1, 2, 4, 5)},
                in -> F.avgPool2d(in[0], d(2, 3), d(1, 2), d(0, 0)));
        add(cases, "adaptiveAvgPool2d 4x6 -> 2x3 (divisible)", r -> new Tensor[] {r.normal(1, 2, 4, 6)},
                in -> F.adaptiveAvgPool2d(in[0], 2, 3));
        add(cases, "adaptiveAvgPool2d 5x7 -> 3x4 (not divisible)", r -> new Tensor[] {r.normal(1, 1, 5, 7)},
                in -> F.adaptiveAvgPool2d(in[0], 3, 4));
        add(cases, "adaptiveAvgPool2d 3x5 -> 1x1", r -> new Tensor[] {r.normal(1, 2, 3, 5)},
                in -> F.adaptiveAvgPool2d(in[0], 1, 1));

        add(cases, "batchNorm training [4, 3] with running stats",
                r -> new Tensor[] {r.normal(4, 3), r.uniform(0.5, 1.5, 3), r.normal(3), r.constant(-1, 1, 3),
                        r.constant(0.5, 2, 3)},
                in -> F.batchNorm(in[0], in[3], in[4], in[1], in[2], true, 0.1, 1e-5));
        add(cases, "batchNorm training [2, 3, 2, 2]",
                r -> new Tensor[] {r.normal(2, 3, 2, 2), r.uniform(0.5, 1.5, 3), r.normal(3)},
                in -> F.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5));
        add(cases, "batchNorm training [3, 2, 4] without affine", r -> new Tensor[] {r.normal(3, 2, 4)},
                in -> F.batchNorm(in[0], null, null, null, null, true, 0.1, 1e-5));
        add(cases, "batchNorm eval [4, 3]",
                r -> new Tensor[] {r.normal(4, 3), r.uniform(0.5, 1.5, 3), r.normal(3), r.constant(-1, 1, 3),
                        r.constant(0.5, 2, 3)},
                in -> F.batchNorm(in[0], in[3], in[4], in[1], in[2], false, 0.1, 1e-5));
        add(cases, "batchNorm eval [2, 3, 2, 2] without affine",
                r -> new Tensor[] {r.normal(2, 3, 2, 2), r.constant(-1, 1, 3), r.constant(0.5, 2, 3)},
                in -> F.batchNorm(in[0], in[1], in[2], null, null, false, 0.1, 1e-5));

        add(cases, "layerNorm [2, 3, 4] over [4]",
                r -> new Tensor[] {r.normal(2, 3, 4), r.uniform(0.5, 1.5, 4), r.normal(4)},
                in -> F.layerNorm(in[0], s(4), in[1], in[2], 1e-5));
        add(cases, "layerNorm [2, 3, 4] over [3, 4]",
                r -> new Tensor[] {r.normal(2, 3, 4), r.uniform(0.5, 1.5, 3, 4), r.normal(3, 4)},
                in -> F.layerNorm(in[0], s(3, 4), in[1], in[2], 1e-5));
        add(cases, "layerNorm [3, 5] without affine", r -> new Tensor[] {r.normal(3, 5)},
                in -> F.layerNorm(in[0], s(5), null, null, 1e-5));
        add(cases, "layerNorm of a transposed [5, 3] over [5], weight only",
                r -> new Tensor[] {r.normal(5, 3), r.uniform(0.5, 1.5, 5)},
                in -> F.layerNorm(in[0].t(), s(5), in[1], null, 1e-5));
        add(cases, "layerNorm [2, 19] over [19], bias only (rows longer than a float32 vector)",
                r -> new Tensor[] {r.normal(2, 19), r.normal(19)},
                in -> F.layerNorm(in[0], s(19), null, in[1], 1e-5));

        add(cases, "dropout(0.3) with a fixed generator", r -> new Tensor[] {r.normal(4, 5)},
                in -> F.dropout(in[0], 0.3, true, new Generator(3)));
        add(cases, "dropout(0.5) re-seeded", r -> new Tensor[] {r.normal(2, 3, 4)},
                in -> F.dropout(in[0], 0.5, true, DROPOUT.manualSeed(99)));
    }

    private static final Generator DROPOUT = new Generator(0);

    private static void losses(List<Case> cases) {
        for (Reduction red : Reduction.values()) {
            String rn = " " + red;
            add(cases, "mseLoss" + rn, r -> new Tensor[] {r.normal(3, 4), r.normal(3, 4)},
                    in -> F.mseLoss(in[0], in[1], red));
            // |input - target| stays clear of the kinks: target = input + offset, offset away from 0 (and beta)
            add(cases, "l1Loss" + rn, r -> pairOffset(r, r.away(0.1, 2, 3, 4)), in -> F.l1Loss(in[0], in[1], red));
            add(cases, "smoothL1Loss beta 1" + rn,
                    r -> pairOffset(r, r.avoiding(-2.5, 2.5, 0.05, new double[] {-1, 0, 1}, 3, 4)),
                    in -> F.smoothL1Loss(in[0], in[1], red, 1.0));
            add(cases, "smoothL1Loss beta 0" + rn, r -> pairOffset(r, r.away(0.1, 2, 3, 4)),
                    in -> F.smoothL1Loss(in[0], in[1], red, 0.0));
            add(cases, "huberLoss delta 0.5" + rn,
                    r -> pairOffset(r, r.avoiding(-2, 2, 0.05, new double[] {-0.5, 0, 0.5}, 3, 4)),
                    in -> F.huberLoss(in[0], in[1], red, 0.5));

            add(cases, "crossEntropy" + rn, r -> new Tensor[] {r.normal(4, 5), r.indices(5, 4)},
                    in -> F.crossEntropy(in[0], in[1], null, red, 0.0));
            add(cases, "crossEntropy weighted" + rn,
                    r -> new Tensor[] {r.normal(4, 5), r.indices(5, 4), r.constant(0.2, 2, 5)},
                    in -> F.crossEntropy(in[0], in[1], in[2], red, 0.0));
            add(cases, "crossEntropy labelSmoothing 0.1" + rn, r -> new Tensor[] {r.normal(4, 5), r.indices(5, 4)},
                    in -> F.crossEntropy(in[0], in[1], null, red, 0.1));
            add(cases, "crossEntropy weighted, labelSmoothing 0.2" + rn,
                    r -> new Tensor[] {r.normal(4, 5), r.indices(5, 4), r.constant(0.2, 2, 5)},
                    in -> F.crossEntropy(in[0], in[1], in[2], red, 0.2));
            add(cases, "crossEntropy spatial [2, 3, 2, 2]" + rn,
                    r -> new Tensor[] {r.normal(2, 3, 2, 2), r.indices(3, 2, 2, 2), r.constant(0.2, 2, 3)},
                    in -> F.crossEntropy(in[0], in[1], in[2], red, 0.1));
            add(cases, "nllLoss" + rn, r -> new Tensor[] {r.normal(4, 5), r.indices(5, 4)},
                    in -> F.nllLoss(in[0], in[1], null, red));
            add(cases, "nllLoss weighted" + rn,
                    r -> new Tensor[] {r.normal(4, 5), r.indices(5, 4), r.constant(0.2, 2, 5)},
                    in -> F.nllLoss(in[0], in[1], in[2], red));

            add(cases, "binaryCrossEntropy" + rn, r -> new Tensor[] {r.uniform(0.05, 0.95, 3, 4), r.uniform(0, 1,
                    3, 4)},
                    in -> F.binaryCrossEntropy(in[0], in[1], null, red));
            add(cases, "binaryCrossEntropy weighted" + rn,
                    r -> new Tensor[] {r.uniform(0.05, 0.95, 3, 4), r.constant(0, 1, 3, 4), r.constant(0.5, 2, 4)},
                    in -> F.binaryCrossEntropy(in[0], in[1], in[2], red));
            add(cases, "binaryCrossEntropyWithLogits" + rn,
                    r -> new Tensor[] {r.uniform(-4, 4, 3, 4), r.uniform(0, 1, 3, 4)},
                    in -> F.binaryCrossEntropyWithLogits(in[0], in[1], null, null, red));
            add(cases, "binaryCrossEntropyWithLogits weight, posWeight" + rn,
                    r -> new Tensor[] {r.uniform(-4, 4, 3, 4), r.constant(0, 1, 3, 4), r.constant(0.5, 2, 3, 1),
                            r.constant(0.5, 3, 4)},
                    in -> F.binaryCrossEntropyWithLogits(in[0], in[1], in[2], in[3], red));
        }
        add(cases, "nllLoss default of logSoftmax", r -> new Tensor[] {r.normal(3, 4), r.indices(4, 3)},
                in -> F.nllLoss(in[0].logSoftmax(1), in[1]));
        add(cases, "crossEntropy default", r -> new Tensor[] {r.normal(3, 4), r.indices(4, 3)},
                in -> F.crossEntropy(in[0], in[1]));
        add(cases, "mseLoss default", r -> new Tensor[] {r.normal(5), r.normal(5)}, in -> F.mseLoss(in[0], in[1]));
    }

    /** input (requires grad) and target = input + offset (also requires grad), so |input - target| = |offset|. */
    private static Tensor[] pairOffset(Inputs r, Tensor offset) {
        Tensor input = r.normal(offset.shape());
        Tensor target;
        try (Grad off = Grad.disabled()) {
            target = input.add(offset);
        }
        return new Tensor[] {input, leaf(target)};
    }
}
