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
 * {@code W' = W * k} (per output channel) and {@code b' = (b - mean) * k + beta}, each step rounded to the layer's
 * dtype as PyTorch's tensor ops round it (so float32 results are PyTorch's bit for bit).
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
            boolean f32 = w.dtype() == DType.FLOAT32;
            double[] weight = w.toDoubleArray();
            double[] gamma = s.containsKey("weight") ? s.get("weight").toDoubleArray() : filled(channels, 1);
            double[] beta = s.containsKey("bias") ? s.get("bias").toDoubleArray() : filled(channels, 0);
            double[] bias = b != null ? b.toDoubleArray() : filled(channels, 0);
            double[] m = mean.toDoubleArray();
            double[] v = var.toDoubleArray();
            double eps = round(f32, bn.eps());
            double[] fusedB = new double[(int) channels];
            int per = (int) (weight.length / channels);
            for (int c = 0; c < channels; c++) {
                // PyTorch's float32 tensor ops one by one: rsqrt = 1 / sqrt(var + eps)
                double rsqrt = round(f32, 1 / round(f32, Math.sqrt(round(f32, v[c] + eps))));
                double k = round(f32, gamma[c] * rsqrt);
                for (int i = c * per; i < (c + 1) * per; i++) {
                    weight[i] = round(f32, weight[i] * k);
                }
                double centred = round(f32, bias[c] - m[c]);
                // fuse_linear_bn_weights multiplies by gamma * rsqrt, fuse_conv_bn_weights by rsqrt then gamma
                double scaled = dims == 2 ? round(f32, centred * k) : round(f32, round(f32, centred * rsqrt) * gamma[c]);
                fusedB[c] = round(f32, scaled + beta[c]);
            }
            fused.loadStateDict(Map.of("weight", Tensor.of(weight, w.dtype(), w.device(), w.shape()),
                    "bias", Tensor.of(fusedB, w.dtype(), w.device(), channels)));
        }
    }

    private static double round(boolean f32, double v) {
        return f32 ? (float) v : v;
    }

    private static double[] filled(long n, double value) {
        double[] a = new double[(int) n];
        java.util.Arrays.fill(a, value);
        return a;
    }
}
