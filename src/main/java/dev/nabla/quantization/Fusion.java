package dev.nabla.quantization;

import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Identity;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's {@code fuse_modules} in evaluation mode: each group of sub-module paths becomes one module at the first
 * path, the others become {@link Identity}. Groups: conv+bn, conv+bn+relu, conv+relu, linear+bn1d,
 * linear+bn1d+relu, linear+relu (BatchNorm folded into the weight and bias; ReLU kept as {@link ConvReLU2d} /
 * {@link LinearReLU}).
 */
final class Fusion {
    private Fusion() {
    }

    static void fuse(Module model, List<List<String>> groups) {
        for (List<String> group : groups) {
            fuseGroup(model, group);
        }
    }

    private static void fuseGroup(Module model, List<String> paths) {
        List<Module> mods = new ArrayList<>();
        for (String p : paths) {
            Module m = model.getSubmodule(p);
            if (m.isTraining()) {
                throw new IllegalArgumentException("fuseModules: '" + p + "' is in training mode; fusion folds the "
                        + "running BatchNorm statistics and needs eval() first");
            }
            mods.add(m);
        }
        Module fused = fused(mods, paths);
        fused.eval();
        model.setSubmodule(paths.get(0), fused);
        for (int i = 1; i < paths.size(); i++) {
            model.setSubmodule(paths.get(i), new Identity());
        }
    }

    private static Module fused(List<Module> m, List<String> paths) {
        boolean relu = m.size() > 1 && m.get(m.size() - 1) instanceof ReLU;
        int n = m.size() - (relu ? 1 : 0);
        Module first = m.get(0);
        if (n == 2 && first instanceof Conv2d conv && m.get(1) instanceof BatchNorm2d bn) {
            Conv2d folded = BatchNormFolding.fold(conv, bn);
            return relu ? new ConvReLU2d(folded, (ReLU) m.get(2)) : folded;
        }
        if (n == 2 && first instanceof Linear linear && m.get(1) instanceof BatchNorm1d bn) {
            Linear folded = BatchNormFolding.fold(linear, bn);
            return relu ? new LinearReLU(folded, (ReLU) m.get(2)) : folded;
        }
        if (n == 1 && relu && first instanceof Conv2d conv) {
            return new ConvReLU2d(conv, (ReLU) m.get(1));
        }
        if (n == 1 && relu && first instanceof Linear linear) {
            return new LinearReLU(linear, (ReLU) m.get(1));
        }
        List<String> types = m.stream().map(x -> x.getClass().getSimpleName()).toList();
        throw new IllegalArgumentException("fuseModules: no fusion for " + types + " at " + paths + "; supported: "
                + "[Conv2d, BatchNorm2d], [Conv2d, BatchNorm2d, ReLU], [Conv2d, ReLU], [Linear, BatchNorm1d], "
                + "[Linear, BatchNorm1d, ReLU], [Linear, ReLU]");
    }
}
