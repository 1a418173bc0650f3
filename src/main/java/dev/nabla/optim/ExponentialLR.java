package dev.nabla.optim;

/** Multiplies each group's lr by {@code gamma} every epoch, like {@code torch.optim.lr_scheduler.ExponentialLR}. */
public final class ExponentialLR extends LRScheduler {
    private final double gamma;

    /** Decays by {@code gamma} per epoch. */
    public ExponentialLR(Optimizer optimizer, double gamma) {
        super(optimizer);
        this.gamma = gamma;
        start();
    }

    @Override
    protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch == 0) {
            return lr;
        }
        for (int i = 0; i < lr.length; i++) {
            lr[i] *= gamma;
        }
        return lr;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lr = baseLrs.clone();
        for (int i = 0; i < lr.length; i++) {
            lr[i] = lr[i] * Math.pow(gamma, lastEpoch);
        }
        return lr;
    }
}
