package dev.nabla.optim;

import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.fixtures.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds a fixture case's optimizer, clipping and schedule and runs its training steps. */
final class Trajectories {
    private Trajectories() {
    }

    static Map<String, Object> caseNamed(String name) {
        for (Object o : Json.list(Mlp.FX.get("cases"))) {
            Map<String, Object> c = Json.map(o);
            if (c.get("name").equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no trajectory case " + name);
    }

    static List<String> caseNames() {
        List<String> out = new ArrayList<>();
        for (Object o : Json.list(Mlp.FX.get("cases"))) {
            out.add((String) Json.map(o).get("name"));
        }
        return out;
    }

    static Map<String, Double> options(Object o) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (var e : Json.map(o).entrySet()) {
            out.put(e.getKey(), (Double) e.getValue());
        }
        return out;
    }

    /** The case's optimizer over {@code model}, built from its groups and defaults. */
    static Optimizer optimizer(Map<String, Object> c, Mlp model) {
        List<ParamGroup> groups = new ArrayList<>();
        for (Object o : Json.list(c.get("groups"))) {
            Map<String, Object> g = Json.map(o);
            List<String> names = new ArrayList<>();
            for (Object n : Json.list(g.get("params"))) {
                names.add((String) n);
            }
            groups.add(new ParamGroup(model.params(names), options(g.get("options"))));
        }
        Map<String, Double> defaults = options(c.get("defaults"));
        return switch ((String) c.get("optimizer")) {
            case "SGD" -> new SGD(groups, defaults);
            case "Adam" -> new Adam(groups, defaults);
            case "AdamW" -> new AdamW(groups, defaults);
            case "RMSprop" -> new RMSprop(groups, defaults);
            case "Adagrad" -> new Adagrad(groups, defaults);
            default -> throw new IllegalArgumentException("unknown optimizer " + c.get("optimizer"));
        };
    }

    /** The case's schedule (the same construction as the fixture script's make_schedule), or null. */
    static LRScheduler schedule(Map<String, Object> c, Optimizer opt) {
        Object s = c.get("schedule");
        if (s == null) {
            return null;
        }
        return switch ((String) s) {
            case "warmup_cosine" -> new SequentialLR(opt, List.of(new LinearLR(opt, 0.1, 1.0, 5),
                    new CosineAnnealingLR(opt, 15, 0.01)), 5);
            case "onecycle" -> new OneCycleLR(opt, 0.05, 20, OneCycleLR.Config.DEFAULTS.withPctStart(0.25));
            default -> throw new IllegalArgumentException("unknown schedule " + s);
        };
    }

    /** What one step observed: the loss before the update and, for norm clipping, the total norm. */
    record StepResult(double loss, double totalNorm) {
    }

    /** zero_grad; loss; backward; clip; optimizer step; schedule step. */
    static StepResult step(Map<String, Object> c, Mlp model, Optimizer opt, LRScheduler sched) {
        try (Scope scope = Scope.open()) {
            opt.zeroGrad();
            Tensor loss = model.loss();
            loss.backward();
            double total = Double.NaN;
            Object clip = c.get("clip");
            if (clip != null) {
                Map<String, Object> k = Json.map(clip);
                if (k.get("kind").equals("norm")) {
                    total = ClipGrad.norm(model.parameters(), (Double) k.get("max_norm"),
                            (Double) k.get("norm_type"), true);
                } else {
                    ClipGrad.value(model.parameters(), (Double) k.get("clip_value"));
                }
            }
            opt.step();
            if (sched != null) {
                sched.step();
            }
            return new StepResult(loss.item(), total);
        }
    }
}
