package dev.nabla.optim;

import dev.nabla.Tensor;
import dev.nabla.backend.UpdateRule;
import java.util.List;
import java.util.Map;

/**
 * Adam, exactly as {@code torch.optim.Adam} (PyTorch 1.13): L2 weight decay added to the gradient, bias-corrected
 * first and second moments and, with {@code amsgrad}, the running maximum of the second moment. Each parameter is
 * updated by one fused pass over the parameter, its gradient and its state.
 *
 * <p>Options (per {@link ParamGroup}): {@code lr} (default 1e-3), {@code beta1} (0.9), {@code beta2} (0.999),
 * {@code eps} (1e-8), {@code weight_decay} (0), {@code amsgrad} (0/1, default 0). State per parameter:
 * {@code exp_avg}, {@code exp_avg_sq} and, with amsgrad, {@code max_exp_avg_sq}.
 *
 * <pre>{@code
 * var opt = new Adam(model.parameters(), 1e-3);
 * }</pre>
 */
public final class Adam extends Optimizer {
    static final Map<String, Double> DEFAULTS = Map.of("lr", 1e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8,
            "weight_decay", 0.0, "amsgrad", 0.0);

    /** Adam with PyTorch's defaults (lr 1e-3). */
    public Adam(List<Tensor> params) {
        this(params, 1e-3);
    }

    /** Adam with learning rate {@code lr} and the other defaults. */
    public Adam(List<Tensor> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /** Adam with every option. */
    public Adam(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                boolean amsgrad) {
        this(single(params), Map.of("lr", lr, "beta1", beta1, "beta2", beta2, "eps", eps, "weight_decay",
                weightDecay, "amsgrad", Options.flag(amsgrad)));
    }

    /** Adam over parameter groups; options missing from a group come from {@code defaults}, then PyTorch's. */
    public Adam(List<ParamGroup> groups, Map<String, Double> defaults) {
        super(groups, Options.merge(DEFAULTS, defaults));
    }

    @Override
    protected void validate(ParamGroup g) {
        validateAdam("Adam", g);
    }

    static void validateAdam(String name, ParamGroup g) {
        Options.nonNegative(name, g, "lr", "learning rate");
        Options.nonNegative(name, g, "eps", "epsilon value");
        Options.beta(name, g, "beta1", 0);
        Options.beta(name, g, "beta2", 1);
        Options.nonNegative(name, g, "weight_decay", "weight_decay value");
        Options.isFlag(name, g, "amsgrad");
    }

    @Override
    UpdateRule rule(ParamGroup g, long step) {
        return new UpdateRule.Adam(g.lr(), g.get("beta1"), g.get("beta2"), g.get("eps"), g.get("weight_decay"),
                false, g.flag("amsgrad"), step);
    }
}
