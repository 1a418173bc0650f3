package dev.nabla.optim;

import dev.nabla.Tensor;
import dev.nabla.backend.UpdateRule;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay, exactly as
 * {@code torch.optim.SGD}.
 *
 * <pre>{@code
 * var opt = new SGD(model.parameters(), 0.01, 0.9, 0, 5e-4, true);
 * }</pre>
 */
public final class SGD extends Optimizer {

    /** Plain SGD. */
    public SGD(List<Tensor> params, double lr) {
        this(params, lr, 0, 0, 0, false);
    }

    /** SGD with every option. */
    public SGD(List<Tensor> params, double lr, double momentum, double dampening, double weightDecay,
               boolean nesterov) {
        this(single(params), Map.of("lr", lr, "momentum", momentum, "dampening", dampening, "weight_decay",
                weightDecay, "nesterov", nesterov ? 1.0 : 0.0));
    }

    /** SGD over parameter groups; options missing from a group come from {@code defaults}. */
    public SGD(List<ParamGroup> groups, Map<String, Double> defaults) {
        super(groups, withDefaults(defaults));
    }

    private static Map<String, Double> withDefaults(Map<String, Double> d) {
        var m = new java.util.HashMap<>(Map.of("momentum", 0.0, "dampening", 0.0, "weight_decay", 0.0,
                "nesterov", 0.0));
        m.putAll(d);
        return m;
    }

    @Override
    protected void validate(ParamGroup g) {
        Options.nonNegative("SGD", g, "lr", "learning rate");
        Options.nonNegative("SGD", g, "momentum", "momentum value");
        Options.nonNegative("SGD", g, "weight_decay", "weight_decay value");
        Options.isFlag("SGD", g, "nesterov");
        if (g.flag("nesterov") && (g.get("momentum") <= 0 || g.get("dampening") != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum and zero dampening");
        }
    }

    @Override
    UpdateRule rule(ParamGroup g, long step) {
        return new UpdateRule.Sgd(g.lr(), g.get("momentum"), g.get("dampening"), g.get("weight_decay"),
                g.flag("nesterov"), step == 1);
    }
}
