package dev.nabla.backend;

/**
 * One optimizer's per-element update, applied by {@link Backend#fusedUpdate} in a single pass over a parameter,
 * its gradient and its state buffers (no temporaries, no autograd). The formulas are PyTorch's (1.13, single-tensor
 * path), so trajectories match.
 */
public sealed interface UpdateRule {

    /** Number of state buffers the rule reads and writes, in the order documented on each record. */
    int stateCount();

    /**
     * SGD: {@code g += wd·p}; with momentum {@code buf = first ? g : m·buf + (1-dampening)·g} and
     * {@code g = nesterov ? g + m·buf : buf}; then {@code p -= lr·g}. State: [momentum buffer] when momentum != 0.
     */
    record Sgd(double lr, double momentum, double dampening, double weightDecay, boolean nesterov,
               boolean firstStep) implements UpdateRule {
        @Override
        public int stateCount() {
            return momentum != 0 ? 1 : 0;
        }
    }

    /**
     * Adam / AdamW ({@code decoupled}): state [exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad only)]; {@code step} is
     * the 1-based step count used for bias correction.
     */
    record Adam(double lr, double beta1, double beta2, double eps, double weightDecay, boolean decoupled,
                boolean amsgrad, long step) implements UpdateRule {
        @Override
        public int stateCount() {
            return amsgrad ? 3 : 2;
        }

        /** {@code lr / (1 - beta1^step)}: the step taken along the first moment over the second's root. */
        public double stepSize() {
            return lr / (1 - Math.pow(beta1, step));
        }

        /** {@code sqrt(1 - beta2^step)}: the second moment's bias correction, as its square root. */
        public double biasCorrection2Sqrt() {
            return Math.sqrt(1 - Math.pow(beta2, step));
        }

        /** AdamW's factor on the parameter before the update, {@code 1 - lr * weightDecay}; 1 for Adam. */
        public double decay() {
            return decoupled ? 1 - lr * weightDecay : 1;
        }
    }

    /** RMSprop: state [square_avg, grad_avg (centered only), momentum_buffer (momentum > 0 only)]. */
    record RmsProp(double lr, double alpha, double eps, double weightDecay, double momentum, boolean centered)
            implements UpdateRule {
        @Override
        public int stateCount() {
            return 1 + (centered ? 1 : 0) + (momentum > 0 ? 1 : 0);
        }
    }

    /** Adagrad: state [sum of squared gradients]; {@code step} is 1-based. */
    record Adagrad(double lr, double lrDecay, double weightDecay, double eps, long step) implements UpdateRule {
        @Override
        public int stateCount() {
            return 1;
        }
    }
}
