package dev.nabla.optim;

/**
 * Cosine annealing from each group's base lr to {@code etaMin} over {@code tMax} epochs, like
 * {@code torch.optim.lr_scheduler.CosineAnnealingLR}:
 * {@code lr = etaMin + (base_lr - etaMin)·(1 + cos(π·epoch/tMax))/2}. Like PyTorch's {@code step()} it applies
 * the recursive (chainable) form, so it composes with other changes to the lr and, past {@code tMax}, climbs back
 * up as PyTorch's does.
 */
public final class CosineAnnealingLR extends LRScheduler {
    private final int tMax;
    private final double etaMin;

    /** Anneals to 0 over {@code tMax} epochs. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax) {
        this(optimizer, tMax, 0.0);
    }

    /** Anneals to {@code etaMin} over {@code tMax} epochs. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        super(optimizer);
        if (tMax < 1) {
            throw new IllegalArgumentException("CosineAnnealingLR: T_max must be >= 1, got " + tMax);
        }
        this.tMax = tMax;
        this.etaMin = etaMin;
        start();
    }

    @Override
    protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch == 0) {
            return lr;
        }
        for (int i = 0; i < lr.length; i++) {
            double base = baseLrs[i];
            if (stepCount == 1 && lastEpoch > 0) {
                lr[i] = etaMin + (base - etaMin) * (1 + Math.cos(lastEpoch * Math.PI / tMax)) / 2;
            } else if (Math.floorMod(lastEpoch - 1 - tMax, 2 * tMax) == 0) {
                lr[i] = lr[i] + (base - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
            } else {
                lr[i] = (1 + Math.cos(Math.PI * lastEpoch / tMax)) / (1 + Math.cos(Math.PI * (lastEpoch - 1) / tMax))
                        * (lr[i] - etaMin) + etaMin;
            }
        }
        return lr;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lr = baseLrs.clone();
        for (int i = 0; i < lr.length; i++) {
            lr[i] = etaMin + (baseLrs[i] - etaMin) * (1 + Math.cos(Math.PI * lastEpoch / tMax)) / 2;
        }
        return lr;
    }
}
