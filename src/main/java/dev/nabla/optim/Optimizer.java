package dev.nabla.optim;

import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.backend.UpdateRule;
import dev.nabla.internal.Internals;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base of the optimizers, like {@code torch.optim.Optimizer}: parameter groups with their own hyper-parameters,
 * per-parameter state, and a {@link #step()} that runs one fused native update per parameter (no temporaries, no
 * autograd recording).
 *
 * <p>State tensors are owned by the optimizer (outside any scope) and released by {@link #close()}. State is made on
 * a parameter's first update, in the parameter's dtype; when the parameter has moved to another device or been
 * converted to another dtype since ({@code Module.to}), the next {@link #step()} moves and converts its state along
 * before updating (so converting a model after some steps keeps its momentum, rounded to the new dtype).
 */
public abstract class Optimizer implements AutoCloseable {
    private final List<ParamGroup> groups = new ArrayList<>();
    private final Map<Tensor, ParamState> state = new IdentityHashMap<>();

    /** Per-parameter state: the step count and the rule's buffers. */
    protected static final class ParamState {
        long step;
        final Tensor[] buffers;

        ParamState(Tensor[] buffers) {
            this.buffers = buffers;
        }
    }

    /** An optimizer over {@code groups}, filling each group's missing options from {@code defaults}. */
    protected Optimizer(List<ParamGroup> groups, Map<String, Double> defaults) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("optimizer: no parameters to optimize");
        }
        java.util.Set<Tensor> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (ParamGroup g : groups) {
            defaults.forEach(g::putIfAbsent);
            validate(g);
            for (Tensor p : g.params()) {
                if (!seen.add(p)) {
                    throw new IllegalArgumentException("optimizer: " + p.describe() + " appears in more than one "
                            + "parameter group");
                }
            }
            this.groups.add(g);
        }
    }

    /** One group holding {@code params}. */
    protected static List<ParamGroup> single(List<Tensor> params) {
        return List.of(new ParamGroup(params, Map.of()));
    }

    /** Rejects invalid hyper-parameters with a message naming them. */
    protected abstract void validate(ParamGroup group);

    /** The update for one parameter at its {@code step} (1-based), with the group's options. */
    abstract UpdateRule rule(ParamGroup group, long step);

    /**
     * Fills a parameter's new state buffers before its first update; they start at zero, which is what every rule
     * but Adagrad with an {@code initial_accumulator_value} wants.
     */
    protected void initState(ParamGroup group, Tensor param, Tensor[] buffers) {
    }

    /** The parameter groups (LR schedules adjust their {@code lr}). */
    public List<ParamGroup> paramGroups() {
        return java.util.Collections.unmodifiableList(groups);
    }

    /** Clears every parameter's gradient, releasing its memory. */
    public void zeroGrad() {
        for (ParamGroup g : groups) {
            for (Tensor p : g.params()) {
                p.setGrad(null);
            }
        }
    }

    /** Updates every parameter that has a gradient. */
    public void step() {
        try (Grad off = Grad.disabled()) {
            for (ParamGroup g : groups) {
                for (Tensor p : g.params()) {
                    Tensor grad = p.grad();
                    if (grad == null) {
                        continue;
                    }
                    ParamState st = state.get(p);
                    long step = st == null ? 1 : st.step + 1;
                    UpdateRule rule = rule(g, step);
                    if (st == null) {
                        st = new ParamState(newBuffers(p, rule.stateCount()));
                        initState(g, p, st.buffers);
                        state.put(p, st);
                    }
                    st.step = step;
                    followParam(p, st.buffers);
                    apply(p, grad, rule, st.buffers);
                }
            }
        }
    }

    private static Tensor[] newBuffers(Tensor p, int n) {
        Tensor[] out = new Tensor[n];
        for (int i = 0; i < n; i++) {
            out[i] = Scope.detached(() -> Tensor.zerosLike(p));
        }
        return out;
    }

    /**
     * Moves and converts state buffers made before their parameter moved or changed dtype ({@code Module.to} after
     * some steps) to the parameter's device and dtype, keeping the buffer objects ({@link #stateDict()} hands out the
     * live ones).
     */
    private static void followParam(Tensor p, Tensor[] buffers) {
        for (Tensor b : buffers) {
            if (b.device() != p.device() || b.dtype() != p.dtype()) {
                Internals.moveTo(b, p.device(), p.dtype());
            }
        }
    }

    private static void apply(Tensor p, Tensor grad, UpdateRule rule, Tensor[] buffers) {
        Internals.fusedUpdate(p, rule, grad, buffers);
    }

    /** The step count of {@code p} (0 before its first update). */
    public long stepCount(Tensor p) {
        ParamState st = state.get(p);
        return st == null ? 0 : st.step;
    }

    /**
     * The optimizer's state as named tensors, PyTorch-style: {@code state.<i>.<buffer>} for the buffers and
     * {@code state.<i>.step} (a one-element tensor) for parameter {@code i} in group order, plus
     * {@code param_groups.<g>.<option>} one-element tensors. The buffers are the live tensors.
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        int i = 0;
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup g = groups.get(gi);
            for (var e : g.options().entrySet()) {
                out.put("param_groups." + gi + "." + e.getKey(),
                        Scope.detached(() -> Tensor.scalar(e.getValue(), dev.nabla.DType.FLOAT64, dev.nabla.Device.CPU)));
            }
            for (Tensor p : g.params()) {
                ParamState st = state.get(p);
                if (st != null) {
                    long step = st.step;
                    out.put("state." + i + ".step",
                            Scope.detached(() -> Tensor.scalar(step, dev.nabla.DType.FLOAT64, dev.nabla.Device.CPU)));
                    for (int b = 0; b < st.buffers.length; b++) {
                        out.put("state." + i + "." + b, st.buffers[b]);
                    }
                }
                i++;
            }
        }
        return out;
    }

    /**
     * Restores state saved by {@link #stateDict()} into an optimizer built over the same parameters. Everything is
     * validated before anything changes: the keys (parameter and group indices in range, buffer indices the
     * update rule has), each step count (a one-element tensor holding an integer in {@code [0, 2^53]}), each
     * group option (a finite number that this optimizer's own checks accept, e.g. {@code 0 <= beta < 1}) and each
     * buffer's shape.
     *
     * @throws IllegalArgumentException naming the key and the value or shape that does not fit
     */
    public void loadStateDict(Map<String, Tensor> saved) {
        List<Tensor> params = new ArrayList<>();
        List<Integer> owners = new ArrayList<>();
        for (int gi = 0; gi < groups.size(); gi++) {
            for (Tensor p : groups.get(gi).params()) {
                params.add(p);
                owners.add(gi);
            }
        }
        // the groups' options as they will be: the current ones overridden by the saved ones
        List<Map<String, Double>> options = new ArrayList<>();
        for (ParamGroup g : groups) {
            options.add(new LinkedHashMap<>(g.options()));
        }
        Map<Integer, Long> steps = new LinkedHashMap<>();
        for (var e : saved.entrySet()) {
            String key = e.getKey();
            String[] k = key.split("\\.", 3);
            if (k.length == 3 && k[0].equals("param_groups")) {
                int gi = index(key, k[1], groups.size(), "parameter group");
                options.get(gi).put(k[2], finiteScalar(key, e.getValue()));
            } else if (k.length == 3 && k[0].equals("state")) {
                int i = index(key, k[1], params.size(), "parameter");
                if (k[2].equals("step")) {
                    steps.put(i, stepCount(key, e.getValue()));
                } else if (!k[2].matches("[0-9]{1,9}")) {
                    throw new IllegalArgumentException("loadStateDict: unexpected key '" + key + "'");
                }
            } else {
                throw new IllegalArgumentException("loadStateDict: unexpected key '" + key + "'");
            }
        }
        List<ParamGroup> candidates = new ArrayList<>();
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup c = new ParamGroup(groups.get(gi).params(), options.get(gi));
            try {
                validate(c);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("loadStateDict: the options of param_groups." + gi
                        + " are invalid: " + e.getMessage(), e);
            }
            candidates.add(c);
        }
        Map<Integer, Tensor[]> buffers = new LinkedHashMap<>();
        for (var entry : steps.entrySet()) {
            int i = entry.getKey();
            Tensor p = params.get(i);
            int n = rule(candidates.get(owners.get(i)), Math.max(1, entry.getValue())).stateCount();
            Tensor[] bufs = new Tensor[n];
            for (int b = 0; b < n; b++) {
                Tensor t = saved.get("state." + i + "." + b);
                if (t == null || !java.util.Arrays.equals(t.shape(), p.shape())) {
                    throw new IllegalArgumentException("loadStateDict: buffer state." + i + "." + b
                            + (t == null ? " is missing" : " has shape " + java.util.Arrays.toString(t.shape())
                            + " but the parameter has " + java.util.Arrays.toString(p.shape())));
                }
                bufs[b] = t;
            }
            buffers.put(i, bufs);
        }
        for (String key : saved.keySet()) {
            String[] k = key.split("\\.", 3);
            if (k[0].equals("state") && !k[2].equals("step")) {
                int i = Integer.parseInt(k[1]);
                Tensor[] bufs = buffers.get(i);
                if (bufs == null || Integer.parseInt(k[2]) >= bufs.length) {
                    throw new IllegalArgumentException("loadStateDict: unexpected key '" + key + "' ("
                            + (bufs == null ? "parameter " + i + " has no saved step count"
                            : "the update rule keeps " + bufs.length + " buffers per parameter") + ")");
                }
            }
        }
        try (Grad off = Grad.disabled()) {
            for (int gi = 0; gi < groups.size(); gi++) {
                for (var e : options.get(gi).entrySet()) {
                    groups.get(gi).put(e.getKey(), e.getValue());
                }
            }
            for (var entry : buffers.entrySet()) {
                int i = entry.getKey();
                Tensor p = params.get(i);
                Tensor[] src = entry.getValue();
                Tensor[] own = newBuffers(p, src.length);
                for (int b = 0; b < src.length; b++) {
                    own[b].copy_(src[b].to(p.device()).to(p.dtype()));
                }
                ParamState old = state.put(p, new ParamState(own));
                if (old != null) {
                    for (Tensor t : old.buffers) {
                        t.close();
                    }
                }
                state.get(p).step = steps.get(i);
            }
        }
    }

    /** The index {@code text} in {@code key}, checked to be in {@code [0, count)}. */
    private static int index(String key, String text, int count, String what) {
        int i = text.matches("[0-9]{1,9}") ? Integer.parseInt(text) : -1;
        if (i < 0 || i >= count) {
            throw new IllegalArgumentException("loadStateDict: key '" + key + "' names " + what + " '" + text
                    + "', but the optimizer has " + count + (what.equals("parameter") ? " parameters" : " groups"));
        }
        return i;
    }

    /** The value of a one-element tensor under {@code key}, checked to be finite. */
    private static double finiteScalar(String key, Tensor t) {
        double v = scalar(key, t);
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("loadStateDict: '" + key + "' must be finite, got " + v);
        }
        return v;
    }

    /** A step count: an integer in {@code [0, 2^53]} (exact in the float64 it is saved as). */
    private static long stepCount(String key, Tensor t) {
        double v = scalar(key, t);
        if (!(v >= 0 && v <= 0x1p53 && v == Math.rint(v))) {
            throw new IllegalArgumentException("loadStateDict: '" + key + "' must be a non-negative integer step "
                    + "count, got " + v);
        }
        return (long) v;
    }

    private static double scalar(String key, Tensor t) {
        if (t == null || t.numel() != 1) {
            throw new IllegalArgumentException("loadStateDict: '" + key + "' must be a one-element tensor, got "
                    + (t == null ? "null" : "shape " + java.util.Arrays.toString(t.shape())));
        }
        return t.item();
    }

    /** Releases the state buffers. */
    @Override
    public void close() {
        for (ParamState st : state.values()) {
            for (Tensor t : st.buffers) {
                t.close();
            }
        }
        state.clear();
    }
}
