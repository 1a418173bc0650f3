package dev.nabla.nn;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.base.LazyLogger;
import dev.nabla.internal.Internals;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Base of every layer and model, like {@code torch.nn.Module}: named parameters, buffers and sub-modules
 * (recursively, with stable dotted names such as {@code layers.0.weight}), train/eval mode, state dicts and a
 * readable tree.
 *
 * <p>Parameters and buffers are owned by the module, not by a {@link Scope}: registering copies them out of
 * any open scope, so a model built inside a training step survives it. {@link #close()} releases them.
 * Subclasses read their tensors with {@link #param(String)} / {@link #buffer(String)} on each forward.
 * {@link #to(Device)}, {@link #to(DType)} and {@link #loadStateDict} keep the tensor objects and change their data.
 *
 * <p>A parameter name can also be <em>computed</em>: {@link #param(String)} then returns a tensor recomputed from
 * other members on every access. {@link Prune} uses this for {@code weight = weight_orig * weight_mask}, PyTorch's
 * forward pre-hook, so that every layer sees the mask however its {@code forward} is called. A computed parameter
 * holds no tensor of its own: it is not listed by {@link #namedParameters()} or the state dict.
 */
public abstract class Module implements AutoCloseable {
    private static final System.Logger LOG = LazyLogger.of(Module.class);
    private final LinkedHashMap<String, Tensor> parameters = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private final LinkedHashMap<String, Supplier<Tensor>> computedParameters = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes the module's output. */
    public abstract Tensor forward(Tensor input);

    /** Adds a trainable parameter (a copy owned by this module, requiring grad); returns it. */
    protected final Tensor registerParameter(String name, Tensor value) {
        checkName(name);
        Tensor owned = own(value);
        owned.requiresGrad_(true);
        Tensor old = parameters.put(name, owned);
        if (old != null) {
            old.close();
        }
        return owned;
    }

    /** Adds a non-trainable state tensor (running statistics...), saved in the state dict; returns it. */
    protected final Tensor registerBuffer(String name, Tensor value) {
        checkName(name);
        Tensor owned = own(value);
        Tensor old = buffers.put(name, owned);
        if (old != null) {
            old.close();
        }
        return owned;
    }

    /** Adds a sub-module; returns it. */
    protected final <M extends Module> M registerModule(String name, M module) {
        checkName(name);
        children.put(name, module);
        return module;
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("module member names must be non-empty and contain no '.', got '"
                    + name + "'");
        }
    }

    private static Tensor own(Tensor t) {
        return Scope.detached(() -> {
            try (Grad off = Grad.disabled()) {
                return t.detach().clone();
            }
        });
    }

    /** This module's own parameter {@code name}. */
    protected final Tensor param(String name) {
        Tensor t = paramOrNull(name);
        if (t == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name + "'");
        }
        return t;
    }

    /** This module's own parameter {@code name}, or null when it was not registered (an optional bias). */
    protected final Tensor paramOrNull(String name) {
        Tensor t = parameters.get(name);
        if (t != null) {
            return t;
        }
        Supplier<Tensor> computed = computedParameters.get(name);
        return computed == null ? null : computed.get();
    }

    /** This module's own stored parameters by name (not the computed ones), read-only. */
    final Map<String, Tensor> ownParameters() {
        return java.util.Collections.unmodifiableMap(parameters);
    }

    /** This module's own buffers by name, read-only. */
    final Map<String, Tensor> ownBuffers() {
        return java.util.Collections.unmodifiableMap(buffers);
    }

    /** Names of this module's computed parameters. */
    final Set<String> computedParameterNames() {
        return java.util.Collections.unmodifiableSet(computedParameters.keySet());
    }

    /** Makes {@code name} a parameter recomputed by {@code compute} on every {@link #param} access. */
    final void registerComputedParameter(String name, Supplier<Tensor> compute) {
        checkName(name);
        if (parameters.containsKey(name) || buffers.containsKey(name)) {
            throw new IllegalStateException(getClass().getSimpleName() + " already has a member '" + name + "'");
        }
        computedParameters.put(name, compute);
    }

    /** Forgets the computed parameter {@code name}. */
    final void removeComputedParameter(String name) {
        computedParameters.remove(name);
    }

    /** Takes parameter {@code name} out of this module without releasing it (the caller owns it now). */
    final Tensor detachParameter(String name) {
        Tensor t = parameters.remove(name);
        if (t == null) {
            throw new IllegalStateException(getClass().getSimpleName() + " has no parameter '" + name + "'");
        }
        return t;
    }

    /**
     * Adds {@code tensor} itself (not a copy, unlike {@link #registerParameter}) as parameter {@code name}, so that an
     * optimizer already holding it keeps training it.
     */
    final void attachParameter(String name, Tensor tensor) {
        checkName(name);
        if (parameters.containsKey(name) || buffers.containsKey(name) || computedParameters.containsKey(name)) {
            throw new IllegalStateException(getClass().getSimpleName() + " already has a member '" + name + "'");
        }
        parameters.put(name, tensor);
    }

    /** Removes and releases buffer {@code name}. */
    final void dropBuffer(String name) {
        Tensor t = buffers.remove(name);
        if (t != null) {
            t.close();
        }
    }

    /** This module's own buffer {@code name}. */
    protected final Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no buffer '" + name + "'");
        }
        return t;
    }

    /** This module's own sub-module {@code name}. */
    protected final Module child(String name) {
        Module m = children.get(name);
        if (m == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no sub-module '" + name + "'");
        }
        return m;
    }

    /** This module's own sub-module {@code name}, or null when there is none (an optional part). */
    protected final Module childOrNull(String name) {
        return children.get(name);
    }

    /**
     * The descendant at the dotted path {@code target} ({@code "features.0"}; {@code ""} is this module), like
     * PyTorch's {@code get_submodule}.
     *
     * @throws IllegalArgumentException naming the first missing part of the path
     */
    public final Module getSubmodule(String target) {
        Module m = this;
        if (target.isEmpty()) {
            return m;
        }
        StringBuilder path = new StringBuilder();
        for (String part : target.split("\\.", -1)) {
            Module next = m.children.get(part);
            if (next == null) {
                throw new IllegalArgumentException(getClass().getSimpleName() + " has no sub-module '" + target
                        + "': " + (path.isEmpty() ? "this module" : "'" + path + "'") + " has no child '" + part
                        + "' (children: " + m.children.keySet() + ")");
            }
            path.append(path.isEmpty() ? "" : ".").append(part);
            m = next;
        }
        return m;
    }

    /**
     * Replaces the existing descendant at the dotted path {@code target} by {@code replacement} (PyTorch's
     * {@code set_submodule}; what model transformations such as fusion and quantization use). Nabla's layers and
     * containers read their sub-modules through {@link #child(String)} on every forward, so they use the replacement;
     * a custom module that keeps a sub-module in a field of its own must do the same to support this. The old module
     * is returned, not closed.
     *
     * @return the module that was replaced
     * @throws IllegalArgumentException when the path does not name an existing sub-module or the replacement is null
     */
    public final Module setSubmodule(String target, Module replacement) {
        if (replacement == null) {
            throw new IllegalArgumentException("setSubmodule: the replacement for '" + target + "' must not be null");
        }
        int dot = target.lastIndexOf('.');
        Module parent = getSubmodule(dot < 0 ? "" : target.substring(0, dot));
        String name = target.substring(dot + 1);
        if (!parent.children.containsKey(name)) {
            throw new IllegalArgumentException("setSubmodule: " + getClass().getSimpleName() + " has no sub-module '"
                    + target + "'");
        }
        return parent.children.put(name, replacement);
    }

    /** Direct sub-modules by name, in registration order. */
    public final Map<String, Module> children() {
        return java.util.Collections.unmodifiableMap(children);
    }

    /** Every parameter of this module and its descendants, by dotted name, in registration order. */
    public final Map<String, Tensor> namedParameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect(this, "", out, true);
        return out;
    }

    /** Every buffer of this module and its descendants, by dotted name. */
    public final Map<String, Tensor> namedBuffers() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect(this, "", out, false);
        return out;
    }

    private static void collect(Module m, String prefix, Map<String, Tensor> out, boolean params) {
        for (var e : (params ? m.parameters : m.buffers).entrySet()) {
            out.put(prefix + e.getKey(), e.getValue());
        }
        for (var e : m.children.entrySet()) {
            collect(e.getValue(), prefix + e.getKey() + ".", out, params);
        }
    }

    /** Every parameter, for an optimizer. */
    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Number of scalar parameters. */
    public final long parameterCount() {
        long n = 0;
        for (Tensor p : namedParameters().values()) {
            n += p.numel();
        }
        return n;
    }

    /** Sets training mode (dropout active, batch norm uses batch statistics) on this module and descendants. */
    public Module train(boolean on) {
        training = on;
        for (Module c : children.values()) {
            c.train(on);
        }
        return this;
    }

    /** {@code train(true)}. */
    public Module train() {
        return train(true);
    }

    /** {@code train(false)}: evaluation mode. */
    public Module eval() {
        return train(false);
    }

    /** True in training mode. */
    public boolean isTraining() {
        return training;
    }

    /** Clears every parameter's gradient, releasing its memory (PyTorch's {@code set_to_none=True}). */
    public void zeroGrad() {
        for (Tensor p : namedParameters().values()) {
            p.setGrad(null);
        }
    }

    /**
     * Moves every parameter (with its gradient) and buffer to {@code device}; returns this. Like PyTorch's
     * {@code module.to}, the tensors stay the same objects and get the moved data, so an optimizer built before the
     * move keeps training this module (it moves its own state on its next step), and a parameter obtained earlier
     * reads the moved values. The memory on the old device is released now, unless a view taken earlier still
     * uses it (such a view no longer shares memory with the parameter).
     */
    public Module to(Device device) {
        if (device == null) {
            throw new IllegalArgumentException("Module.to: device must not be null");
        }
        apply(device, null);
        return this;
    }

    /**
     * Converts every floating-point parameter (with its gradient) and floating-point buffer to the floating-point
     * {@code dtype} in place, like PyTorch's {@code module.to(dtype)}; integer and bool buffers keep their dtype.
     * Returns this. The tensors stay the same objects, as with {@link #to(Device)}; an optimizer built before the
     * conversion converts its state to its parameter's dtype on its next step.
     *
     * @throws IllegalArgumentException if {@code dtype} is not floating point (PyTorch's {@code Module.to} accepts
     *     only floating-point dtypes)
     */
    public Module to(DType dtype) {
        apply(null, floating(dtype));
        return this;
    }

    /** {@link #to(Device)} and {@link #to(DType)} in one pass, like PyTorch's {@code module.to(device, dtype)}. */
    public Module to(Device device, DType dtype) {
        if (device == null) {
            throw new IllegalArgumentException("Module.to: device must not be null");
        }
        apply(device, floating(dtype));
        return this;
    }

    /** {@code to(DType.FLOAT64)}: PyTorch's {@code module.double()} ({@code double} is a Java keyword). */
    public Module float64() {
        return to(DType.FLOAT64);
    }

    /** {@code to(DType.FLOAT32)}: PyTorch's {@code module.float()} ({@code float} is a Java keyword). */
    public Module float32() {
        return to(DType.FLOAT32);
    }

    /** {@code to(DType.FLOAT16)}, like PyTorch's {@code module.half()}. */
    public Module half() {
        return to(DType.FLOAT16);
    }

    /** {@code to(DType.BFLOAT16)}, like PyTorch's {@code module.bfloat16()}. */
    public Module bfloat16() {
        return to(DType.BFLOAT16);
    }

    private static DType floating(DType dtype) {
        if (dtype == null || !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("Module.to: only floating-point dtypes are accepted (integer buffers "
                    + "keep their dtype), got " + dtype);
        }
        return dtype;
    }

    /**
     * Moves each tensor of this module and its descendants to {@code device} (null: where it is) and converts the
     * floating-point ones to {@code dtype} (null: as they are), in place.
     */
    private void apply(Device device, DType dtype) {
        for (Tensor p : parameters.values()) {
            convert(p, device, dtype);
        }
        for (Tensor b : buffers.values()) {
            convert(b, device, dtype);
        }
        for (Module c : children.values()) {
            c.apply(device, dtype);
        }
    }

    private static void convert(Tensor t, Device device, DType dtype) {
        DType target = dtype != null && t.dtype().isFloatingPoint() ? dtype : t.dtype();
        Internals.moveTo(t, device != null ? device : t.device(), target);
    }

    /** Parameters and buffers by dotted name (the live tensors, not copies), like PyTorch's {@code state_dict()}. */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>(namedParameters());
        out.putAll(namedBuffers());
        return out;
    }

    /**
     * Copies values from {@code state} into this module's parameters and buffers, each converted to the dtype (and
     * device) of the tensor it lands in, as PyTorch does. Everything is checked first (with {@code strict}, missing
     * and unexpected keys; always shapes; with {@link LossyConversion#FAIL}, conversions that change a value), and
     * nothing is changed unless all checks pass, so a failed load never leaves the model half-updated.
     *
     * @throws IllegalArgumentException naming every missing/unexpected key and shape mismatch, or (only if no such
     *     problem) every key whose conversion changes a value, with both dtypes and its first changed value
     */
    public void loadStateDict(Map<String, Tensor> state, LoadOptions options) {
        Map<String, Tensor> own = stateDict();
        List<String> problems = new ArrayList<>();
        if (options.strict()) {
            for (String k : own.keySet()) {
                if (!state.containsKey(k)) {
                    problems.add("missing key '" + k + "'");
                }
            }
            for (String k : state.keySet()) {
                if (!own.containsKey(k)) {
                    problems.add("unexpected key '" + k + "'");
                }
            }
            String hint = PrunedKeys.hint(own.keySet(), state.keySet());
            if (!problems.isEmpty() && !hint.isEmpty()) {
                problems.add(hint);
            }
        }
        for (var e : state.entrySet()) {
            Tensor mine = own.get(e.getKey());
            if (mine != null && !Arrays.equals(mine.shape(), e.getValue().shape())) {
                problems.add("shape mismatch for '" + e.getKey() + "': checkpoint " + Arrays.toString(e.getValue().shape())
                        + ", model " + Arrays.toString(mine.shape()));
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("loadStateDict: " + String.join("; ", problems));
        }
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            Map<Tensor, Tensor> converted = new LinkedHashMap<>();
            List<String> lossy = new ArrayList<>();
            for (var e : state.entrySet()) {
                Tensor mine = own.get(e.getKey());
                if (mine != null) {
                    Tensor src = e.getValue().to(mine.device(), mine.dtype());
                    if (options.lossyConversion() != LossyConversion.ALLOW && src != e.getValue()) {
                        String change = LossyCheck.firstChange(e.getValue(), src);
                        if (change != null) {
                            lossy.add("'" + e.getKey() + "' " + change);
                        }
                    }
                    converted.put(mine, src);
                }
            }
            if (!lossy.isEmpty() && options.lossyConversion() == LossyConversion.FAIL) {
                throw new IllegalArgumentException("loadStateDict: lossy conversion (LossyConversion.FAIL): "
                        + String.join("; ", lossy));
            }
            for (String change : lossy) {
                LOG.log(System.Logger.Level.WARNING, "loadStateDict: lossy conversion of {0}", change);
            }
            converted.forEach(Tensor::copy_);
        }
    }

    /**
     * {@link #loadStateDict(Map, LoadOptions)} with {@code strict} checking of keys or not, converting silently
     * ({@link LossyConversion#ALLOW}).
     */
    public void loadStateDict(Map<String, Tensor> state, boolean strict) {
        loadStateDict(state, LoadOptions.DEFAULT.strict(strict));
    }

    /** {@link #loadStateDict(Map, LoadOptions)} with {@link LoadOptions#DEFAULT}: strict, lossy conversions allowed. */
    public void loadStateDict(Map<String, Tensor> state) {
        loadStateDict(state, LoadOptions.DEFAULT);
    }

    /** A one-line description of this module's configuration, e.g. {@code in_features=784, out_features=512}. */
    protected String extraRepr() {
        return "";
    }

    /** Releases every parameter, gradient and buffer of this module and its descendants. */
    @Override
    public void close() {
        for (Tensor p : parameters.values()) {
            p.setGrad(null);
            p.close();
        }
        for (Tensor b : buffers.values()) {
            b.close();
        }
        for (Module c : children.values()) {
            c.close();
        }
    }

    /** A PyTorch-style tree with each leaf module's parameter count and the total. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        render(sb, "");
        sb.append("\nparameters: ").append(String.format("%,d", parameterCount()));
        return sb.toString();
    }

    private void render(StringBuilder sb, String indent) {
        sb.append(getClass().getSimpleName()).append('(').append(extraRepr());
        if (children.isEmpty()) {
            sb.append(')');
            long own = 0;
            for (Tensor p : parameters.values()) {
                own += p.numel();
            }
            if (own > 0) {
                sb.append("  # ").append(String.format("%,d", own)).append(" params");
            }
            return;
        }
        sb.append('\n');
        for (var e : children.entrySet()) {
            sb.append(indent).append("  (").append(e.getKey()).append("): ");
            e.getValue().render(sb, indent + "  ");
            sb.append('\n');
        }
        sb.append(indent).append(')');
    }
}
