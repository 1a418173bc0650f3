package dev.nabla.optim;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the learning-rate schedules, like PyTorch's {@code torch.optim.lr_scheduler._LRScheduler} (1.13): a
 * schedule adjusts the {@code lr} of each of its optimizer's parameter groups once per {@link #step()}, after the
 * optimizer's step. Constructing a schedule already applies its value for epoch 0 (PyTorch's initial step) and
 * records each group's starting {@code lr} as the group option {@code initial_lr} (unless already set).
 *
 * <p>Subclasses implement PyTorch's <em>chainable</em> rule ({@link #computeLr()}: the new lr from the groups'
 * current lr), so their sequences match PyTorch's step by step, and optionally its closed form
 * ({@link #closedFormLr()}), which {@link SequentialLR} uses when it switches schedules. A subclass constructor
 * sets its fields and ends with {@link #start()}.
 *
 * <pre>{@code
 * var warm = new LinearLR(opt, 0.1, 1.0, 5);
 * var cos = new CosineAnnealingLR(opt, 95, 0.0);
 * var sched = new SequentialLR(opt, List.of(warm, cos), 5);
 * for (int epoch = 0; epoch < 100; epoch++) { train(); opt.step(); sched.step(); }
 * }</pre>
 */
public abstract class LRScheduler {
    /** The optimizer whose groups this schedule drives. */
    protected final Optimizer optimizer;
    /** Each group's {@code initial_lr}. */
    protected double[] baseLrs;
    /** The epoch (step) index of the current lr: 0 after construction. */
    protected int lastEpoch = -1;
    /** How many times the schedule has stepped, construction included (PyTorch's {@code _step_count}). */
    protected int stepCount;
    private double[] lastLr;

    /** A schedule for {@code optimizer}; the subclass constructor must end with {@link #start()}. */
    protected LRScheduler(Optimizer optimizer) {
        if (optimizer == null) {
            throw new IllegalArgumentException("LR schedule: the optimizer is null");
        }
        this.optimizer = optimizer;
    }

    /** Records {@code initial_lr} in each group, takes it as the base lr and applies the epoch-0 value. */
    protected final void start() {
        List<ParamGroup> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = groups.get(i);
            g.putIfAbsent("initial_lr", g.lr());
            baseLrs[i] = g.get("initial_lr");
        }
        lastEpoch = -1;
        initialStep();
    }

    /** PyTorch's {@code _initial_step}: resets the step count and steps to epoch 0. */
    final void initialStep() {
        stepCount = 0;
        step();
    }

    /** The chainable rule: each group's new lr for {@link #lastEpoch}, given the groups' current lr. */
    protected abstract double[] computeLr();

    /** The closed form for {@link #lastEpoch} from {@link #baseLrs}, or null when the schedule has none. */
    protected double[] closedFormLr() {
        return null;
    }

    /** Advances one epoch (or one iteration, for per-batch schedules) and sets each group's lr. */
    public void step() {
        stepCount++;
        lastEpoch++;
        double[] lrs;
        try {
            lrs = computeLr();
        } catch (RuntimeException e) {
            stepCount--;
            lastEpoch--;
            throw e;
        }
        apply(lrs);
    }

    /** PyTorch's deprecated {@code step(epoch)}: jumps to {@code epoch} using the closed form where there is one. */
    void stepTo(int epoch) {
        stepCount++;
        lastEpoch = epoch;
        double[] lrs = closedFormLr();
        apply(lrs != null ? lrs : computeLr());
    }

    private void apply(double[] lrs) {
        List<ParamGroup> groups = optimizer.paramGroups();
        for (int i = 0; i < groups.size(); i++) {
            if (!Double.isFinite(lrs[i])) {
                throw new IllegalStateException(getClass().getSimpleName() + ": computed a non-finite learning "
                        + "rate " + lrs[i] + " for parameter group " + i + " at epoch " + lastEpoch);
            }
            // not setLr: like PyTorch, a schedule may take the lr slightly below 0 (OneCycleLR's linear annealing
            // on its last step extrapolates past min_lr)
            groups.get(i).put("lr", lrs[i]);
        }
        setLastLr(currentLrs());
    }

    /** Each group's current lr. */
    protected final double[] currentLrs() {
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] out = new double[groups.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = groups.get(i).lr();
        }
        return out;
    }

    final void setLastLr(double[] lrs) {
        lastLr = lrs.clone();
    }

    /** The lr this schedule last set, per parameter group (PyTorch's {@code get_last_lr()}). */
    public double[] lastLr() {
        return lastLr.clone();
    }

    /** The epoch index of the current lr (0 right after construction). */
    public int lastEpoch() {
        return lastEpoch;
    }

    /** The optimizer this schedule drives. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * The schedule's counters, PyTorch's names: {@code last_epoch}, {@code _step_count}, {@code base_lrs.<i>} and
     * {@code _last_lr.<i>}. The hyper-parameters are not included: they come from the constructor. Save it beside
     * the optimizer's state dict (which holds the groups' current lr).
     */
    public Map<String, Double> stateDict() {
        return counters();
    }

    private Map<String, Double> counters() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("last_epoch", (double) lastEpoch);
        out.put("_step_count", (double) stepCount);
        for (int i = 0; i < baseLrs.length; i++) {
            out.put("base_lrs." + i, baseLrs[i]);
        }
        for (int i = 0; i < lastLr.length; i++) {
            out.put("_last_lr." + i, lastLr[i]);
        }
        return out;
    }

    /**
     * Restores counters saved by {@link #stateDict()} into a schedule of the same kind over an optimizer with as
     * many groups. Everything is checked before anything changes: the keys, and the values ({@code last_epoch} an
     * integer {@code >= -1}, {@code _step_count} an integer {@code >= 0}, {@code base_lrs} finite and
     * {@code >= 0}, {@code _last_lr} finite).
     *
     * @throws IllegalArgumentException naming a missing or unexpected key, or a key and its invalid value
     */
    public void loadStateDict(Map<String, Double> state) {
        checkState(state);
        applyCounters(state);
    }

    /** Throws {@link IllegalArgumentException} unless {@code state} would load; changes nothing. */
    void checkState(Map<String, Double> state) {
        String who = getClass().getSimpleName();
        checkKeys(who, counters().keySet(), state);
        checkCounters(who, "", state);
    }

    /**
     * Checks the values of this class's counters in {@code state}, whose keys carry {@code prefix} in messages.
     * {@code last_epoch} may be -1: a schedule inside a {@link SequentialLR} that has not started yet has it.
     */
    final void checkCounters(String who, String prefix, Map<String, Double> state) {
        integer(who, prefix, "last_epoch", state.get("last_epoch"), -1);
        integer(who, prefix, "_step_count", state.get("_step_count"), 0);
        for (int i = 0; i < baseLrs.length; i++) {
            finite(who, prefix, "base_lrs." + i, state.get("base_lrs." + i), true);
        }
        for (int i = 0; i < lastLr.length; i++) {
            finite(who, prefix, "_last_lr." + i, state.get("_last_lr." + i), false);
        }
    }

    /** Sets the counters from a {@code state} that {@link #checkCounters} accepted. */
    final void applyCounters(Map<String, Double> state) {
        lastEpoch = (int) (double) state.get("last_epoch");
        stepCount = (int) (double) state.get("_step_count");
        for (int i = 0; i < baseLrs.length; i++) {
            baseLrs[i] = state.get("base_lrs." + i);
        }
        for (int i = 0; i < lastLr.length; i++) {
            lastLr[i] = state.get("_last_lr." + i);
        }
    }

    /** Throws unless {@code value} is an integer in {@code [min, Integer.MAX_VALUE]} (a counter held as an int). */
    static void integer(String who, String prefix, String key, double value, int min) {
        if (!(value >= min && value <= Integer.MAX_VALUE && value == Math.rint(value))) {
            throw new IllegalArgumentException(who + ".loadStateDict: '" + prefix + key + "' must be an integer "
                    + "counter >= " + min + ", got " + value);
        }
    }

    /** Throws unless {@code value} is finite (and {@code >= 0} when {@code nonNegative}). */
    static void finite(String who, String prefix, String key, double value, boolean nonNegative) {
        if (!Double.isFinite(value) || nonNegative && value < 0) {
            throw new IllegalArgumentException(who + ".loadStateDict: '" + prefix + key + "' must be a finite "
                    + (nonNegative ? "number >= 0" : "number") + ", got " + value);
        }
    }

    static void checkKeys(String who, java.util.Set<String> expected, Map<String, Double> state) {
        List<String> problems = new java.util.ArrayList<>();
        for (String k : expected) {
            Double v = state.get(k);
            if (v == null) {
                problems.add("missing key '" + k + "'");
            }
        }
        for (String k : state.keySet()) {
            if (!expected.contains(k)) {
                problems.add("unexpected key '" + k + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(who + ".loadStateDict: " + String.join("; ", problems));
        }
    }

    /** Each group's current value of option {@code name}. */
    final double groupOption(int group, String name) {
        return optimizer.paramGroups().get(group).get(name);
    }

    /** Number of parameter groups. */
    final int groupCount() {
        return optimizer.paramGroups().size();
    }
}
