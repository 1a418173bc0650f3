package dev.nabla;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A tensor's autograd state, as PyTorch's AutogradMeta: whether it requires grad, the node that produced it and the
 * gradient accumulated into it. {@link Tensor} makes one on first need, so tensors that never take part in autograd
 * carry none.
 */
final class AutogradMeta {
    boolean requiresGrad;
    Node gradFn;
    /** Written under this object's lock (accumulation, setGrad); volatile so any thread reads the latest. */
    volatile Tensor grad;
    /** Post-accumulate-grad hooks ({@link Tensor#registerPostAccumulateGradHook}), made on first registration. */
    volatile List<Consumer<Tensor>> hooks;

    /** How many hooks are registered on any tensor: the engine skips all hook bookkeeping while it is zero. */
    private static final AtomicInteger HOOKS = new AtomicInteger();

    static boolean anyHooks() {
        return HOOKS.get() != 0;
    }

    /** Adds a hook; the returned handle removes it (once). */
    synchronized RemovableHandle addHook(Consumer<Tensor> hook) {
        if (hooks == null) {
            hooks = new CopyOnWriteArrayList<>();
        }
        hooks.add(hook);
        HOOKS.incrementAndGet();
        List<Consumer<Tensor>> list = hooks;
        return () -> {
            if (list.remove(hook)) {
                HOOKS.decrementAndGet();
            }
        };
    }

    /** Replaces the gradient (checked by the caller); the previous one is closed, since the tensor owned it. */
    synchronized void setGrad(Tensor newGrad) {
        if (grad != null && grad != newGrad) {
            grad.close();
        }
        grad = newGrad;
    }

    /**
     * Adds {@code g} (shape checked by the caller) to the gradient, allocating it outside any scope on first use.
     * Synchronized, like PyTorch's AccumulateGrad: threads running backward into a shared parameter add their
     * gradients one after the other instead of losing one in a race.
     */
    synchronized void accumulateGrad(Tensor g, boolean createGraph, boolean exclusive) {
        if (createGraph) {
            grad = grad == null ? g : grad.add(g);
            return;
        }
        try (Grad off = Grad.disabled()) {
            if (grad == null) {
                grad = exclusive && g.adoptAsGrad() ? g : Scope.detached(g::clone);
            } else {
                grad.add_(g);
            }
        }
    }
}
