package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.GradCheck;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Module;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Layers' gradients (with respect to the input and every parameter) against central finite differences in
 * float64; the recurrent layers are checked in {@link RecurrentTest}.
 */
@SuppressWarnings("try") // scopes opened only to release what the test allocates
class LayerGradCheckTest {
    private static final DType F64 = DType.FLOAT64;

    private static void check(Module m, Tensor x) {
        try (m; Scope s = Scope.open()) {
            x.requiresGrad_(true);
            List<Tensor> inputs = new ArrayList<>(List.of(x));
            inputs.addAll(m.parameters());
            GradCheck.Result r = GradCheck.check(in -> m.forward(x), inputs.toArray(Tensor[]::new));
            assertTrue(r.passed(), m.getClass().getSimpleName() + ": " + r);
        }
    }

    private static Tensor randn(long seed, long... shape) {
        return Tensor.normal(new Generator(seed), 0, 1, F64, Device.CPU, shape);
    }

    @Test
    void conv2d() {
        check(new Conv2d(4, 2, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 1}, new int[] {1, 2}, 2, true,
                new Generator(1), F64, Device.CPU), randn(2, 2, 4, 5, 4));
    }

    @Test
    void batchNorm2dInTrainingAndEvaluation() {
        var bn = new BatchNorm2d(3, 1e-5, 0.1, true, true, F64, Device.CPU);
        Init.uniform(bn.namedParameters().get("weight"), 0.5, 1.5, new Generator(3));
        Init.uniform(bn.namedParameters().get("bias"), -0.5, 0.5, new Generator(4));
        check(bn, randn(5, 2, 3, 2, 2));
        var eval = new BatchNorm2d(3, 1e-5, 0.1, true, true, F64, Device.CPU);
        Init.uniform(eval.namedBuffers().get("running_var"), 0.5, 2, new Generator(6));
        eval.eval();
        check(eval, randn(7, 2, 3, 2, 2));
    }

    @Test
    void batchNorm1dAndLayerNorm() {
        check(new BatchNorm1d(3, 1e-5, 0.1, true, true, F64, Device.CPU), randn(8, 4, 3));
        var ln = new LayerNorm(new long[] {2, 3}, 1e-5, true, true, F64, Device.CPU);
        Init.uniform(ln.namedParameters().get("weight"), 0.5, 1.5, new Generator(9));
        check(ln, randn(10, 3, 2, 3));
    }

    @Test
    void residualBlockAndPooling() {
        Generator g = new Generator(11);
        check(new ResidualBlock(new Sequential(new Linear(3, 4, true, g, F64, Device.CPU), new Tanh(),
                new Linear(4, 3, true, g, F64, Device.CPU))), randn(12, 2, 3));
        check(new Sequential(new AvgPool2d(2, 1, 1), new AdaptiveAvgPool2d(2, 3), new Flatten(), new GELU(),
                new LogSoftmax(1)), randn(13, 2, 2, 4, 5));
    }

    @Test
    void embeddingWeight() {
        var emb = new Embedding(5, 3, new Generator(14), F64, Device.CPU);
        try (emb; Scope s = Scope.open()) {
            Tensor ids = Tensor.of(new long[] {1, 4, 1, 0});
            GradCheck.Result r = GradCheck.check(in -> emb.forward(ids), emb.parameters().toArray(Tensor[]::new));
            assertTrue(r.passed(), r.toString());
        }
    }
}
