package dev.nabla.optim;

import java.util.Arrays;

/**
 * The 1cycle policy, like {@code torch.optim.lr_scheduler.OneCycleLR} (PyTorch 1.13), stepped once per batch: the
 * lr rises from {@code maxLr/divFactor} to {@code maxLr} over the first {@code pctStart} of {@code totalSteps}, then
 * anneals to {@code maxLr/(divFactor·finalDivFactor)}; with {@code threePhase} it first comes back down to the
 * initial lr symmetrically. With {@code cycleMomentum} the momentum (SGD, RMSprop: option {@code momentum}; Adam,
 * AdamW: {@code beta1}) moves inversely between {@code maxMomentum} and {@code baseMomentum}.
 *
 * <p>Like PyTorch it writes {@code initial_lr}, {@code max_lr}, {@code min_lr} (and {@code max_momentum},
 * {@code base_momentum}) into each parameter group, so they are part of the optimizer's state dict.
 *
 * <pre>{@code
 * var sched = new OneCycleLR(opt, 0.1, epochs * batchesPerEpoch, OneCycleLR.Config.DEFAULTS.withPctStart(0.25));
 * }</pre>
 */
public final class OneCycleLR extends LRScheduler {

    /** How the lr moves within a phase. */
    public enum Anneal {
        /** Cosine annealing (PyTorch's default, {@code 'cos'}). */
        COS,
        /** Linear annealing ({@code 'linear'}). */
        LINEAR
    }

    /**
     * The options besides the maximum lr and the number of steps; start from {@link #DEFAULTS} (PyTorch's) and
     * change what differs.
     */
    public record Config(double pctStart, Anneal anneal, boolean cycleMomentum, double baseMomentum,
                         double maxMomentum, double divFactor, double finalDivFactor, boolean threePhase) {
        /** PyTorch's defaults: 0.3, cos, cycle momentum 0.85 to 0.95, div 25, final div 1e4, two phases. */
        public static final Config DEFAULTS = new Config(0.3, Anneal.COS, true, 0.85, 0.95, 25.0, 1e4, false);

        /** With {@code pctStart}. */
        public Config withPctStart(double v) {
            return new Config(v, anneal, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor,
                    threePhase);
        }

        /** With {@code anneal}. */
        public Config withAnneal(Anneal v) {
            return new Config(pctStart, v, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor,
                    threePhase);
        }

        /** With or without momentum cycling. */
        public Config withCycleMomentum(boolean v) {
            return new Config(pctStart, anneal, v, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase);
        }

        /** With momentum cycling between {@code base} and {@code max}. */
        public Config withMomentum(double base, double max) {
            return new Config(pctStart, anneal, cycleMomentum, base, max, divFactor, finalDivFactor, threePhase);
        }

        /** With {@code divFactor} (initial lr = max lr / divFactor). */
        public Config withDivFactor(double v) {
            return new Config(pctStart, anneal, cycleMomentum, baseMomentum, maxMomentum, v, finalDivFactor,
                    threePhase);
        }

        /** With {@code finalDivFactor} (min lr = initial lr / finalDivFactor). */
        public Config withFinalDivFactor(double v) {
            return new Config(pctStart, anneal, cycleMomentum, baseMomentum, maxMomentum, divFactor, v, threePhase);
        }

        /** With or without the third phase. */
        public Config withThreePhase(boolean v) {
            return new Config(pctStart, anneal, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor,
                    v);
        }
    }

    private record Phase(double endStep, String startLr, String endLr, String startMomentum, String endMomentum) {
    }

    private final int totalSteps;
    private final Config config;
    private final Phase[] phases;
    private final String momentumKey;

    /** PyTorch's defaults with one maximum lr for every group. */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps) {
        this(optimizer, maxLr, totalSteps, Config.DEFAULTS);
    }

    /** One maximum lr for every group. */
    public OneCycleLR(Optimizer optimizer, double maxLr, int totalSteps, Config config) {
        this(optimizer, filled(optimizer, maxLr), totalSteps, config);
    }

    /** A maximum lr per parameter group. */
    public OneCycleLR(Optimizer optimizer, double[] maxLrs, int totalSteps, Config config) {
        super(optimizer);
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("OneCycleLR: expected positive integer total_steps, but got "
                    + totalSteps);
        }
        if (!(config.pctStart() >= 0 && config.pctStart() <= 1)) {
            throw new IllegalArgumentException("OneCycleLR: expected float between 0 and 1 pct_start, but got "
                    + config.pctStart());
        }
        var groups = optimizer.paramGroups();
        if (maxLrs.length != groups.size()) {
            throw new IllegalArgumentException("OneCycleLR: expected " + groups.size() + " values for max_lr, got "
                    + maxLrs.length);
        }
        this.totalSteps = totalSteps;
        this.config = config;
        double p = config.pctStart();
        if (config.threePhase()) {
            phases = new Phase[] {
                new Phase(p * totalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                new Phase(2 * p * totalSteps - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                new Phase(totalSteps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            };
        } else {
            phases = new Phase[] {
                new Phase(p * totalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                new Phase(totalSteps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            };
        }
        if (config.cycleMomentum()) {
            ParamGroup first = groups.get(0);
            if (first.options().containsKey("beta1")) {
                momentumKey = "beta1";
            } else if (first.options().containsKey("momentum")) {
                momentumKey = "momentum";
            } else {
                throw new IllegalArgumentException("OneCycleLR: optimizer must support momentum (a 'momentum' or "
                        + "'beta1' option) with cycle momentum enabled");
            }
        } else {
            momentumKey = null;
        }
        for (int i = 0; i < groups.size(); i++) {
            ParamGroup g = groups.get(i);
            g.put("initial_lr", maxLrs[i] / config.divFactor());
            g.put("max_lr", maxLrs[i]);
            g.put("min_lr", g.get("initial_lr") / config.finalDivFactor());
            if (momentumKey != null) {
                g.put(momentumKey, config.maxMomentum());
                g.put("max_momentum", config.maxMomentum());
                g.put("base_momentum", config.baseMomentum());
            }
        }
        start();
    }

    private static double[] filled(Optimizer optimizer, double v) {
        double[] a = new double[optimizer.paramGroups().size()];
        Arrays.fill(a, v);
        return a;
    }

    private double anneal(double start, double end, double pct) {
        if (config.anneal() == Anneal.COS) {
            double cosOut = Math.cos(Math.PI * pct) + 1;
            return end + (start - end) / 2.0 * cosOut;
        }
        return (end - start) * pct + start;
    }

    @Override
    protected double[] computeLr() {
        int stepNum = lastEpoch;
        if (stepNum > totalSteps) {
            throw new IllegalStateException("OneCycleLR: tried to step " + (stepNum + 1) + " times. The specified "
                    + "number of total steps is " + totalSteps);
        }
        var groups = optimizer.paramGroups();
        double[] lrs = new double[groups.size()];
        for (int gi = 0; gi < lrs.length; gi++) {
            ParamGroup g = groups.get(gi);
            double startStep = 0;
            for (int i = 0; i < phases.length; i++) {
                Phase ph = phases[i];
                double endStep = ph.endStep();
                if (stepNum <= endStep || i == phases.length - 1) {
                    double pct = (stepNum - startStep) / (endStep - startStep);
                    lrs[gi] = anneal(g.get(ph.startLr()), g.get(ph.endLr()), pct);
                    if (momentumKey != null) {
                        g.put(momentumKey, anneal(g.get(ph.startMomentum()), g.get(ph.endMomentum()), pct));
                    }
                    break;
                }
                startStep = ph.endStep();
            }
        }
        return lrs;
    }
}
