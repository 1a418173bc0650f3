package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Loading optimizer and schedule state checks the values, not only the keys and shapes: NaN or infinite
 * learning rates, fractional or negative counters and step counts are rejected with a message naming the key and
 * the value, and a rejected load changes nothing.
 */
class StateDictValidationTest {

    private static Tensor scalar(double v) {
        return Tensor.scalar(v, DType.FLOAT64, Device.CPU);
    }

    /** An Adam over two groups, stepped twice so every parameter has state. */
    private static Optimizer steppedAdam() {
        Optimizer opt = LRScheduleTest.optimizer("Adam", new double[] {0.1, 0.05});
        for (int s = 0; s < 2; s++) {
            for (ParamGroup g : opt.paramGroups()) {
                for (Tensor p : g.params()) {
                    p.setGrad(Tensor.onesLike(p));
                }
            }
            opt.step();
        }
        return opt;
    }

    private static Map<String, Object> snapshot(Optimizer opt) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (Scope s = Scope.open()) {
            opt.stateDict().forEach((k, v) -> out.put(k, java.util.Arrays.toString(v.toDoubleArray())));
        }
        return out;
    }

    private static void rejectsOptimizerState(String what, Consumer<Map<String, Tensor>> corrupt, String... words) {
        Optimizer src = steppedAdam();
        Optimizer dst = LRScheduleTest.optimizer("Adam", new double[] {0.3, 0.2});
        try (Scope s = Scope.open()) {
            Map<String, Tensor> state = new LinkedHashMap<>(src.stateDict());
            corrupt.accept(state);
            Map<String, Object> before = snapshot(dst);
            var e = assertThrows(IllegalArgumentException.class, () -> dst.loadStateDict(state), what);
            for (String w : words) {
                assertTrue(e.getMessage().contains(w), what + ": expected '" + w + "' in: " + e.getMessage());
            }
            assertEquals(before, snapshot(dst), what + ": nothing changed");
            assertEquals(0, dst.stepCount(dst.paramGroups().get(0).params().get(0)), what);
        } finally {
            src.close();
            dst.close();
        }
    }

    @Test
    void optimizerStateRoundTripsAndStepCountsStayExact() {
        Optimizer src = steppedAdam();
        Optimizer dst = LRScheduleTest.optimizer("Adam", new double[] {0.3, 0.2});
        dst.loadStateDict(src.stateDict());
        assertEquals(snapshot(src), snapshot(dst));
        assertEquals(2, dst.stepCount(dst.paramGroups().get(1).params().get(0)));
        src.close();
        dst.close();
    }

    @Test
    void invalidStepCountsAreRejected() {
        rejectsOptimizerState("negative", m -> m.put("state.0.step", scalar(-1)), "'state.0.step'", "-1.0",
                "non-negative integer");
        rejectsOptimizerState("NaN", m -> m.put("state.1.step", scalar(Double.NaN)), "'state.1.step'", "NaN");
        rejectsOptimizerState("infinite", m -> m.put("state.0.step", scalar(Double.POSITIVE_INFINITY)),
                "Infinity");
        rejectsOptimizerState("fractional", m -> m.put("state.0.step", scalar(2.5)), "2.5");
        rejectsOptimizerState("beyond 2^53", m -> m.put("state.0.step", scalar(0x1p60)), "'state.0.step'");
        rejectsOptimizerState("not one element", m -> m.put("state.0.step", Tensor.of(new double[] {1, 2})),
                "'state.0.step'", "one-element");
    }

    @Test
    void invalidGroupOptionsAreRejected() {
        rejectsOptimizerState("NaN lr", m -> m.put("param_groups.1.lr", scalar(Double.NaN)), "param_groups.1.lr",
                "NaN");
        rejectsOptimizerState("infinite eps", m -> m.put("param_groups.0.eps", scalar(Double.POSITIVE_INFINITY)),
                "param_groups.0.eps", "Infinity");
        rejectsOptimizerState("negative lr", m -> m.put("param_groups.0.lr", scalar(-0.5)), "param_groups.0",
                "invalid learning rate: -0.5");
        rejectsOptimizerState("beta 1", m -> m.put("param_groups.0.beta2", scalar(1.0)), "param_groups.0",
                "beta");
        rejectsOptimizerState("flag 2", m -> m.put("param_groups.1.amsgrad", scalar(2)), "param_groups.1",
                "amsgrad");
    }

    @Test
    void keysOutOfRangeAreRejected() {
        rejectsOptimizerState("group index", m -> m.put("param_groups.7.lr", scalar(0.1)), "'param_groups.7.lr'",
                "2 groups");
        rejectsOptimizerState("parameter index", m -> m.put("state.9.step", scalar(1)), "'state.9.step'",
                "2 parameters");
        rejectsOptimizerState("not a number", m -> m.put("state.x.step", scalar(1)), "'state.x.step'");
        rejectsOptimizerState("extra buffer", m -> m.put("state.0.5", Tensor.zeros(2)), "'state.0.5'");
        rejectsOptimizerState("buffer without step", m -> m.remove("state.0.step"), "'state.0.0'",
                "no saved step count");
    }

    // ---------------------------------------------------------------- schedules

    private static void rejectsSchedule(LRScheduler s, String key, double value, String... words) {
        Map<String, Double> before = s.stateDict();
        double[] lrBefore = s.lastLr();
        Map<String, Double> bad = new LinkedHashMap<>(before);
        bad.put(key, value);
        var e = assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(bad), key + "=" + value);
        assertTrue(e.getMessage().contains("'" + key + "'") && e.getMessage().contains(String.valueOf(value)),
                e.getMessage());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "expected '" + w + "' in: " + e.getMessage());
        }
        assertEquals(before, s.stateDict());
        assertArrayEquals(lrBefore, s.lastLr());
    }

    @Test
    void scheduleCountersMustBeIntegersAndRatesFinite() {
        Optimizer opt = LRScheduleTest.optimizer("SGD", new double[] {0.1, 0.05});
        List<LRScheduler> all = List.of(new StepLR(opt, 3, 0.5), new ExponentialLR(opt, 0.9),
                new CosineAnnealingLR(opt, 10), new LinearLR(opt), new MultiStepLR(opt, new int[] {2, 4}, 0.1),
                new OneCycleLR(opt, 1.0, 20));
        for (LRScheduler s : all) {
            s.step();
            String who = s.getClass().getSimpleName();
            rejectsSchedule(s, "last_epoch", Double.NaN, who);
            rejectsSchedule(s, "last_epoch", -2, who);
            rejectsSchedule(s, "last_epoch", 1.5, who);
            rejectsSchedule(s, "last_epoch", 1e12, who);
            rejectsSchedule(s, "_step_count", -1, who);
            rejectsSchedule(s, "_step_count", Double.POSITIVE_INFINITY, who);
            rejectsSchedule(s, "base_lrs.1", Double.NaN, who);
            rejectsSchedule(s, "base_lrs.0", Double.NEGATIVE_INFINITY, who);
            rejectsSchedule(s, "base_lrs.0", -0.1, who);
            rejectsSchedule(s, "_last_lr.1", Double.POSITIVE_INFINITY, who);
            // a valid state still loads
            Map<String, Double> ok = s.stateDict();
            s.loadStateDict(ok);
            assertEquals(ok, s.stateDict());
        }
    }

    @Test
    void sequentialChecksEveryPartBeforeChangingAny() {
        Optimizer opt = LRScheduleTest.optimizer("SGD", new double[] {0.1, 0.05});
        LinearLR warm = new LinearLR(opt, 0.1, 1.0, 3);
        CosineAnnealingLR cos = new CosineAnnealingLR(opt, 10);
        SequentialLR seq = new SequentialLR(opt, List.of(warm, cos), 3);
        for (int i = 0; i < 5; i++) {
            seq.step();
        }
        // its own counters are fine, the second schedule's are not: neither part may change
        Map<String, Double> bad = new LinkedHashMap<>(seq.stateDict());
        bad.put("last_epoch", 1.0);
        bad.put("_schedulers.0.last_epoch", 1.0);
        bad.put("_schedulers.1.base_lrs.0", Double.NaN);
        Map<String, Double> before = seq.stateDict();
        var e = assertThrows(IllegalArgumentException.class, () -> seq.loadStateDict(bad));
        assertTrue(e.getMessage().contains("'_schedulers.1.base_lrs.0'") && e.getMessage().contains("NaN"),
                e.getMessage());
        assertEquals(before, seq.stateDict());
        rejectsSchedule(seq, "_schedulers.0._step_count", -3);

        // a schedule that has not started yet inside a SequentialLR has last_epoch -1: that state loads
        SequentialLR fresh = new SequentialLR(opt, List.of(new LinearLR(opt, 0.1, 1.0, 3),
                new CosineAnnealingLR(opt, 10)), 3);
        assertEquals(-1.0, fresh.stateDict().get("_schedulers.1.last_epoch"));
        fresh.loadStateDict(fresh.stateDict());
    }

    @Test
    void plateauRejectsNaNBestAndBadCounters() {
        Optimizer opt = LRScheduleTest.optimizer("SGD", new double[] {0.1, 0.05});
        ReduceLROnPlateau p = new ReduceLROnPlateau(opt);
        p.step(1.0);
        p.step(2.0);
        Map<String, Double> before = p.stateDict();
        for (var bad : List.of(Map.entry("best", Double.NaN), Map.entry("num_bad_epochs", -1.0),
                Map.entry("cooldown_counter", 0.5), Map.entry("last_epoch", Double.POSITIVE_INFINITY),
                Map.entry("_last_lr.0", Double.NaN))) {
            Map<String, Double> m = new LinkedHashMap<>(before);
            m.put(bad.getKey(), bad.getValue());
            var e = assertThrows(IllegalArgumentException.class, () -> p.loadStateDict(m), bad.toString());
            assertTrue(e.getMessage().contains("'" + bad.getKey() + "'")
                    && e.getMessage().contains(String.valueOf(bad.getValue())), e.getMessage());
            assertEquals(before, p.stateDict());
        }
        // the starting best (+infinity in min mode) is a valid value
        ReduceLROnPlateau fresh = new ReduceLROnPlateau(opt);
        fresh.loadStateDict(fresh.stateDict());
        assertEquals(Double.POSITIVE_INFINITY, fresh.best());
    }
}
