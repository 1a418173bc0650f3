package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Identity;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import java.util.List;
import java.util.Map;

/**
 * Static (post-training) int8 quantization, PyTorch's eager-mode flow:
 * <pre>{@code
 * model.eval();
 * StaticQuantization.fuseModules(model, List.of(List.of("0", "1", "2"), List.of("4", "5", "6")));
 * QuantWrapper q = StaticQuantization.prepare(model, QConfig.defaults());
 * for (Tensor batch : calibration) q.forward(batch);   // observers record the ranges
 * StaticQuantization.convert(q);                      // float in, uint8 inside, float out
 * }</pre>
 * Supported models are {@link Sequential}s (nested ones too) of {@link Linear}, {@link Conv2d} (groups 1),
 * {@link LinearReLU}, {@link ConvReLU2d}, {@link ReLU}, {@link MaxPool2d}, {@link Flatten}, {@link Dropout} and
 * {@link Identity}; BatchNorm must be fused into the layer before it first. Any other layer is rejected by
 * {@link #prepare} with its path and type (there is no float fallback inside a quantized model). Activations are
 * uint8 with one scale and zero point each, fixed by calibration; weights are int8 per output channel.
 *
 * <p>{@link #prepare} and {@link #convert} change the model in place (its layers are replaced) and the converted
 * layers keep everything as buffers, so a converted model's state dict saves and loads into another converted model
 * of the same structure.
 */
public final class StaticQuantization {
    private StaticQuantization() {
    }

    /**
     * Fuses each group of sub-modules (dotted paths, in execution order) into one, like PyTorch's
     * {@code fuse_modules} in eval mode: conv+bn, conv+bn+relu, conv+relu, linear+bn1d, linear+bn1d+relu,
     * linear+relu; the first path gets the fused module, the others an {@link Identity}.
     *
     * @throws IllegalArgumentException for an unknown path, a module in training mode, or a group with no fusion
     */
    public static void fuseModules(Module model, List<List<String>> groups) {
        Fusion.fuse(model, groups);
    }

    /**
     * Wraps {@code model} in a {@link QuantWrapper} and puts an observer on the input and on the output of every
     * layer that will be quantized (Linear, Conv2d and their fused ReLU forms). Run the returned module on a few
     * calibration batches (in eval mode), then {@link #convert} it.
     *
     * @throws IllegalArgumentException naming the first layer that cannot be quantized, or when the activation
     *                                  observer is not uint8
     */
    public static QuantWrapper prepare(Module model, QConfig qconfig) {
        DType activation = qconfig.activation().get().dtype();
        if (activation != DType.UINT8) {
            throw new IllegalArgumentException("prepare: static quantization keeps activations in uint8; the QConfig's "
                    + "activation observer is " + activation);
        }
        check(model, "");
        observe(model, qconfig);
        QuantWrapper wrapper = new QuantWrapper(model);
        wrapper.setSubmodule("quant", new ObservedModule(new QuantStub(), qconfig));
        return wrapper;
    }

    private static void check(Module m, String path) {
        if (m instanceof Sequential) {
            for (Map.Entry<String, Module> e : m.children().entrySet()) {
                check(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
            }
            return;
        }
        if (m instanceof Conv2d conv && conv.groups() != 1) {
            throw new IllegalArgumentException("prepare: '" + path + "' is a Conv2d with groups=" + conv.groups()
                    + "; quantized convolution supports groups=1 only");
        }
        if (m instanceof ConvReLU2d cr && cr.conv().groups() != 1) {
            throw new IllegalArgumentException("prepare: '" + path + "' is a convolution with groups="
                    + cr.conv().groups() + "; quantized convolution supports groups=1 only");
        }
        boolean supported = isWeighted(m) || m instanceof ReLU || m instanceof MaxPool2d || m instanceof Flatten
                || m instanceof Dropout || m instanceof Identity;
        if (!supported) {
            throw new IllegalArgumentException("prepare: layer '" + path + "' (" + m.getClass().getSimpleName()
                    + ") has no quantized version; supported: Sequential of Linear, Conv2d, LinearReLU, ConvReLU2d, "
                    + "ReLU, MaxPool2d, Flatten, Dropout, Identity (fuse BatchNorm into the layer before it with "
                    + "fuseModules)");
        }
    }

    private static boolean isWeighted(Module m) {
        return m instanceof Linear || m instanceof Conv2d || m instanceof LinearReLU || m instanceof ConvReLU2d;
    }

    private static void observe(Module container, QConfig qconfig) {
        for (Map.Entry<String, Module> e : List.copyOf(container.children().entrySet())) {
            Module m = e.getValue();
            if (m instanceof Sequential) {
                observe(m, qconfig);
            } else if (isWeighted(m)) {
                container.setSubmodule(e.getKey(), new ObservedModule(m, qconfig));
            }
        }
    }

    /**
     * Replaces the observed layers of a prepared and calibrated model by quantized ones, in place, and puts the model
     * in eval mode; returns it. The input is quantized once with the parameters observed there, every layer works on
     * uint8, and the output is dequantized.
     *
     * @throws IllegalArgumentException when {@code prepared} did not come from {@link #prepare}
     * @throws IllegalStateException    when an observer saw no data (no calibration ran)
     */
    public static QuantWrapper convert(QuantWrapper prepared) {
        if (!(prepared.getSubmodule("quant") instanceof ObservedModule input)) {
            throw new IllegalArgumentException("convert: the model was not prepared (StaticQuantization.prepare) or "
                    + "is already converted");
        }
        QParams in = input.observer().qparams();
        QParams out = convertChildren(prepared.module(), "module", in);
        prepared.setSubmodule("quant", new Quantize(in));
        prepared.setSubmodule("dequant", new DeQuantize(out));
        prepared.eval();
        return prepared;
    }

    /** Converts the layers of {@code container} in order; returns the parameters of its output. */
    private static QParams convertChildren(Module container, String path, QParams current) {
        if (container instanceof ObservedModule || !(container instanceof Sequential)) {
            throw new IllegalArgumentException("convert: '" + path + "' must be a Sequential, got "
                    + container.getClass().getSimpleName());
        }
        QParams q = current;
        for (Map.Entry<String, Module> e : List.copyOf(container.children().entrySet())) {
            String name = e.getKey();
            Module m = e.getValue();
            String at = path + "." + name;
            if (m instanceof Sequential) {
                q = convertChildren(m, at, q);
            } else if (m instanceof ObservedModule observed) {
                QParams output = observed.observer().qparams();
                container.setSubmodule(name, QuantizedLayers.of(observed, q, output, at));
                q = output;
            } else if (m instanceof ReLU) {
                container.setSubmodule(name, new QuantizedReLU(q));
            } else if (m instanceof MaxPool2d pool) {
                container.setSubmodule(name, new QuantizedMaxPool2d(pool));
            } else if (m instanceof Dropout) {
                container.setSubmodule(name, new Identity()); // inference only: dropout is the identity
            } else if (!(m instanceof Flatten || m instanceof Identity)) {
                throw new IllegalArgumentException("convert: layer '" + at + "' (" + m.getClass().getSimpleName()
                        + ") was not prepared for quantization");
            }
        }
        return q;
    }
}
