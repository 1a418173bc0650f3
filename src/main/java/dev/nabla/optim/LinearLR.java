package dev.nabla.optim;

/**
 * Linear warm-up (or decay): the lr goes from {@code startFactor·base_lr} to {@code endFactor·base_lr} over
 * {@code totalIters} epochs and then stays, like {@code torch.optim.lr_scheduler.LinearLR}. Compose it with another
 * schedule through {@link SequentialLR}.
 */
public final class LinearLR extends LRScheduler {
    private final double startFactor;
    private final double endFactor;
    private final int totalIters;

    /** PyTorch's defaults: from 1/3 of the lr to the full lr over 5 epochs. */
    public LinearLR(Optimizer optimizer) {
        this(optimizer, 1.0 / 3, 1.0, 5);
    }

    /** From {@code startFactor} to {@code endFactor} times the base lr over {@code totalIters} epochs. */
    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters) {
        super(optimizer);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("LinearLR: starting multiplicative factor expected to be greater "
                    + "than 0 and less or equal to 1, got " + startFactor);
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException("LinearLR: ending multiplicative factor expected to be between 0 and "
                    + "1, got " + endFactor);
        }
        if (totalIters < 1) {
            throw new IllegalArgumentException("LinearLR: total_iters must be >= 1, got " + totalIters);
        }
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        start();
    }

    @Override
    protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch == 0) {
            for (int i = 0; i < lr.length; i++) {
                lr[i] *= startFactor;
            }
            return lr;
        }
        if (lastEpoch > totalIters) {
            return lr;
        }
        double f = 1. + (endFactor - startFactor)
                / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor));
        for (int i = 0; i < lr.length; i++) {
            lr[i] *= f;
        }
        return lr;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lr = baseLrs.clone();
        for (int i = 0; i < lr.length; i++) {
            lr[i] = baseLrs[i] * (startFactor
                    + (endFactor - startFactor) * Math.min(totalIters, lastEpoch) / totalIters);
        }
        return lr;
    }
}
