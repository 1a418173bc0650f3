package dev.nabla.optim;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.base.LazyLogger;
import java.util.ArrayList;
import java.util.List;

/**
 * Gradient clipping, like {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_} (PyTorch 1.13).
 * Gradients are changed in place, outside autograd; parameters without a gradient are skipped. The work is done
 * with tensor ops, so it runs on the parameters' device: for the norm an element-wise pass and a reduction per
 * gradient (one more pass for norms other than 1, 2 and inf), then one in-place scaling pass per gradient when
 * clipping happens; the per-gradient partial results are combined in double precision on the host.
 *
 * <pre>{@code
 * loss.backward();
 * double total = ClipGrad.norm(model.parameters(), 1.0);
 * opt.step();
 * }</pre>
 */
public final class ClipGrad {
    private static final System.Logger LOG = LazyLogger.of(ClipGrad.class);

    private ClipGrad() {
    }

    /** {@link #norm(Iterable, double, double, boolean)} with the L2 norm, warning on a non-finite norm. */
    public static double norm(Iterable<Tensor> params, double maxNorm) {
        return norm(params, maxNorm, 2.0, false);
    }

    /**
     * Scales all gradients together so that their global {@code normType}-norm (the norm of all gradients
     * concatenated into one vector) is at most {@code maxNorm}: when {@code coef = maxNorm / (total + 1e-6)} is below
     * 1 every gradient is multiplied by it, exactly as PyTorch does (for float32 gradients the total and the
     * coefficient are float32 values, computed as PyTorch computes them).
     *
     * <p>{@code normType} may be any p (PyTorch's conventions: {@code Double.POSITIVE_INFINITY} is the largest
     * absolute value, {@code NEGATIVE_INFINITY} the smallest, 0 the number of gradients that are not all zero).
     * When the total norm is NaN or infinite, {@code errorIfNonfinite} throws; otherwise a WARNING is logged and the
     * gradients are scaled by the non-finite coefficient anyway, as PyTorch does.
     *
     * @return the total norm before clipping (0 when no parameter has a gradient)
     * @throws ArithmeticException if the total norm is not finite and {@code errorIfNonfinite}
     * @throws IllegalArgumentException if {@code maxNorm} or {@code normType} is NaN
     */
    public static double norm(Iterable<Tensor> params, double maxNorm, double normType, boolean errorIfNonfinite) {
        if (Double.isNaN(maxNorm) || Double.isNaN(normType)) {
            throw new IllegalArgumentException("ClipGrad.norm: max norm and norm type must be numbers, got maxNorm="
                    + maxNorm + ", normType=" + normType);
        }
        List<Tensor> grads = grads(params);
        if (grads.isEmpty()) {
            return 0.0;
        }
        boolean f32 = true;
        for (Tensor g : grads) {
            f32 &= g.dtype() == DType.FLOAT32;
        }
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            double total = totalNorm(grads, normType);
            if (f32) {
                total = (float) total;
            }
            if (!Double.isFinite(total)) {
                String what = "ClipGrad.norm: the total norm of order " + normType + " of the gradients is " + total;
                if (errorIfNonfinite) {
                    throw new ArithmeticException(what + ", so it cannot be clipped. To scale the gradients by the "
                            + "non-finite norm anyway, pass errorIfNonfinite=false");
                }
                LOG.log(System.Logger.Level.WARNING, what + "; scaling the gradients by max_norm/(total+1e-6) anyway "
                        + "(pass errorIfNonfinite=true to make this an error)");
            }
            double coef;
            if (f32) {
                // PyTorch: clamp(max_norm / (total_norm + 1e-6), max=1) on a float32 tensor, where
                // scalar / tensor is tensor.reciprocal() * scalar.
                float denom = (float) total + 1e-6f;
                coef = (1.0f / denom) * (float) maxNorm;
            } else {
                coef = (1.0 / (total + 1e-6)) * maxNorm;
            }
            if (!(coef >= 1.0)) { // a NaN coefficient scales too, as in PyTorch
                for (Tensor g : grads) {
                    g.mul_(coef);
                }
            }
            return total;
        }
    }

    private static double totalNorm(List<Tensor> grads, double p) {
        if (p == Double.POSITIVE_INFINITY || p == Double.NEGATIVE_INFINITY) {
            boolean max = p > 0;
            double total = max ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            for (Tensor g : grads) {
                double v = max ? g.abs().max().item() : g.abs().min().item();
                if (Double.isNaN(v)) {
                    return Double.NaN;
                }
                total = max ? Math.max(total, v) : Math.min(total, v);
            }
            return total;
        }
        if (p == 0) {
            // torch.norm(stack(per-gradient counts of non-zeros), 0): how many gradients are not all zero
            double count = 0;
            for (Tensor g : grads) {
                double zeros = g.eq(0.0).sum().item();
                count += zeros < g.numel() ? 1 : 0;
            }
            return count;
        }
        double sum = 0;
        for (Tensor g : grads) {
            Tensor powered;
            if (p == 2) {
                powered = g.square();
            } else if (p == 1) {
                powered = g.abs();
            } else {
                powered = g.abs().pow(p);
            }
            sum += powered.sum().item();
        }
        if (p == 1) {
            return sum;
        }
        return p == 2 ? Math.sqrt(sum) : Math.pow(sum, 1.0 / p);
    }

    /**
     * Clamps every gradient element into {@code [-clipValue, clipValue]} in place, like
     * {@code torch.nn.utils.clip_grad_value_}.
     *
     * @throws IllegalArgumentException if {@code clipValue} is negative or NaN
     */
    public static void value(Iterable<Tensor> params, double clipValue) {
        if (!(clipValue >= 0)) {
            throw new IllegalArgumentException("ClipGrad.value: the clip value must be >= 0, got " + clipValue);
        }
        List<Tensor> grads = grads(params);
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            for (Tensor g : grads) {
                g.copy_(g.clamp(-clipValue, clipValue));
            }
        }
    }

    private static List<Tensor> grads(Iterable<Tensor> params) {
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : params) {
            if (p == null) {
                throw new IllegalArgumentException("ClipGrad: null parameter");
            }
            Tensor g = p.grad();
            if (g != null) {
                out.add(g);
            }
        }
        return out;
    }
}
