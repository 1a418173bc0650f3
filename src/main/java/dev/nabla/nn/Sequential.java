package dev.nabla.nn;

import dev.nabla.Tensor;

/** Modules applied in order, named {@code 0, 1, 2, ...}, like {@code torch.nn.Sequential}. */
public final class Sequential extends Module {
    private final int size;

    /** A chain of modules. */
    public Sequential(Module... layers) {
        this.size = layers.length;
        for (int i = 0; i < layers.length; i++) {
            registerModule(Integer.toString(i), layers[i]);
        }
    }

    /** Layer {@code i}. */
    public Module get(int i) {
        java.util.Objects.checkIndex(i, size);
        return child(Integer.toString(i));
    }

    /** Number of layers. */
    public int size() {
        return size;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (Module m : children().values()) { // in order; setSubmodule may have replaced some
            h = m.forward(h);
        }
        return h;
    }
}
