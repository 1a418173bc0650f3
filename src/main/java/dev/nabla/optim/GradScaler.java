package dev.nabla.optim;

import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Dynamic loss scaling for float16 mixed precision, PyTorch's {@code torch.cuda.amp.GradScaler}: the loss is
 * multiplied by a large factor before {@code backward()} so that small float16 gradients do not flush to zero; the
 * gradients are divided by it again before the optimizer step, and a step whose gradients hold an inf or NaN is
 * skipped. The factor halves after every skipped step and doubles after {@code growthInterval} clean steps in a row.
 *
 * <pre>{@code
 * GradScaler scaler = new GradScaler();
 * for (var batch : loader) try (var step = Scope.open()) {
 *     Tensor loss;
 *     try (var amp = Autocast.enable(DType.FLOAT16)) {
 *         loss = F.crossEntropy(model.forward(batch.x()), batch.y());
 *     }
 *     opt.zeroGrad();
 *     scaler.scale(loss).backward();
 *     scaler.unscale_(opt);                 // optional: only to clip the true gradients
 *     ClipGrad.norm(model.parameters(), 1.0);
 *     scaler.step(opt);                     // skipped when a gradient is not finite
 *     scaler.update();
 * }
 * }</pre>
 * Its state ({@link #stateDict()}) belongs in checkpoints next to the optimizer's. A disabled scaler passes
 * everything through, so one training loop serves float32 and mixed precision.
 */
public final class GradScaler {
    private double scale;
    private final double growthFactor;
    private final double backoffFactor;
    private final int growthInterval;
    private final boolean enabled;
    private int growthTracker;
    /** Per optimizer, since the last {@link #update()}: whether unscaled, and whether a gradient was not finite. */
    private final Map<Optimizer, Boolean> foundInf = new IdentityHashMap<>();

    /** PyTorch's defaults: initial scale 2^16, growth 2, backoff 0.5, growth interval 2000, enabled. */
    public GradScaler() {
        this(65536.0, 2.0, 0.5, 2000, true);
    }

    /**
     * A scaler with the given settings.
     *
     * @throws IllegalArgumentException if {@code initScale <= 0}, {@code growthFactor <= 1},
     *     {@code backoffFactor} not in (0, 1), or {@code growthInterval < 1}
     */
    public GradScaler(double initScale, double growthFactor, double backoffFactor, int growthInterval,
                      boolean enabled) {
        if (!(initScale > 0) || Double.isInfinite(initScale)) {
            throw new IllegalArgumentException("GradScaler: initScale must be finite and > 0, got " + initScale);
        }
        if (!(growthFactor > 1)) {
            throw new IllegalArgumentException("GradScaler: growthFactor must be > 1, got " + growthFactor);
        }
        if (!(backoffFactor > 0 && backoffFactor < 1)) {
            throw new IllegalArgumentException("GradScaler: backoffFactor must be in (0, 1), got " + backoffFactor);
        }
        if (growthInterval < 1) {
            throw new IllegalArgumentException("GradScaler: growthInterval must be >= 1, got " + growthInterval);
        }
        this.scale = initScale;
        this.growthFactor = growthFactor;
        this.backoffFactor = backoffFactor;
        this.growthInterval = growthInterval;
        this.enabled = enabled;
    }

    /** True unless constructed disabled. */
    public boolean isEnabled() {
        return enabled;
    }

    /** The current scale factor (1 when disabled). */
    public double getScale() {
        return enabled ? scale : 1.0;
    }

    /** {@code loss * scale} (the loss itself when disabled), to call {@code backward()} on. */
    public Tensor scale(Tensor loss) {
        return enabled ? loss.mul(scale) : loss;
    }

    /**
     * Divides the gradients of {@code optimizer}'s parameters by the scale, in place, and records whether any is not
     * finite. At most once per optimizer between {@link #update()}s.
     *
     * @throws IllegalStateException when called twice for one optimizer before {@code update()}
     */
    public void unscale_(Optimizer optimizer) {
        if (!enabled) {
            return;
        }
        if (foundInf.containsKey(optimizer)) {
            throw new IllegalStateException("GradScaler: unscale_() was already called on this optimizer since the"
                    + " last update()");
        }
        double inverse = 1.0 / scale;
        boolean inf = false;
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            for (ParamGroup g : optimizer.paramGroups()) {
                for (Tensor p : g.params()) {
                    Tensor grad = p.grad();
                    if (grad == null) {
                        continue;
                    }
                    grad.mul_(inverse);
                    if (!inf && grad.numel() > 0) {
                        inf = !Double.isFinite(grad.abs().max().item()); // NaN propagates through max
                    }
                }
            }
        }
        foundInf.put(optimizer, inf);
    }

    /**
     * Unscales the gradients (unless {@link #unscale_} already did) and runs {@code optimizer.step()} unless a
     * gradient was inf or NaN.
     *
     * @return true if the optimizer stepped, false if the step was skipped
     */
    public boolean step(Optimizer optimizer) {
        if (!enabled) {
            optimizer.step();
            return true;
        }
        if (!foundInf.containsKey(optimizer)) {
            unscale_(optimizer);
        }
        if (foundInf.get(optimizer)) {
            return false;
        }
        optimizer.step();
        return true;
    }

    /**
     * Adjusts the scale after a step: times {@code backoffFactor} if any optimizer found a non-finite gradient,
     * times {@code growthFactor} after {@code growthInterval} clean steps in a row.
     */
    public void update() {
        if (!enabled) {
            return;
        }
        boolean inf = foundInf.containsValue(Boolean.TRUE);
        if (inf) {
            scale *= backoffFactor;
            growthTracker = 0;
        } else if (!foundInf.isEmpty()) {
            growthTracker++;
            if (growthTracker == growthInterval) {
                scale *= growthFactor;
                growthTracker = 0;
            }
        }
        foundInf.clear();
    }

    /** Sets the scale to {@code newScale} (PyTorch's {@code update(new_scale)}). */
    public void update(double newScale) {
        if (!(newScale > 0) || Double.isInfinite(newScale)) {
            throw new IllegalArgumentException("GradScaler: scale must be finite and > 0, got " + newScale);
        }
        scale = newScale;
        growthTracker = 0;
        foundInf.clear();
    }

    /** The state to checkpoint, under PyTorch's keys ({@code scale}, {@code growth_factor}, ...). */
    public Map<String, Double> stateDict() {
        Map<String, Double> s = new LinkedHashMap<>();
        if (!enabled) {
            return s;
        }
        s.put("scale", scale);
        s.put("growth_factor", growthFactor);
        s.put("backoff_factor", backoffFactor);
        s.put("growth_interval", (double) growthInterval);
        s.put("_growth_tracker", (double) growthTracker);
        return s;
    }

    /**
     * Restores {@link #stateDict()}'s scale and growth tracker (the factors are this scaler's own settings).
     *
     * @throws IllegalArgumentException naming a missing or invalid entry
     */
    public void loadStateDict(Map<String, ? extends Number> state) {
        if (!enabled) {
            return;
        }
        Number s = state.get("scale");
        Number t = state.get("_growth_tracker");
        if (s == null || t == null) {
            throw new IllegalArgumentException("GradScaler.loadStateDict: missing 'scale' or '_growth_tracker' in "
                    + state.keySet());
        }
        if (!(s.doubleValue() > 0) || Double.isInfinite(s.doubleValue()) || t.intValue() < 0) {
            throw new IllegalArgumentException("GradScaler.loadStateDict: invalid scale " + s + " or tracker " + t);
        }
        scale = s.doubleValue();
        growthTracker = t.intValue();
        foundInf.clear();
    }
}
