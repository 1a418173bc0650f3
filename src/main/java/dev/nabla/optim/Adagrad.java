package dev.nabla.optim;

import dev.nabla.Tensor;
import dev.nabla.backend.UpdateRule;
import java.util.List;
import java.util.Map;

/**
 * Adagrad, exactly as {@code torch.optim.Adagrad} (PyTorch 1.13): the step {@code lr / (1 + (t-1)·lr_decay)}
 * divided by the root of the sum of all squared gradients so far; L2 weight decay is added to the gradient.
 *
 * <p>Options: {@code lr} (default 1e-2), {@code lr_decay} (0), {@code weight_decay} (0),
 * {@code initial_accumulator_value} (0: where the sum starts), {@code eps} (1e-10). State per parameter:
 * {@code sum}.
 */
public final class Adagrad extends Optimizer {
    static final Map<String, Double> DEFAULTS = Map.of("lr", 1e-2, "lr_decay", 0.0, "weight_decay", 0.0,
            "initial_accumulator_value", 0.0, "eps", 1e-10);

    /** Adagrad with PyTorch's defaults (lr 1e-2). */
    public Adagrad(List<Tensor> params) {
        this(params, 1e-2);
    }

    /** Adagrad with learning rate {@code lr} and the other defaults. */
    public Adagrad(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, 1e-10);
    }

    /** Adagrad with every option. */
    public Adagrad(List<Tensor> params, double lr, double lrDecay, double weightDecay,
                   double initialAccumulatorValue, double eps) {
        this(single(params), Map.of("lr", lr, "lr_decay", lrDecay, "weight_decay", weightDecay,
                "initial_accumulator_value", initialAccumulatorValue, "eps", eps));
    }

    /** Adagrad over parameter groups; options missing from a group come from {@code defaults}, then PyTorch's. */
    public Adagrad(List<ParamGroup> groups, Map<String, Double> defaults) {
        super(groups, Options.merge(DEFAULTS, defaults));
    }

    @Override
    protected void validate(ParamGroup g) {
        Options.nonNegative("Adagrad", g, "lr", "learning rate");
        Options.nonNegative("Adagrad", g, "lr_decay", "lr_decay value");
        Options.nonNegative("Adagrad", g, "weight_decay", "weight_decay value");
        Options.nonNegative("Adagrad", g, "initial_accumulator_value", "initial_accumulator_value value");
        Options.nonNegative("Adagrad", g, "eps", "epsilon value");
    }

    @Override
    protected void initState(ParamGroup g, Tensor param, Tensor[] buffers) {
        double init = g.get("initial_accumulator_value");
        if (init != 0) {
            buffers[0].fill_(init);
        }
    }

    @Override
    UpdateRule rule(ParamGroup g, long step) {
        return new UpdateRule.Adagrad(g.lr(), g.get("lr_decay"), g.get("weight_decay"), g.get("eps"), step);
    }
}
