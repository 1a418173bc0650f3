package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Defaults, validation messages and parameter groups of Adam, AdamW, RMSprop, Adagrad (and SGD). */
class OptimizerOptionsTest {

    private static Tensor param() {
        return Tensor.of(new double[] {0.5, -1.0, 2.0}, DType.FLOAT32, Device.CPU, 3).requiresGrad_(true);
    }

    private static void rejects(String expected, Supplier<Optimizer> make) {
        var e = assertThrows(IllegalArgumentException.class, make::get);
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }

    @Test
    void pytorchDefaults() {
        var adam = new Adam(List.of(param()));
        assertEquals(Map.of("lr", 1e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8, "weight_decay", 0.0,
                "amsgrad", 0.0), adam.paramGroups().get(0).options());
        var adamw = new AdamW(List.of(param()));
        assertEquals(0.01, adamw.paramGroups().get(0).get("weight_decay"));
        assertEquals(1e-3, adamw.paramGroups().get(0).lr());
        var rms = new RMSprop(List.of(param()));
        assertEquals(Map.of("lr", 1e-2, "alpha", 0.99, "eps", 1e-8, "weight_decay", 0.0, "momentum", 0.0,
                "centered", 0.0), rms.paramGroups().get(0).options());
        var ada = new Adagrad(List.of(param()));
        assertEquals(Map.of("lr", 1e-2, "lr_decay", 0.0, "weight_decay", 0.0, "initial_accumulator_value", 0.0,
                "eps", 1e-10), ada.paramGroups().get(0).options());
    }

    @Test
    void invalidHyperParametersAreRejected() {
        rejects("Adam: invalid learning rate: -0.1", () -> new Adam(List.of(param()), -0.1));
        rejects("Adam: invalid epsilon value: -1.0", () -> new Adam(List.of(param()), 0.1, 0.9, 0.999, -1, 0, false));
        rejects("Adam: invalid beta parameter at index 0: 1.0",
                () -> new Adam(List.of(param()), 0.1, 1.0, 0.999, 1e-8, 0, false));
        rejects("Adam: invalid beta parameter at index 1: -0.5",
                () -> new Adam(List.of(param()), 0.1, 0.9, -0.5, 1e-8, 0, false));
        rejects("Adam: invalid weight_decay value: -0.01",
                () -> new Adam(List.of(param()), 0.1, 0.9, 0.999, 1e-8, -0.01, false));
        rejects("AdamW: invalid learning rate: NaN", () -> new AdamW(List.of(param()), Double.NaN, 0.01));
        rejects("AdamW: invalid weight_decay value", () -> new AdamW(List.of(param()), 0.1, -1));
        rejects("RMSprop: invalid alpha value: -0.9",
                () -> new RMSprop(List.of(param()), 0.1, -0.9, 1e-8, 0, 0, false));
        rejects("RMSprop: invalid momentum value: -0.9",
                () -> new RMSprop(List.of(param()), 0.1, 0.9, 1e-8, 0, -0.9, false));
        rejects("RMSprop: invalid epsilon value", () -> new RMSprop(List.of(param()), 0.1, 0.9, -1, 0, 0, false));
        rejects("RMSprop: invalid weight_decay value", () -> new RMSprop(List.of(param()), 0.1, 0.9, 1e-8, -1, 0,
                false));
        rejects("Adagrad: invalid lr_decay value: -1.0", () -> new Adagrad(List.of(param()), 0.1, -1, 0, 0, 1e-10));
        rejects("Adagrad: invalid initial_accumulator_value value: -1.0",
                () -> new Adagrad(List.of(param()), 0.1, 0, 0, -1, 1e-10));
        rejects("Adagrad: invalid epsilon value", () -> new Adagrad(List.of(param()), 0.1, 0, 0, 0, -1));
        rejects("SGD: invalid momentum value: -0.5", () -> new SGD(List.of(param()), 0.1, -0.5, 0, 0, false));
        rejects("Nesterov momentum requires a momentum and zero dampening",
                () -> new SGD(List.of(param()), 0.1, 0, 0, 0, true));
        // a group's own options are validated too
        rejects("Adam: invalid beta parameter at index 0: 2.0", () -> new Adam(List.of(
                new ParamGroup(List.of(param()), Map.of()),
                new ParamGroup(List.of(param()), Map.of("beta1", 2.0))), Map.of()));
        rejects("amsgrad is a flag", () -> new Adam(List.of(new ParamGroup(List.of(param()), Map.of("amsgrad",
                0.5))), Map.of()));
        rejects("no parameters to optimize", () -> new Adam(List.<ParamGroup>of(), Map.of()));
        Tensor shared = param();
        rejects("more than one parameter group", () -> new RMSprop(List.of(
                new ParamGroup(List.of(shared), Map.of()), new ParamGroup(List.of(shared), Map.of())), Map.of()));
    }

    @Test
    void groupOptionsOverrideTheDefaults() {
        var opt = new RMSprop(List.of(new ParamGroup(List.of(param()), Map.of("lr", 0.5, "centered", 1.0)),
                new ParamGroup(List.of(param()), Map.of())), Map.of("momentum", 0.3));
        var g0 = opt.paramGroups().get(0);
        var g1 = opt.paramGroups().get(1);
        assertEquals(0.5, g0.lr());
        assertTrue(g0.flag("centered"));
        assertEquals(0.3, g0.get("momentum"));
        assertEquals(1e-2, g1.lr());
        assertEquals(0.3, g1.get("momentum"));
        assertEquals(0.99, g1.get("alpha"));
    }

    /** The convenience constructors give the same updates as the group/defaults constructor. */
    @Test
    void convenienceConstructorsMatchGroupConstructors() {
        record Pair(Optimizer a, Optimizer b, Tensor pa, Tensor pb) {
        }
        List<java.util.function.BiFunction<Tensor, Boolean, Optimizer>> makers = List.of(
                (p, groups) -> groups ? new Adam(List.of(new ParamGroup(List.of(p), Map.of())),
                        Map.of("lr", 0.1, "amsgrad", 1.0, "weight_decay", 0.1))
                        : new Adam(List.of(p), 0.1, 0.9, 0.999, 1e-8, 0.1, true),
                (p, groups) -> groups ? new AdamW(List.of(new ParamGroup(List.of(p), Map.of())), Map.of("lr", 0.1))
                        : new AdamW(List.of(p), 0.1, 0.01),
                (p, groups) -> groups ? new RMSprop(List.of(new ParamGroup(List.of(p), Map.of())),
                        Map.of("lr", 0.1, "centered", 1.0, "momentum", 0.5))
                        : new RMSprop(List.of(p), 0.1, 0.99, 1e-8, 0, 0.5, true),
                (p, groups) -> groups ? new Adagrad(List.of(new ParamGroup(List.of(p), Map.of())),
                        Map.of("lr", 0.1, "lr_decay", 0.01))
                        : new Adagrad(List.of(p), 0.1, 0.01, 0, 0, 1e-10));
        for (var make : makers) {
            Tensor pa = param();
            Tensor pb = param();
            Optimizer a = make.apply(pa, false);
            Optimizer b = make.apply(pb, true);
            for (int s = 0; s < 3; s++) {
                for (Tensor p : List.of(pa, pb)) {
                    p.setGrad(null);
                    p.square().sum().backward();
                }
                a.step();
                b.step();
            }
            assertArrayEquals(pa.toFloatArray(), pb.toFloatArray(), a.getClass().getSimpleName());
            a.close();
            b.close();
        }
    }

    /** A parameter without a gradient is skipped and gets no state. */
    @Test
    void parametersWithoutGradientAreSkipped() {
        Tensor a = param();
        Tensor b = param();
        var opt = new Adam(List.of(a, b), 0.1);
        a.square().sum().backward();
        opt.step();
        assertEquals(1, opt.stepCount(a));
        assertEquals(0, opt.stepCount(b));
        assertArrayEquals(new float[] {0.5f, -1f, 2f}, b.toFloatArray());
        opt.close();
    }
}
