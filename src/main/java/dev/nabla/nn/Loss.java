package dev.nabla.nn;

import dev.nabla.Grad;
import dev.nabla.Reduction;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Base of the loss modules ({@link MSELoss}, {@link CrossEntropyLoss}, ...): a configured loss function of an
 * input and a target, like PyTorch's {@code nn.*Loss} classes.
 *
 * <p>A loss is not a {@link Module}: it takes two tensors, has no parameters and no train/eval behaviour, so it
 * does not pretend to have the one-argument {@code forward} of a layer. Constant tensors it is configured with
 * (class weights, {@code posWeight}) are copied when the loss is built, outside any scope, and converted on each
 * call to the input's dtype and device.
 *
 * <pre>{@code
 * var criterion = new CrossEntropyLoss();
 * Tensor loss = criterion.forward(model.forward(x), labels);
 * }</pre>
 */
public abstract class Loss {
    private final Reduction reduction;

    /** A loss combining per-element values with {@code reduction}. */
    protected Loss(Reduction reduction) {
        this.reduction = Objects.requireNonNull(reduction, "reduction");
    }

    /** The loss of {@code input} against {@code target}. */
    public abstract Tensor forward(Tensor input, Tensor target);

    /** How per-element losses are combined. */
    public final Reduction reduction() {
        return reduction;
    }

    /** A copy of {@code t} owned by this loss (null stays null): it outlives any open scope. */
    protected static Tensor own(Tensor t) {
        if (t == null) {
            return null;
        }
        return Scope.detached(() -> {
            try (Grad off = Grad.disabled()) {
                return t.detach().clone();
            }
        });
    }

    /** {@code t} (may be null) on the dtype and device of {@code like}. */
    protected static Tensor like(Tensor t, Tensor like) {
        return t == null ? null : t.to(like.device()).to(like.dtype());
    }

    /** Options beyond the reduction, PyTorch style ({@code beta=1.0}); empty by default. */
    protected String extraRepr() {
        return "";
    }

    /** {@code CrossEntropyLoss(reduction=mean, label_smoothing=0.1)}. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        parts.add("reduction=" + reduction.name().toLowerCase(java.util.Locale.ROOT));
        if (!extraRepr().isEmpty()) {
            parts.add(extraRepr());
        }
        return getClass().getSimpleName() + "(" + String.join(", ", parts) + ")";
    }
}
