package dev.nabla.optim;

import java.util.Arrays;

/**
 * Multiplies each group's lr by {@code gamma} at each milestone epoch, like
 * {@code torch.optim.lr_scheduler.MultiStepLR} (a milestone listed twice decays twice).
 */
public final class MultiStepLR extends LRScheduler {
    private final int[] milestones;
    private final double gamma;

    /** Decays by 0.1 at each milestone. */
    public MultiStepLR(Optimizer optimizer, int... milestones) {
        this(optimizer, milestones, 0.1);
    }

    /** Decays by {@code gamma} at each milestone (in increasing order; repeats allowed). */
    public MultiStepLR(Optimizer optimizer, int[] milestones, double gamma) {
        super(optimizer);
        for (int i = 1; i < milestones.length; i++) {
            if (milestones[i] < milestones[i - 1]) {
                throw new IllegalArgumentException("MultiStepLR: milestones must be increasing, got "
                        + Arrays.toString(milestones));
            }
        }
        this.milestones = milestones.clone();
        this.gamma = gamma;
        start();
    }

    private int count(int epoch) {
        int n = 0;
        for (int m : milestones) {
            n += m == epoch ? 1 : 0;
        }
        return n;
    }

    @Override
    protected double[] computeLr() {
        double[] lr = currentLrs();
        int n = count(lastEpoch);
        if (n == 0) {
            return lr;
        }
        double f = Math.pow(gamma, n);
        for (int i = 0; i < lr.length; i++) {
            lr[i] *= f;
        }
        return lr;
    }

    @Override
    protected double[] closedFormLr() {
        int passed = 0;
        for (int m : milestones) {
            passed += m <= lastEpoch ? 1 : 0;
        }
        double[] lr = baseLrs.clone();
        for (int i = 0; i < lr.length; i++) {
            lr[i] = lr[i] * Math.pow(gamma, passed);
        }
        return lr;
    }
}
