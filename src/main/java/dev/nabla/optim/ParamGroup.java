package dev.nabla.optim;

import dev.nabla.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters that share hyper-parameters, like an entry of PyTorch's {@code optimizer.param_groups}. Options are
 * numbers keyed by PyTorch's names ({@code lr}, {@code momentum}, {@code weight_decay}, ...); flags are stored as
 * 0/1. LR schedules change {@code lr} through {@link #setLr}.
 */
public final class ParamGroup {
    private final List<Tensor> params;
    private final Map<String, Double> options;

    /** A group of parameters with its own options (missing ones take the optimizer's defaults). */
    public ParamGroup(List<Tensor> params, Map<String, Double> options) {
        if (params.isEmpty()) {
            throw new IllegalArgumentException("a parameter group needs at least one parameter");
        }
        for (Tensor p : params) {
            if (!p.requiresGrad() || !p.isLeaf()) {
                throw new IllegalArgumentException("optimizer: " + p.describe()
                        + " is not a leaf that requires grad, so it cannot be optimized");
            }
        }
        this.params = List.copyOf(params);
        this.options = new LinkedHashMap<>(options);
    }

    /** The parameters. */
    public List<Tensor> params() {
        return params;
    }

    /** A read-only view of the options. */
    public Map<String, Double> options() {
        return Collections.unmodifiableMap(options);
    }

    /** Option {@code name}. */
    public double get(String name) {
        Double v = options.get(name);
        if (v == null) {
            throw new IllegalArgumentException("parameter group has no option '" + name + "'");
        }
        return v;
    }

    /** A 0/1 option as a boolean. */
    public boolean flag(String name) {
        return get(name) != 0;
    }

    /** The learning rate. */
    public double lr() {
        return get("lr");
    }

    /** Sets the learning rate (LR schedules call this). */
    public void setLr(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + lr);
        }
        options.put("lr", lr);
    }

    void put(String name, double value) {
        options.put(name, value);
    }

    void putIfAbsent(String name, double value) {
        options.putIfAbsent(name, value);
    }
}
