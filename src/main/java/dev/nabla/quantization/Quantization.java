package dev.nabla.quantization;

import dev.nabla.nn.GRU;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Model transformations to quantized inference, like {@code torch.ao.quantization}'s entry points. */
public final class Quantization {
    private Quantization() {
    }

    /** {@link #quantizeDynamic(Module, DynamicQuantOptions)} with {@link DynamicQuantOptions#DEFAULT}. */
    public static <M extends Module> M quantizeDynamic(M model) {
        return quantizeDynamic(model, DynamicQuantOptions.DEFAULT);
    }

    /**
     * Dynamic quantization, like {@code torch.ao.quantization.quantize_dynamic}: every descendant whose class is one
     * of {@code options.types()} (found through {@link Module#children()}, in any container) is replaced with
     * {@link Module#setSubmodule} by its dynamically quantized form ({@link Linear} by {@link DynamicQuantizedLinear},
     * {@link LSTM} by {@link DynamicQuantizedLSTM}, {@link GRU} by {@link DynamicQuantizedGRU}).
     * Unlike PyTorch, which returns a converted copy, this converts <b>in place</b> (Java has no generic deep copy)
     * and returns {@code model} itself; the replaced float layers are closed, and the model is put in eval mode. A
     * layer used at several places gets one replacement. Every layer is quantized before any is replaced, so a failure
     * leaves the model unchanged.
     *
     * @throws IllegalArgumentException when {@code model} itself is of a type to convert (use
     *                                  the quantized class's {@code from}), or a layer cannot be
     *                                  quantized (closed, on CUDA, NaN weights)
     */
    public static <M extends Module> M quantizeDynamic(M model, DynamicQuantOptions options) {
        if (options.types().contains(model.getClass())) {
            throw new IllegalArgumentException("quantizeDynamic converts a model's layers in place; the model itself is "
                    + "a " + model.getClass().getSimpleName() + ": use the quantized class's from(layer) (DynamicQuantizedLinear.from...) instead");
        }
        List<Slot> slots = new ArrayList<>();
        find(model, options, slots);
        // quantize everything first, so that a failure leaves the model as it was
        Map<Module, Module> replacements = new IdentityHashMap<>();
        try {
            for (Slot slot : slots) {
                if (!replacements.containsKey(slot.layer())) {
                    replacements.put(slot.layer(), quantize(slot.layer(), options));
                }
            }
        } catch (RuntimeException e) {
            replacements.values().forEach(Module::close);
            throw e;
        }
        for (Slot slot : slots) {
            slot.parent().setSubmodule(slot.name(), replacements.get(slot.layer()));
        }
        replacements.keySet().forEach(Module::close);
        model.eval();
        return model;
    }

    /** A place in the tree holding a layer to convert: {@code parent}'s child {@code name}. */
    private record Slot(Module parent, String name, Module layer) {
    }

    private static void find(Module parent, DynamicQuantOptions options, List<Slot> slots) {
        for (var entry : parent.children().entrySet()) {
            Module child = entry.getValue();
            if (options.types().contains(child.getClass())) {
                slots.add(new Slot(parent, entry.getKey(), child));
            } else {
                find(child, options, slots);
            }
        }
    }

    private static Module quantize(Module layer, DynamicQuantOptions options) {
        return switch (layer) {
            case Linear linear -> DynamicQuantizedLinear.from(linear, options.perChannel());
            case LSTM lstm -> DynamicQuantizedLSTM.from(lstm, options.perChannel());
            case GRU gru -> DynamicQuantizedGRU.from(gru, options.perChannel());
            default -> throw new IllegalArgumentException("quantizeDynamic: no dynamically quantized form of "
                    + layer.getClass().getSimpleName());
        };
    }
}
