package dev.nabla.optim;

import dev.nabla.Tensor;
import dev.nabla.backend.UpdateRule;
import java.util.List;
import java.util.Map;

/**
 * AdamW, exactly as {@code torch.optim.AdamW} (PyTorch 1.13): Adam with decoupled weight decay, the parameter
 * first shrunk by {@code 1 - lr·weight_decay} and the gradient left alone. Options as {@link Adam}'s, except
 * that {@code weight_decay} defaults to 0.01.
 *
 * <pre>{@code
 * var opt = new AdamW(model.parameters(), 1e-3, 0.01);
 * }</pre>
 */
public final class AdamW extends Optimizer {
    static final Map<String, Double> DEFAULTS = Options.merge(Adam.DEFAULTS, Map.of("weight_decay", 0.01));

    /** AdamW with PyTorch's defaults (lr 1e-3, weight decay 0.01). */
    public AdamW(List<Tensor> params) {
        this(params, 1e-3, 0.01);
    }

    /** AdamW with learning rate {@code lr} and weight decay {@code weightDecay}. */
    public AdamW(List<Tensor> params, double lr, double weightDecay) {
        this(params, lr, 0.9, 0.999, 1e-8, weightDecay, false);
    }

    /** AdamW with every option. */
    public AdamW(List<Tensor> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                 boolean amsgrad) {
        this(single(params), Map.of("lr", lr, "beta1", beta1, "beta2", beta2, "eps", eps, "weight_decay",
                weightDecay, "amsgrad", Options.flag(amsgrad)));
    }

    /** AdamW over parameter groups; options missing from a group come from {@code defaults}, then PyTorch's. */
    public AdamW(List<ParamGroup> groups, Map<String, Double> defaults) {
        super(groups, Options.merge(DEFAULTS, defaults));
    }

    @Override
    protected void validate(ParamGroup g) {
        Adam.validateAdam("AdamW", g);
    }

    @Override
    UpdateRule rule(ParamGroup g, long step) {
        return new UpdateRule.Adam(g.lr(), g.get("beta1"), g.get("beta2"), g.get("eps"), g.get("weight_decay"),
                true, g.flag("amsgrad"), step);
    }
}
