package dev.nabla.quantization;

import dev.nabla.nn.GRU;
import dev.nabla.nn.LSTM;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import java.util.Set;

/**
 * What {@link Quantization#quantizeDynamic(Module, DynamicQuantOptions)} converts and how, like the
 * {@code qconfig_spec} of {@code torch.ao.quantization.quantize_dynamic}.
 *
 * @param types      the layer classes to replace (exact classes, as PyTorch's mapping), each one Nabla has a
 *                   dynamically quantized form of
 * @param perChannel one weight scale per output channel ({@code per_channel_dynamic_qconfig}) or one per weight
 *                   ({@code default_dynamic_qconfig}); symmetric int8 either way
 */
public record DynamicQuantOptions(Set<Class<? extends Module>> types, boolean perChannel) {
    /** The layer classes that have a dynamically quantized form. */
    public static final Set<Class<? extends Module>> SUPPORTED = Set.of(Linear.class, LSTM.class, GRU.class);
    /** Every supported layer class, per-channel symmetric int8 weights. */
    public static final DynamicQuantOptions DEFAULT = new DynamicQuantOptions(SUPPORTED, true);

    /**
     * Checks the options.
     *
     * @throws IllegalArgumentException naming a class with no dynamically quantized form
     */
    public DynamicQuantOptions {
        types = Set.copyOf(types);
        for (Class<? extends Module> type : types) {
            if (!SUPPORTED.contains(type)) {
                throw new IllegalArgumentException("quantizeDynamic: " + type.getSimpleName() + " has no dynamically "
                        + "quantized form (supported: " + SUPPORTED.stream().map(Class::getSimpleName).sorted().toList()
                        + ")");
            }
        }
    }

    /** These options with one weight scale per tensor instead of per output channel. */
    public DynamicQuantOptions perTensor() {
        return new DynamicQuantOptions(types, false);
    }

    /** These options converting only the given layer classes. */
    @SafeVarargs
    public final DynamicQuantOptions only(Class<? extends Module>... layerTypes) {
        return new DynamicQuantOptions(Set.of(layerTypes), perChannel);
    }
}
