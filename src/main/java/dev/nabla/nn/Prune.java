package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pruning, like {@code torch.nn.utils.prune}: zeroes parts of a parameter through a mask.
 *
 * <p>Pruning parameter {@code weight} of a module (for the first time) renames it {@code weight_orig} (the same
 * tensor object, so an optimizer holding it keeps training it), adds the buffer {@code weight_mask} (0/1, the
 * weight's dtype and device) and makes {@code weight} a computed parameter {@code weight_orig * weight_mask},
 * recomputed whenever the layer reads it: PyTorch's forward pre-hook. Gradients reach {@code weight_orig} and are
 * zero where the mask is. State dicts hold PyTorch's keys ({@code 0.weight_orig}, {@code 0.weight_mask}).
 *
 * <p>Pruning a pruned parameter again combines the masks like PyTorch's {@code PruningContainer}: the new method
 * sees only what is still unpruned (a fractional {@code amount} is a fraction of the remaining entries or channels)
 * and its importance scores are the masked weight. {@link #remove} makes the pruning permanent.
 *
 * <pre>{@code
 * Prune.globalUnstructured(List.of(new ParameterRef(fc1, "weight"), new ParameterRef(fc2, "weight")),
 *         PruningMethod.L1, 0.8);
 * System.out.println(Prune.sparsity(model));   // sparsity 78.95% (...); 0.weight 80.12%, ...
 * Prune.remove(fc1, "weight");                 // weight is a plain parameter again, zeros included
 * }</pre>
 *
 * <p>Names are a module's own parameter names (as in PyTorch), not dotted paths. Among entries of equal magnitude
 * the lowest index is pruned first; PyTorch's choice there depends on its partial sort.
 */
public final class Prune {
    private static final String ORIG = "_orig";
    private static final String MASK = "_mask";

    private Prune() {
    }

    /** A rule producing the new mask from the importance scores and the current mask. */
    private interface MaskRule {
        Tensor newMask(Tensor scores, Tensor mask);
    }

    /** Prunes the fraction {@code amount} (0..1) of the unpruned entries of smallest magnitude. */
    public static <M extends Module> M l1Unstructured(M module, String name, double amount) {
        PruningAmount a = PruningAmount.fraction(amount);
        return prune("l1Unstructured", module, name,
                (scores, mask) -> PruningMasks.unstructured(scores, mask, a, PruningMethod.L1, null));
    }

    /** Prunes {@code amount} unpruned entries of smallest magnitude (PyTorch's int amount). */
    public static <M extends Module> M l1Unstructured(M module, String name, int amount) {
        PruningAmount a = PruningAmount.count(amount);
        return prune("l1Unstructured", module, name,
                (scores, mask) -> PruningMasks.unstructured(scores, mask, a, PruningMethod.L1, null));
    }

    /** Prunes the fraction {@code amount} (0..1) of the unpruned entries, chosen at random from {@code generator}. */
    public static <M extends Module> M randomUnstructured(M module, String name, double amount, Generator generator) {
        PruningAmount a = PruningAmount.fraction(amount);
        Generator g = requireGenerator(generator);
        return prune("randomUnstructured", module, name,
                (scores, mask) -> PruningMasks.unstructured(scores, mask, a, PruningMethod.RANDOM, g));
    }

    /**
     * Prunes the fraction {@code amount} (0..1) of the remaining slices along {@code dim} (0: output channels / rows)
     * of smallest L{@code n} norm; {@code n} is positive or {@link Double#POSITIVE_INFINITY}.
     */
    public static <M extends Module> M lnStructured(M module, String name, double amount, double n, int dim) {
        return structured(module, name, PruningAmount.fraction(amount), n, dim);
    }

    /** {@link #lnStructured(Module, String, double, double, int)} pruning {@code amount} slices. */
    public static <M extends Module> M lnStructured(M module, String name, int amount, double n, int dim) {
        return structured(module, name, PruningAmount.count(amount), n, dim);
    }

    private static <M extends Module> M structured(M module, String name, PruningAmount amount, double n, int dim) {
        if (!(n > 0)) {
            throw new IllegalArgumentException("lnStructured: n must be a positive norm order (1, 2, ...) or "
                    + "infinity, got " + n);
        }
        return prune("lnStructured", module, name, (scores, mask) -> {
            if (scores.dim() < 2) {
                throw new IllegalArgumentException("lnStructured: structured pruning needs a multidimensional "
                        + "tensor, parameter '" + name + "' is " + scores.describe());
            }
            if (dim < -scores.dim() || dim >= scores.dim()) {
                throw new IllegalArgumentException("lnStructured: dim " + dim + " is out of range for parameter '"
                        + name + "' " + scores.describe());
            }
            return PruningMasks.structured(scores, mask, amount, n, dim < 0 ? dim + scores.dim() : dim);
        });
    }

    /** Adds a mask of ones: {@code name} becomes pruned without losing any entry (to load a pruned checkpoint). */
    public static <M extends Module> M identity(M module, String name) {
        return prune("identity", module, name, (scores, mask) -> mask.clone());
    }

    /** Prunes where {@code mask} (the parameter's shape) is 0, on top of any existing mask. */
    public static <M extends Module> M customFromMask(M module, String name, Tensor mask) {
        if (mask == null) {
            throw new IllegalArgumentException("customFromMask: mask must not be null");
        }
        Checks.alive("customFromMask", mask);
        return prune("customFromMask", module, name, (scores, current) -> {
            if (!java.util.Arrays.equals(mask.shape(), current.shape())) {
                throw new IllegalArgumentException("customFromMask: mask " + mask.describe() + " does not match "
                        + "parameter '" + name + "' " + scores.describe());
            }
            return current.mul(mask.to(current.device(), current.dtype()));
        });
    }

    /**
     * Prunes the fraction {@code amount} (0..1) of all the still-unpruned entries of {@code parameters} taken
     * together, like {@code global_unstructured}: one threshold for all of them, so layers lose different fractions.
     * {@link PruningMethod#RANDOM} draws from the global generator.
     */
    public static void globalUnstructured(List<ParameterRef> parameters, PruningMethod method, double amount) {
        globalUnstructured(parameters, method, amount, Generator.global());
    }

    /** {@link #globalUnstructured(List, PruningMethod, double)} drawing random choices from {@code generator}. */
    public static void globalUnstructured(List<ParameterRef> parameters, PruningMethod method, double amount,
                                          Generator generator) {
        PruningAmount a = PruningAmount.fraction(amount);
        if (method == null) {
            throw new IllegalArgumentException("globalUnstructured: method must not be null");
        }
        Generator g = requireGenerator(generator);
        if (parameters == null || parameters.isEmpty()) {
            throw new IllegalArgumentException("globalUnstructured: no parameters given");
        }
        Set<ParameterRef> seen = new HashSet<>();
        for (ParameterRef p : parameters) {
            if (!seen.add(p)) {
                throw new IllegalArgumentException("globalUnstructured: parameter '" + p.name() + "' of "
                        + p.module().getClass().getSimpleName() + " is listed twice");
            }
        }
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            List<Tensor> weights = new ArrayList<>();
            List<Tensor> scores = new ArrayList<>();
            List<Tensor> masks = new ArrayList<>();
            for (ParameterRef p : parameters) {
                Tensor w = effective("globalUnstructured", p.module(), p.name());
                weights.add(w);
                scores.add(w.to(DType.FLOAT64).reshape(-1));
                masks.add((isPruned(p.module(), p.name()) ? p.module().buffer(p.name() + MASK) : Tensor.onesLike(w))
                        .to(DType.FLOAT64).reshape(-1));
            }
            Tensor all = PruningMasks.unstructured(Tensor.cat(0, scores.toArray(Tensor[]::new)),
                    Tensor.cat(0, masks.toArray(Tensor[]::new)), a, method, g);
            long offset = 0;
            for (int i = 0; i < parameters.size(); i++) {
                Tensor w = weights.get(i);
                customFromMask(parameters.get(i).module(), parameters.get(i).name(),
                        all.narrow(0, offset, w.numel()).reshape(w.shape()));
                offset += w.numel();
            }
        }
    }

    /**
     * Makes the pruning of {@code name} permanent, like {@code prune.remove}: {@code name} becomes a plain parameter
     * again holding {@code name_orig * name_mask} (the {@code name_orig} tensor object, with its gradient), and
     * {@code name_orig} and {@code name_mask} are gone.
     *
     * @throws IllegalArgumentException if {@code name} is not pruned
     */
    public static <M extends Module> M remove(M module, String name) {
        requireModule("remove", module);
        if (!isPruned(module, name)) {
            throw new IllegalArgumentException("Prune.remove: parameter '" + name + "' of "
                    + module.getClass().getSimpleName() + " has to be pruned before pruning can be removed");
        }
        Tensor orig = module.detachParameter(name + ORIG);
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            orig.mul_(module.buffer(name + MASK));
        }
        module.removeComputedParameter(name);
        module.dropBuffer(name + MASK);
        module.attachParameter(name, orig);
        return module;
    }

    /** True if parameter {@code name} of {@code module} is pruned (and not removed). */
    public static boolean isPruned(Module module, String name) {
        requireModule("isPruned", module);
        return module.computedParameterNames().contains(name);
    }

    /** True if any parameter of {@code module} or of its descendants is pruned, like {@code prune.is_pruned}. */
    public static boolean isPruned(Module module) {
        requireModule("isPruned", module);
        if (!module.computedParameterNames().isEmpty()) {
            return true;
        }
        for (Module child : module.children().values()) {
            if (isPruned(child)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The zeros in every floating-point parameter of {@code module} and its descendants, as the layers see them
     * (pruned parameters through their masks), overall and per parameter.
     */
    public static Sparsity sparsity(Module module) {
        requireModule("sparsity", module);
        Map<String, Double> byParameter = new LinkedHashMap<>();
        long[] zerosAndTotal = new long[2];
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            collectSparsity(module, "", byParameter, zerosAndTotal);
        }
        return new Sparsity(zerosAndTotal[0], zerosAndTotal[1], byParameter);
    }

    private static void collectSparsity(Module m, String prefix, Map<String, Double> out, long[] zerosAndTotal) {
        Set<String> names = new java.util.LinkedHashSet<>();
        for (String stored : m.ownParameters().keySet()) {
            String base = stored.endsWith(ORIG) ? stored.substring(0, stored.length() - ORIG.length()) : stored;
            names.add(m.computedParameterNames().contains(base) ? base : stored);
        }
        for (String name : names) {
            Tensor w = m.paramOrNull(name);
            long zeros = w.eq(0.0).sum().toLongArray()[0];
            zerosAndTotal[0] += zeros;
            zerosAndTotal[1] += w.numel();
            out.put(prefix + name, w.numel() == 0 ? 0 : (double) zeros / w.numel());
        }
        for (var e : m.children().entrySet()) {
            collectSparsity(e.getValue(), prefix + e.getKey() + ".", out, zerosAndTotal);
        }
    }

    /**
     * Replaces the mask of {@code name} with {@code rule}'s (pruning it first if needed). The new mask is computed
     * before anything changes, so bad arguments leave the module as it was.
     */
    private static <M extends Module> M prune(String op, M module, String name, MaskRule rule) {
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            Tensor scores = effective(op, module, name);
            boolean pruned = isPruned(module, name);
            Tensor mask = pruned ? module.buffer(name + MASK) : Tensor.onesLike(scores);
            Tensor newMask = rule.newMask(scores, mask);
            if (pruned) {
                mask.copy_(newMask);
                return module;
            }
            for (String member : List.of(name + ORIG, name + MASK)) {
                if (module.ownParameters().containsKey(member) || module.ownBuffers().containsKey(member)) {
                    throw new IllegalStateException(op + ": cannot prune '" + name + "' of "
                            + module.getClass().getSimpleName() + ", which already has a member '" + member + "'");
                }
            }
            module.attachParameter(name + ORIG, module.detachParameter(name));
            module.registerBuffer(name + MASK, newMask);
            module.registerComputedParameter(name, () -> module.param(name + ORIG).mul(module.buffer(name + MASK)));
        }
        return module;
    }

    /** Parameter {@code name} as the layer sees it, after checking it can be pruned. */
    private static Tensor effective(String op, Module module, String name) {
        requireModule(op, module);
        Tensor stored = module.ownParameters().get(isPruned(module, name) ? name + ORIG : name);
        if (stored == null) {
            String owner = module.getClass().getSimpleName();
            String problem = module.ownBuffers().containsKey(name)
                    ? "'" + name + "' of " + owner + " is a buffer (" + module.ownBuffers().get(name).dtype() + ")"
                    : owner + " has no parameter '" + name + "' (it has " + parameterNames(module) + ")";
            throw new IllegalArgumentException(op + ": " + problem + "; only floating-point parameters can be pruned");
        }
        Checks.alive(op + " '" + name + "'", stored);
        return module.paramOrNull(name);
    }

    private static List<String> parameterNames(Module module) {
        List<String> names = new ArrayList<>(module.ownParameters().keySet());
        names.addAll(module.computedParameterNames());
        return names;
    }

    private static void requireModule(String op, Module module) {
        if (module == null) {
            throw new IllegalArgumentException(op + ": module must not be null");
        }
    }

    private static Generator requireGenerator(Generator generator) {
        if (generator == null) {
            throw new IllegalArgumentException("randomUnstructured: generator must not be null");
        }
        return generator;
    }
}
