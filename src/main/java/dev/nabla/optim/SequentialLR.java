package dev.nabla.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs schedules one after another, switching at the milestone epochs, like
 * {@code torch.optim.lr_scheduler.SequentialLR} (PyTorch 1.13): the way to put a warm-up in front of another
 * schedule. At a milestone the next schedule restarts from its epoch 0 (its closed form, where it has one).
 *
 * <pre>{@code
 * var warmup = new LinearLR(opt, 0.1, 1.0, 5);
 * var cosine = new CosineAnnealingLR(opt, 95);
 * var sched = new SequentialLR(opt, List.of(warmup, cosine), 5);
 * }</pre>
 */
public final class SequentialLR extends LRScheduler {
    private final List<LRScheduler> schedulers;
    private final int[] milestones;

    /**
     * {@code schedulers} (all built on {@code optimizer}, in order) switched at {@code milestones} (one fewer than
     * the schedulers, increasing).
     */
    public SequentialLR(Optimizer optimizer, List<LRScheduler> schedulers, int... milestones) {
        super(optimizer);
        if (schedulers.isEmpty()) {
            throw new IllegalArgumentException("SequentialLR: no schedulers");
        }
        for (int i = 0; i < schedulers.size(); i++) {
            if (schedulers.get(i).optimizer != optimizer) {
                throw new IllegalArgumentException("SequentialLR expects all schedulers to belong to the same "
                        + "optimizer, but the scheduler at index " + i + " has a different one");
            }
            if (schedulers.get(i) instanceof SequentialLR) {
                throw new IllegalArgumentException("SequentialLR: the scheduler at index " + i
                        + " is itself a SequentialLR");
            }
        }
        if (milestones.length != schedulers.size() - 1) {
            throw new IllegalArgumentException("SequentialLR expects number of schedulers provided to be one more "
                    + "than the number of milestone points, but got number of schedulers " + schedulers.size()
                    + " and the number of milestones to be equal to " + milestones.length);
        }
        for (int i = 1; i < milestones.length; i++) {
            if (milestones[i] < milestones[i - 1]) {
                throw new IllegalArgumentException("SequentialLR: milestones must be increasing, got "
                        + Arrays.toString(milestones));
            }
        }
        this.schedulers = List.copyOf(schedulers);
        this.milestones = milestones.clone();
        List<ParamGroup> groups = optimizer.paramGroups();
        baseLrs = new double[groups.size()];
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = groups.get(i);
            baseLrs[i] = g.get("initial_lr");
            // reset the learning rates the schedulers' constructors changed
            g.setLr(baseLrs[i]);
        }
        lastEpoch = 0;
        // "undo" the initial step every scheduler made, then redo it for the first only
        for (LRScheduler s : this.schedulers) {
            s.lastEpoch--;
        }
        LRScheduler first = this.schedulers.get(0);
        first.initialStep();
        setLastLr(first.lastLr());
    }

    @Override
    public void step() {
        lastEpoch++;
        int idx = bisectRight(milestones, lastEpoch);
        LRScheduler s = schedulers.get(idx);
        if (idx > 0 && milestones[idx - 1] == lastEpoch) {
            s.stepTo(0);
        } else {
            s.step();
        }
        setLastLr(s.lastLr());
    }

    private static int bisectRight(int[] a, int x) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (x < a[mid]) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    @Override
    protected double[] computeLr() {
        throw new UnsupportedOperationException("SequentialLR delegates to its schedulers");
    }

    /** Its own counters plus each scheduler's, under {@code _schedulers.<i>.}. */
    @Override
    public Map<String, Double> stateDict() {
        Map<String, Double> out = new LinkedHashMap<>(super.stateDict());
        for (int i = 0; i < schedulers.size(); i++) {
            for (var e : schedulers.get(i).stateDict().entrySet()) {
                out.put("_schedulers." + i + "." + e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /**
     * Restores its own counters and each scheduler's; every part is checked (keys and values, as
     * {@link LRScheduler#loadStateDict} describes) before anything changes.
     */
    @Override
    public void loadStateDict(Map<String, Double> state) {
        checkState(state);
        List<Map<String, Double>> parts = split(state);
        applyCounters(parts.get(0));
        for (int i = 0; i < schedulers.size(); i++) {
            schedulers.get(i).applyCounters(parts.get(i + 1));
        }
    }

    @Override
    void checkState(Map<String, Double> state) {
        checkKeys("SequentialLR", stateDict().keySet(), state);
        List<Map<String, Double>> parts = split(state);
        checkCounters("SequentialLR", "", parts.get(0));
        for (int i = 0; i < schedulers.size(); i++) {
            schedulers.get(i).checkCounters("SequentialLR", "_schedulers." + i + ".", parts.get(i + 1));
        }
    }

    /** Its own entries, then each scheduler's (prefix removed); the keys have been checked. */
    private List<Map<String, Double>> split(Map<String, Double> state) {
        List<Map<String, Double>> parts = new java.util.ArrayList<>();
        for (int i = 0; i <= schedulers.size(); i++) {
            parts.add(new LinkedHashMap<>());
        }
        for (var e : state.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("_schedulers.")) {
                int dot = k.indexOf('.', "_schedulers.".length());
                int i = Integer.parseInt(k.substring("_schedulers.".length(), dot));
                parts.get(i + 1).put(k.substring(dot + 1), e.getValue());
            } else {
                parts.get(0).put(k, e.getValue());
            }
        }
        return parts;
    }
}
