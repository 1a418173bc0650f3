package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.BatchNorm;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Linear;
import java.util.Map;

/**
 * Folds an evaluation-mode BatchNorm into the convolution or linear layer before it, PyTorch's
 * {@code fuse_conv_bn_weights} / {@code fuse_linear_bn_weights}: with {@code k = gamma / sqrt(var + eps)},
 * {@code W' = W * k} (per output channel) and {@code b' = (b - mean) * k + beta}.
 */
final class BatchNormFolding {
    private BatchNormFolding() {
    }

    /** A new convolution with bias computing {@code bn(conv(x))} of the evaluation-mode layers. */
    static Conv2d fold(Conv2d conv, BatchNorm bn) {
        Map<String, Tensor> cs = conv.stateDict();
        Tensor w = cs.get("weight");
        Conv2d fused = new Conv2d(conv.inChannels(), conv.outChannels(), conv.kernelSize(), conv.stride(),
                conv.padding(), conv.dilation(), conv.groups(), true, w.dtype(), w.device());
        load(fused, w, cs.get("bias"), bn, conv.outChannels(), 4);
        return fused;
    }

    /** A new linear layer with bias computing {@code bn(linear(x))} of the evaluation-mode layers. */
    static Linear fold(Linear linear, BatchNorm bn) {
        Map<String, Tensor> ls = linear.stateDict();
        Tensor w = ls.get("weight");
        Linear fused = new Linear(w.size(1), w.size(0), true, w.dtype(), w.device());
        load(fused, w, ls.get("bias"), bn, w.size(0), 2);
        return fused;
    }

    private static void load(dev.nabla.nn.Module fused, Tensor w, Tensor b, BatchNorm bn, long channels, int dims) {
        if (bn.numFeatures() != channels) {
            throw new IllegalArgumentException("fuseModules: " + bn.getClass().getSimpleName() + " has "
                    + bn.numFeatures() + " features but the layer before it has " + channels + " output channels");
        }
        Map<String, Tensor> s = bn.stateDict();
        Tensor mean = s.get("running_mean");
        Tensor var = s.get("running_var");
        if (mean == null || var == null) {
            throw new IllegalArgumentException("fuseModules: a BatchNorm without running statistics "
                    + "(trackRunningStats=false) cannot be folded");
        }
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            DType dt = w.dtype();
            Tensor gamma = s.containsKey("weight") ? s.get("weight") : Tensor.ones(dt, w.device(), channels);
            Tensor beta = s.containsKey("bias") ? s.get("bias") : Tensor.zeros(dt, w.device(), channels);
            Tensor bias = b != null ? b : Tensor.zeros(dt, w.device(), channels);
            Tensor rsqrt = var.add(bn.eps()).rsqrt();
            Tensor k = gamma.mul(rsqrt);
            long[] perChannel = new long[dims];
            java.util.Arrays.fill(perChannel, 1);
            perChannel[0] = channels;
            Tensor fusedW = w.mul(k.reshape(perChannel));
            // PyTorch's two formulas group the bias product differently; so do we, for the same roundings
            Tensor fusedB = (dims == 2 ? bias.sub(mean).mul(k) : bias.sub(mean).mul(rsqrt).mul(gamma)).add(beta);
            fused.loadStateDict(Map.of("weight", fusedW, "bias", fusedB));
        }
    }
}
