package dev.nabla.nn;

import dev.nabla.Tensor;
import java.util.List;

/** Modules applied in order, named {@code 0, 1, 2, ...}, like {@code torch.nn.Sequential}. */
public final class Sequential extends Module {
    private final List<Module> layers;

    /** A chain of modules. */
    public Sequential(Module... layers) {
        this.layers = List.of(layers);
        for (int i = 0; i < layers.length; i++) {
            registerModule(Integer.toString(i), layers[i]);
        }
    }

    /** Layer {@code i}. */
    public Module get(int i) {
        return layers.get(i);
    }

    /** Number of layers. */
    public int size() {
        return layers.size();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (Module m : layers) {
            h = m.forward(h);
        }
        return h;
    }
}
