package dev.nabla.optim;

/**
 * Multiplies each group's lr by {@code gamma} every {@code stepSize} epochs, like
 * {@code torch.optim.lr_scheduler.StepLR}: {@code lr = base_lr · gamma^(epoch / stepSize)}.
 */
public final class StepLR extends LRScheduler {
    private final int stepSize;
    private final double gamma;

    /** Decays by 0.1 every {@code stepSize} epochs. */
    public StepLR(Optimizer optimizer, int stepSize) {
        this(optimizer, stepSize, 0.1);
    }

    /** Decays by {@code gamma} every {@code stepSize} epochs. */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize < 1) {
            throw new IllegalArgumentException("StepLR: step size must be >= 1, got " + stepSize);
        }
        this.stepSize = stepSize;
        this.gamma = gamma;
        start();
    }

    @Override
    protected double[] computeLr() {
        double[] lr = currentLrs();
        if (lastEpoch == 0 || lastEpoch % stepSize != 0) {
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
            lr[i] = lr[i] * Math.pow(gamma, Math.floorDiv(lastEpoch, stepSize));
        }
        return lr;
    }
}
