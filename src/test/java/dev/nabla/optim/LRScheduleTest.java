package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.Tensor;
import dev.nabla.fixtures.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every LR schedule's learning-rate sequence (two parameter groups, after construction and after each of 30
 * steps) against PyTorch 1.13's ({@code fixtures/optim/lr_schedules.json}), to 1e-12 relative: both sides do the
 * same double arithmetic in the same order, so the only differences are last-bit ones between Java's and glibc's
 * {@code cos}/{@code pow}.
 */
class LRScheduleTest {
    static final Map<String, Object> FX = OptimFixtures.load("lr_schedules.json");
    static final double TOL = 1e-12;
    private static final java.util.concurrent.atomic.AtomicLong EXACT = new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong COMPARED = new java.util.concurrent.atomic.AtomicLong();
    private static volatile double worstRel;

    static Stream<String> names() {
        List<String> out = new ArrayList<>();
        for (Object o : Json.list(FX.get("cases"))) {
            out.add((String) Json.map(o).get("name"));
        }
        return out.stream();
    }

    static Map<String, Object> caseNamed(String name) {
        for (Object o : Json.list(FX.get("cases"))) {
            if (Json.map(o).get("name").equals(name)) {
                return Json.map(o);
            }
        }
        throw new IllegalArgumentException(name);
    }

    /** The fixture's dummy optimizer: two groups (a [2] and a [3] parameter) with the case's initial lrs. */
    static Optimizer optimizer(String type, double[] lrs0) {
        Tensor p0 = Tensor.zeros(2).requiresGrad_(true);
        Tensor p1 = Tensor.zeros(3).requiresGrad_(true);
        List<ParamGroup> groups = List.of(new ParamGroup(List.of(p0), Map.of("lr", lrs0[0])),
                new ParamGroup(List.of(p1), Map.of("lr", lrs0[1])));
        return switch (type) {
            case "SGD" -> new SGD(groups, Map.of("lr", lrs0[0], "momentum", 0.9));
            case "Adam" -> new Adam(groups, Map.of("lr", lrs0[0]));
            default -> throw new IllegalArgumentException(type);
        };
    }

    private static double num(Map<String, Object> args, String key, double dflt) {
        Object v = args.get(key);
        return v == null ? dflt : (Double) v;
    }

    /** The schedule {@code type} with PyTorch's keyword arguments {@code args}. */
    static LRScheduler build(String type, Optimizer opt, Map<String, Object> args) {
        return switch (type) {
            case "StepLR" -> args.containsKey("gamma")
                    ? new StepLR(opt, (int) num(args, "step_size", 0), num(args, "gamma", 0.1))
                    : new StepLR(opt, (int) num(args, "step_size", 0));
            case "MultiStepLR" -> new MultiStepLR(opt, OptimFixtures.ints(args.get("milestones")),
                    num(args, "gamma", 0.1));
            case "ExponentialLR" -> new ExponentialLR(opt, num(args, "gamma", 0));
            case "CosineAnnealingLR" -> args.containsKey("eta_min")
                    ? new CosineAnnealingLR(opt, (int) num(args, "T_max", 0), num(args, "eta_min", 0))
                    : new CosineAnnealingLR(opt, (int) num(args, "T_max", 0));
            case "LinearLR" -> args.isEmpty() ? new LinearLR(opt)
                    : new LinearLR(opt, num(args, "start_factor", 1.0 / 3), num(args, "end_factor", 1.0),
                    (int) num(args, "total_iters", 5));
            case "OneCycleLR" -> {
                OneCycleLR.Config d = OneCycleLR.Config.DEFAULTS;
                OneCycleLR.Config cfg = d.withPctStart(num(args, "pct_start", d.pctStart()))
                        .withAnneal("linear".equals(args.get("anneal_strategy")) ? OneCycleLR.Anneal.LINEAR
                                : OneCycleLR.Anneal.COS)
                        .withCycleMomentum(!Boolean.FALSE.equals(args.get("cycle_momentum")))
                        .withMomentum(num(args, "base_momentum", d.baseMomentum()),
                                num(args, "max_momentum", d.maxMomentum()))
                        .withDivFactor(num(args, "div_factor", d.divFactor()))
                        .withFinalDivFactor(num(args, "final_div_factor", d.finalDivFactor()))
                        .withThreePhase(Boolean.TRUE.equals(args.get("three_phase")));
                yield new OneCycleLR(opt, OptimFixtures.doubles(args.get("max_lr")),
                        (int) num(args, "total_steps", 0), cfg);
            }
            case "SequentialLR" -> {
                List<LRScheduler> subs = new ArrayList<>();
                for (Object o : Json.list(args.get("schedulers"))) {
                    List<Object> pair = Json.list(o);
                    subs.add(build((String) pair.get(0), opt, Json.map(pair.get(1))));
                }
                yield new SequentialLR(opt, subs, OptimFixtures.ints(args.get("milestones")));
            }
            default -> throw new IllegalArgumentException("unknown schedule " + type);
        };
    }

    static ReduceLROnPlateau plateau(Optimizer opt, Map<String, Object> args) {
        if (args.isEmpty()) {
            return new ReduceLROnPlateau(opt);
        }
        Object minLr = args.get("min_lr");
        double[] minLrs = minLr instanceof List<?> ? OptimFixtures.doubles(minLr)
                : new double[] {(Double) minLr, (Double) minLr};
        return new ReduceLROnPlateau(opt,
                "max".equals(args.get("mode")) ? ReduceLROnPlateau.Mode.MAX : ReduceLROnPlateau.Mode.MIN,
                num(args, "factor", 0.1), (int) num(args, "patience", 10), num(args, "threshold", 1e-4),
                "abs".equals(args.get("threshold_mode")) ? ReduceLROnPlateau.ThresholdMode.ABS
                        : ReduceLROnPlateau.ThresholdMode.REL,
                (int) num(args, "cooldown", 0), minLrs, 1e-8);
    }

    static double[] lrs(Optimizer opt) {
        return opt.paramGroups().stream().mapToDouble(ParamGroup::lr).toArray();
    }

    static double[] momenta(Optimizer opt) {
        return opt.paramGroups().stream()
                .mapToDouble(g -> g.options().containsKey("beta1") ? g.get("beta1") : g.get("momentum")).toArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void lrSequenceEqualsPyTorchs(String name) {
        Map<String, Object> c = caseNamed(name);
        String type = (String) c.get("type");
        Map<String, Object> args = Json.map(c.get("args"));
        Optimizer opt = optimizer((String) c.get("optimizer"), OptimFixtures.doubles(c.get("lrs0")));
        List<Object> want = Json.list(c.get("lrs"));
        List<Object> wantMom = c.containsKey("momenta") ? Json.list(c.get("momenta")) : null;
        int steps = ((Double) FX.get("steps")).intValue();
        if (type.equals("ReduceLROnPlateau")) {
            ReduceLROnPlateau p = plateau(opt, args);
            double[] metrics = OptimFixtures.doubles(c.get("metrics"));
            check(name, 0, OptimFixtures.doubles(want.get(0)), lrs(opt));
            for (int s = 1; s <= steps; s++) {
                p.step(metrics[s - 1]);
                check(name, s, OptimFixtures.doubles(want.get(s)), lrs(opt));
                assertArrayEquals(lrs(opt), p.lastLr(), name + ": lastLr");
            }
            return;
        }
        LRScheduler sched = build(type, opt, args);
        for (int s = 0; s <= steps; s++) {
            if (s > 0) {
                sched.step();
            }
            check(name, s, OptimFixtures.doubles(want.get(s)), lrs(opt));
            assertArrayEquals(lrs(opt), sched.lastLr(), name + ": lastLr after step " + s);
            if (wantMom != null) {
                check(name + " momentum", s, OptimFixtures.doubles(wantMom.get(s)), momenta(opt));
            }
        }
    }

    private static void check(String name, int step, double[] want, double[] got) {
        assertEquals(want.length, got.length, name + ": groups");
        for (int g = 0; g < want.length; g++) {
            COMPARED.incrementAndGet();
            if (got[g] == want[g]) {
                EXACT.incrementAndGet();
            } else {
                worstRel = Math.max(worstRel, Math.abs(got[g] - want[g]) / Math.abs(want[g]));
            }
            if (!(Math.abs(got[g] - want[g]) <= TOL * Math.abs(want[g]))) {
                fail(name + " step " + step + " group " + g + ": lr " + got[g] + ", PyTorch has " + want[g]);
            }
        }
    }

    @org.junit.jupiter.api.AfterAll
    static void report() {
        if (COMPARED.get() > 0) {
            System.out.printf("LR schedules: %d of %d learning rates and momenta equal PyTorch's bit for bit; worst "
                    + "relative difference %.2e%n", EXACT.get(), COMPARED.get(), worstRel);
        }
    }

    // ---------------------------------------------------------------- state dicts

    static Stream<String> resumable() {
        return names().filter(n -> !n.startsWith("plateau"));
    }

    /** 12 steps + save + new optimizer and schedule + load + the rest == uninterrupted, bit for bit. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("resumable")
    void stateDictRoundTripResumesExactly(String name) {
        Map<String, Object> c = caseNamed(name);
        String type = (String) c.get("type");
        Map<String, Object> args = Json.map(c.get("args"));
        double[] lrs0 = OptimFixtures.doubles(c.get("lrs0"));
        Optimizer a = optimizer((String) c.get("optimizer"), lrs0);
        LRScheduler sa = build(type, a, args);
        List<double[]> seq = new ArrayList<>();
        List<double[]> seqMom = new ArrayList<>();
        for (int s = 0; s < 30; s++) {
            sa.step();
            seq.add(lrs(a));
            seqMom.add(momenta(a));
        }
        Optimizer b = optimizer((String) c.get("optimizer"), lrs0);
        LRScheduler sb = build(type, b, args);
        for (int s = 0; s < 12; s++) {
            sb.step();
        }
        Map<String, Double> schedState = new LinkedHashMap<>(sb.stateDict());
        Map<String, Tensor> optState = b.stateDict();
        Optimizer r = optimizer((String) c.get("optimizer"), lrs0);
        LRScheduler sr = build(type, r, args);
        r.loadStateDict(optState);
        sr.loadStateDict(schedState);
        for (int s = 12; s < 30; s++) {
            sr.step();
            assertArrayEquals(seq.get(s), lrs(r), name + ": lr after step " + (s + 1) + " of the resumed schedule");
            assertArrayEquals(seqMom.get(s), momenta(r), name + ": momentum after step " + (s + 1));
        }
        assertEquals(sa.stateDict(), sr.stateDict());
    }

    @Test
    void plateauStateDictRoundTrip() {
        Map<String, Object> c = caseNamed("plateau_min_rel");
        double[] metrics = OptimFixtures.doubles(c.get("metrics"));
        Optimizer a = optimizer("SGD", new double[] {0.1, 0.05});
        ReduceLROnPlateau pa = plateau(a, Json.map(c.get("args")));
        for (double m : metrics) {
            pa.step(m);
        }
        Optimizer b = optimizer("SGD", new double[] {0.1, 0.05});
        ReduceLROnPlateau pb = plateau(b, Json.map(c.get("args")));
        for (int s = 0; s < 11; s++) {
            pb.step(metrics[s]);
        }
        Optimizer r = optimizer("SGD", new double[] {0.1, 0.05});
        ReduceLROnPlateau pr = plateau(r, Json.map(c.get("args")));
        r.loadStateDict(b.stateDict());
        pr.loadStateDict(new LinkedHashMap<>(pb.stateDict()));
        for (int s = 11; s < metrics.length; s++) {
            pr.step(metrics[s]);
        }
        assertArrayEquals(lrs(a), lrs(r));
        assertEquals(pa.stateDict(), pr.stateDict());
    }

    @Test
    void loadStateDictRejectsWrongKeysWithoutChangingAnything() {
        Optimizer opt = optimizer("SGD", new double[] {0.1, 0.05});
        StepLR s = new StepLR(opt, 3, 0.5);
        s.step();
        Map<String, Double> before = s.stateDict();
        Map<String, Double> bad = new LinkedHashMap<>(before);
        bad.remove("last_epoch");
        bad.put("gamma", 0.3);
        var e = assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(bad));
        assertTrue(e.getMessage().contains("missing key 'last_epoch'"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected key 'gamma'"), e.getMessage());
        assertEquals(before, s.stateDict());
    }

    // ---------------------------------------------------------------- validation and behaviour

    @Test
    void invalidArgumentsAreRejectedWithPyTorchsMessages() {
        Optimizer opt = optimizer("SGD", new double[] {0.1, 0.05});
        assertThrows(IllegalArgumentException.class, () -> new LinearLR(opt, 0.0, 1.0, 5));
        assertThrows(IllegalArgumentException.class, () -> new LinearLR(opt, 0.5, 1.5, 5));
        assertThrows(IllegalArgumentException.class, () -> new StepLR(opt, 0));
        assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(opt, 0));
        assertThrows(IllegalArgumentException.class, () -> new MultiStepLR(opt, new int[] {5, 3}, 0.1));
        var f = assertThrows(IllegalArgumentException.class,
                () -> new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 1.0, 3));
        assertTrue(f.getMessage().contains("factor should be < 1.0"), f.getMessage());
        var o = assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(opt, 1.0, 0));
        assertTrue(o.getMessage().contains("total_steps"), o.getMessage());
        var m = assertThrows(IllegalArgumentException.class, () -> new SequentialLR(opt,
                List.of(new LinearLR(opt), new ExponentialLR(opt, 0.9)), 3, 5));
        assertTrue(m.getMessage().contains("one more than the number of milestone points"), m.getMessage());
        Optimizer other = optimizer("SGD", new double[] {0.1, 0.05});
        var d = assertThrows(IllegalArgumentException.class, () -> new SequentialLR(opt,
                List.of(new LinearLR(opt), new ExponentialLR(other, 0.9)), 3));
        assertTrue(d.getMessage().contains("same optimizer"), d.getMessage());
        Optimizer adagrad = new Adagrad(List.of(Tensor.zeros(2).requiresGrad_(true)));
        assertThrows(IllegalArgumentException.class, () -> new OneCycleLR(adagrad, 0.1, 10));
    }

    @Test
    void oneCycleRefusesToStepPastTotalSteps() {
        Optimizer opt = optimizer("SGD", new double[] {0.1, 0.05});
        OneCycleLR s = new OneCycleLR(opt, 1.0, 5);
        for (int i = 0; i < 5; i++) {
            s.step();
        }
        var e = assertThrows(IllegalStateException.class, s::step);
        assertTrue(e.getMessage().contains("tried to step 7 times"), e.getMessage());
        assertTrue(e.getMessage().contains("total steps is 5"), e.getMessage());
        assertEquals(5, s.lastEpoch(), "a refused step changes nothing");
    }

    @Test
    void constructionAppliesEpochZeroAndRecordsInitialLr() {
        Optimizer opt = optimizer("SGD", new double[] {0.1, 0.05});
        LinearLR warm = new LinearLR(opt, 0.5, 1.0, 4);
        assertArrayEquals(new double[] {0.05, 0.025}, lrs(opt));
        assertArrayEquals(new double[] {0.05, 0.025}, warm.lastLr());
        assertEquals(0, warm.lastEpoch());
        assertEquals(0.1, opt.paramGroups().get(0).get("initial_lr"));
        assertEquals(0.05, opt.paramGroups().get(1).get("initial_lr"));
    }
}
