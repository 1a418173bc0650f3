package dev.nabla.quantization;

import dev.nabla.Tensor;
import dev.nabla.nn.Module;

/**
 * A float layer with an observer on its output, what {@link StaticQuantization#prepare} puts in place of each layer
 * it will quantize (PyTorch attaches an {@code activation_post_process} instead). The layer is the child
 * {@code module}, so its parameters keep their names under that prefix while calibrating.
 */
final class ObservedModule extends Module {
    private final Observer observer;
    private final QConfig qconfig;

    ObservedModule(Module module, QConfig qconfig) {
        this.observer = qconfig.activation().get();
        this.qconfig = qconfig;
        registerModule("module", module);
    }

    Module module() {
        return child("module");
    }

    Observer observer() {
        return observer;
    }

    QConfig qconfig() {
        return qconfig;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = child("module").forward(x);
        observer.observe(y);
        return y;
    }

    @Override
    protected String extraRepr() {
        return "observer=" + observer.getClass().getSimpleName();
    }
}
