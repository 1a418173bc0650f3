package dev.nabla.optim;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.fixtures.Json;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixtures' model, {@code fc2(relu(fc1(x)))} with {@code fc1 = Linear(4, 8)} and {@code fc2 = Linear(8, 3)} in
 * float32, set to the fixture's initial weights, and the fixture's batch.
 */
final class Mlp extends Module {
    static final Map<String, Object> FX = OptimFixtures.load("optim_trajectories.json");
    static final List<String> NAMES = List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias");

    private final Linear fc1;
    private final Linear fc2;
    private final Device device;

    Mlp(Device device) {
        this.device = device;
        Generator g = new Generator(1);
        fc1 = registerModule("fc1", new Linear(4, 8, true, g, DType.FLOAT32, device));
        fc2 = registerModule("fc2", new Linear(8, 3, true, g, DType.FLOAT32, device));
        try (Scope s = Scope.open()) {
            Map<String, Tensor> init = new LinkedHashMap<>();
            for (var e : Json.map(FX.get("init")).entrySet()) {
                init.put(e.getKey(), tensor(OptimFixtures.Data.of(e.getValue()), device));
            }
            loadStateDict(init);
        }
    }

    static Tensor tensor(OptimFixtures.Data d, Device device) {
        return Tensor.of(d.data(), DType.FLOAT32, device, d.shape());
    }

    @Override
    public Tensor forward(Tensor x) {
        return fc2.forward(F.relu(fc1.forward(x)));
    }

    /** The fixture's cross-entropy loss on its batch (inside the caller's scope). */
    Tensor loss() {
        Tensor x = tensor(OptimFixtures.Data.of(FX.get("x")), device);
        int[] y = OptimFixtures.ints(FX.get("y"));
        long[] labels = new long[y.length];
        for (int k = 0; k < y.length; k++) {
            labels[k] = y[k];
        }
        Tensor target = Tensor.of(labels, DType.INT64, device, y.length);
        return F.crossEntropy(forward(x), target);
    }

    /** The parameters by name, in the fixture's order. */
    List<Tensor> params(List<String> names) {
        Map<String, Tensor> all = namedParameters();
        List<Tensor> out = new ArrayList<>();
        for (String n : names) {
            out.add(all.get(n));
        }
        return out;
    }
}
