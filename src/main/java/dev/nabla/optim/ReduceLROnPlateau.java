package dev.nabla.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reduces each group's lr by {@code factor} once a metric has stopped improving for more than {@code patience}
 * epochs, like {@code torch.optim.lr_scheduler.ReduceLROnPlateau} (PyTorch 1.13). Call {@link #step(double)} with
 * the metric (a validation loss, say) once per epoch.
 *
 * <p>Improvement: in {@link Mode#MIN} a value below {@code best·(1 - threshold)} ({@link ThresholdMode#REL}) or
 * {@code best - threshold} ({@link ThresholdMode#ABS}); in {@link Mode#MAX} above {@code best·(1 + threshold)} or
 * {@code best + threshold}. After a reduction, {@code cooldown} epochs pass before bad epochs count again. The lr
 * never goes below the group's {@code minLr}, and changes smaller than {@code eps} are skipped.
 *
 * <pre>{@code
 * var plateau = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.5, 3);
 * for (...) { train(); plateau.step(validationLoss); }
 * }</pre>
 */
public final class ReduceLROnPlateau {

    /** Whether a lower or a higher metric is better. */
    public enum Mode {
        /** Lower is better (a loss). */
        MIN,
        /** Higher is better (an accuracy). */
        MAX
    }

    /** Whether {@code threshold} is relative to the best value or absolute. */
    public enum ThresholdMode {
        /** Relative ({@code 'rel'}). */
        REL,
        /** Absolute ({@code 'abs'}). */
        ABS
    }

    private final Optimizer optimizer;
    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final ThresholdMode thresholdMode;
    private final int cooldown;
    private final double[] minLrs;
    private final double eps;
    private double best;
    private int numBadEpochs;
    private int cooldownCounter;
    private int lastEpoch;
    private double[] lastLr;

    /** PyTorch's defaults: mode min, factor 0.1, patience 10, threshold 1e-4 rel, no cooldown, min lr 0. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        this(optimizer, Mode.MIN, 0.1, 10);
    }

    /** With the given mode, factor and patience, and PyTorch's other defaults. */
    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience) {
        this(optimizer, mode, factor, patience, 1e-4, ThresholdMode.REL, 0, 0.0, 1e-8);
    }

    /** Every option, one minimum lr for all groups. */
    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience, double threshold,
                             ThresholdMode thresholdMode, int cooldown, double minLr, double eps) {
        this(optimizer, mode, factor, patience, threshold, thresholdMode, cooldown,
                filled(optimizer, minLr), eps);
    }

    /** Every option, a minimum lr per parameter group. */
    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience, double threshold,
                             ThresholdMode thresholdMode, int cooldown, double[] minLrs, double eps) {
        if (optimizer == null || mode == null || thresholdMode == null) {
            throw new IllegalArgumentException("ReduceLROnPlateau: optimizer, mode and threshold mode are required");
        }
        if (!(factor < 1.0)) {
            throw new IllegalArgumentException("ReduceLROnPlateau: factor should be < 1.0, got " + factor);
        }
        if (patience < 0 || cooldown < 0) {
            throw new IllegalArgumentException("ReduceLROnPlateau: patience and cooldown must be >= 0, got "
                    + patience + " and " + cooldown);
        }
        int groups = optimizer.paramGroups().size();
        if (minLrs.length != groups) {
            throw new IllegalArgumentException("ReduceLROnPlateau: expected " + groups + " min_lrs, got "
                    + minLrs.length);
        }
        this.optimizer = optimizer;
        this.mode = mode;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.thresholdMode = thresholdMode;
        this.cooldown = cooldown;
        this.minLrs = minLrs.clone();
        this.eps = eps;
        this.lastEpoch = 0;
        this.best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        this.lastLr = currentLrs();
    }

    private static double[] filled(Optimizer optimizer, double v) {
        double[] a = new double[optimizer.paramGroups().size()];
        Arrays.fill(a, v);
        return a;
    }

    private double[] currentLrs() {
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] out = new double[groups.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = groups.get(i).lr();
        }
        return out;
    }

    /** Records one epoch's {@code metric} and reduces the lr if it has plateaued. */
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric, best)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0;
        }
        if (numBadEpochs > patience) {
            reduceLr();
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
        lastLr = currentLrs();
    }

    private void reduceLr() {
        List<ParamGroup> groups = optimizer.paramGroups();
        for (int i = 0; i < groups.size(); i++) {
            double old = groups.get(i).lr();
            double lr = Math.max(old * factor, minLrs[i]);
            if (old - lr > eps) {
                groups.get(i).setLr(lr);
            }
        }
    }

    private boolean isBetter(double a, double best) {
        if (mode == Mode.MIN) {
            return thresholdMode == ThresholdMode.REL ? a < best * (1. - threshold) : a < best - threshold;
        }
        return thresholdMode == ThresholdMode.REL ? a > best * (threshold + 1.) : a > best + threshold;
    }

    /** The lr per parameter group after the last step. */
    public double[] lastLr() {
        return lastLr.clone();
    }

    /** The best metric so far. */
    public double best() {
        return best;
    }

    /** Number of epochs since the last improvement (reset by a reduction and during cooldown). */
    public int numBadEpochs() {
        return numBadEpochs;
    }

    /** The optimizer this schedule drives. */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** Counters, PyTorch's names: {@code best}, {@code num_bad_epochs}, {@code cooldown_counter}, {@code last_epoch}, {@code _last_lr.<i>}. */
    public Map<String, Double> stateDict() {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("best", best);
        out.put("num_bad_epochs", (double) numBadEpochs);
        out.put("cooldown_counter", (double) cooldownCounter);
        out.put("last_epoch", (double) lastEpoch);
        for (int i = 0; i < lastLr.length; i++) {
            out.put("_last_lr." + i, lastLr[i]);
        }
        return out;
    }

    /**
     * Restores counters saved by {@link #stateDict()}; everything is checked before anything changes: the keys,
     * and the values ({@code best} not NaN, the counters integers {@code >= 0}, {@code _last_lr} finite).
     *
     * @throws IllegalArgumentException naming a missing or unexpected key, or a key and its invalid value
     */
    public void loadStateDict(Map<String, Double> state) {
        String who = "ReduceLROnPlateau";
        LRScheduler.checkKeys(who, stateDict().keySet(), state);
        if (Double.isNaN(state.get("best"))) {
            // +-infinity is the starting value; NaN would make every later comparison false
            throw new IllegalArgumentException(who + ".loadStateDict: 'best' must be a number, got NaN");
        }
        LRScheduler.integer(who, "", "num_bad_epochs", state.get("num_bad_epochs"), 0);
        LRScheduler.integer(who, "", "cooldown_counter", state.get("cooldown_counter"), 0);
        LRScheduler.integer(who, "", "last_epoch", state.get("last_epoch"), 0);
        for (int i = 0; i < lastLr.length; i++) {
            LRScheduler.finite(who, "", "_last_lr." + i, state.get("_last_lr." + i), false);
        }
        best = state.get("best");
        numBadEpochs = (int) (double) state.get("num_bad_epochs");
        cooldownCounter = (int) (double) state.get("cooldown_counter");
        lastEpoch = (int) (double) state.get("last_epoch");
        for (int i = 0; i < lastLr.length; i++) {
            lastLr[i] = state.get("_last_lr." + i);
        }
    }
}
