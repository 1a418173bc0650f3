package dev.nabla.optim;

import dev.nabla.Tensor;
import dev.nabla.backend.UpdateRule;
import java.util.List;
import java.util.Map;

/**
 * RMSprop, exactly as {@code torch.optim.RMSprop} (PyTorch 1.13): a running average of squared gradients with
 * smoothing {@code alpha}; {@code centered} also tracks the mean gradient and divides by the estimated standard
 * deviation; {@code momentum} keeps a buffer of the normalised steps; L2 weight decay is added to the gradient.
 *
 * <p>Options: {@code lr} (default 1e-2), {@code alpha} (0.99), {@code eps} (1e-8), {@code weight_decay} (0),
 * {@code momentum} (0), {@code centered} (0/1, default 0). State per parameter: {@code square_avg}, then
 * {@code grad_avg} (centered) and {@code momentum_buffer} (momentum &gt; 0).
 */
public final class RMSprop extends Optimizer {
    static final Map<String, Double> DEFAULTS = Map.of("lr", 1e-2, "alpha", 0.99, "eps", 1e-8, "weight_decay", 0.0,
            "momentum", 0.0, "centered", 0.0);

    /** RMSprop with PyTorch's defaults (lr 1e-2). */
    public RMSprop(List<Tensor> params) {
        this(params, 1e-2);
    }

    /** RMSprop with learning rate {@code lr} and the other defaults. */
    public RMSprop(List<Tensor> params, double lr) {
        this(params, lr, 0.99, 1e-8, 0, 0, false);
    }

    /** RMSprop with every option. */
    public RMSprop(List<Tensor> params, double lr, double alpha, double eps, double weightDecay, double momentum,
                   boolean centered) {
        this(single(params), Map.of("lr", lr, "alpha", alpha, "eps", eps, "weight_decay", weightDecay, "momentum",
                momentum, "centered", Options.flag(centered)));
    }

    /** RMSprop over parameter groups; options missing from a group come from {@code defaults}, then PyTorch's. */
    public RMSprop(List<ParamGroup> groups, Map<String, Double> defaults) {
        super(groups, Options.merge(DEFAULTS, defaults));
    }

    @Override
    protected void validate(ParamGroup g) {
        Options.nonNegative("RMSprop", g, "lr", "learning rate");
        Options.nonNegative("RMSprop", g, "eps", "epsilon value");
        Options.nonNegative("RMSprop", g, "momentum", "momentum value");
        Options.nonNegative("RMSprop", g, "weight_decay", "weight_decay value");
        Options.nonNegative("RMSprop", g, "alpha", "alpha value");
        Options.isFlag("RMSprop", g, "centered");
    }

    @Override
    UpdateRule rule(ParamGroup g, long step) {
        return new UpdateRule.RmsProp(g.lr(), g.get("alpha"), g.get("eps"), g.get("weight_decay"),
                g.get("momentum"), g.flag("centered"));
    }
}
