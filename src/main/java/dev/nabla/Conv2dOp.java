package dev.nabla;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.Strided;

/**
 * 2-D convolution through the backend's fused kernels ({@link dev.nabla.backend.Backend#conv2d} and its two
 * backward passes): no im2col buffer, the bias added in the forward pass and its gradient computed with the weight
 * gradient. {@link #apply} returns null when the backend has no such kernel (or the operands do not suit it), and
 * {@link F#conv2d} then composes the op from unfold and a batched GEMM. The backward falls back to those same
 * compositions when the backend declines, and when the backward itself is recorded ({@code createGraph}) it is written
 * with Tensor ops from the saved input and weight, so it can be differentiated again.
 */
@SuppressWarnings("try") // Grad guards are opened for their effect only
final class Conv2dOp extends Node {
    private final SavedTensor x;
    private final SavedTensor weight;
    private final ConvGeometry geometry;
    private final int groups;

    private Conv2dOp(Tensor x, Tensor weight, Tensor bias, ConvGeometry geometry, int groups) {
        super(x, weight, bias);
        this.x = save(x);
        this.weight = save(weight);
        this.geometry = geometry;
        this.groups = groups;
    }

    /**
     * The convolution of {@code x} (arguments as {@link F#conv2d}, already checked, with {@code outH, outW > 0}), or
     * null when the backend cannot run it fused: no kernel, an operand of another dtype or device, or an empty tensor.
     */
    static Tensor apply(Tensor x, Tensor weight, Tensor bias, ConvGeometry g, int groups, long outH, long outW) {
        if (x.numel() == 0 || weight.numel() == 0 || !suits(x, weight) || !suits(x, bias)) {
            return null;
        }
        Tensor in;
        Tensor w;
        Tensor b;
        try (Grad off = Grad.disabled()) {
            in = x.contiguous();
            w = weight.contiguous();
            b = bias == null ? null : bias.contiguous();
        }
        Tensor out = Tensor.empty(x.dtype(), x.device(), x.size(0), weight.size(0), outH, outW);
        boolean done;
        try (InFlight pins = InFlight.pin("conv2d", in, w, b)) {
            done = x.backend().conv2d(x.dtype().scalar(), in.strided(), w.strided(), strided(b), g, groups,
                    out.strided());
        }
        if (!done) {
            out.close();
            return null;
        }
        return Node.needed(x, weight, bias) ? new Conv2dOp(x, weight, bias, g, groups).record(out) : out;
    }

    /** True if the optional operand {@code t} can go to the kernel with {@code x}: same dtype and device. */
    private static boolean suits(Tensor x, Tensor t) {
        return t == null || t.dtype() == x.dtype() && t.device() == x.device();
    }

    private static Strided strided(Tensor t) {
        return t == null ? null : t.strided();
    }

    @Override
    public String name() {
        return "ConvolutionBackward";
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor xs = x.get();
        Tensor w = weight.get();
        if (Node.needed(g, xs, w)) { // createGraph: the gradients must themselves be differentiable
            return new Tensor[] {
                needsInputGrad(0) ? composedInputGrad(g, w) : null,
                needsInputGrad(1) ? composedWeightGrad(g, xs) : null,
                needsInputGrad(2) ? biasGrad(g) : null};
        }
        Tensor go;
        try (Grad off = Grad.disabled()) {
            go = g.contiguous();
        }
        Tensor gradIn = needsInputGrad(0) ? fusedInputGrad(go, xs, w) : null;
        Tensor[] wb = needsInputGrad(1) || needsInputGrad(2) ? fusedWeightGrads(go, xs) : new Tensor[2];
        return new Tensor[] {gradIn, wb[0], wb[1]};
    }

    /** The input gradient from the backend's kernel, or composed when it declines. */
    private Tensor fusedInputGrad(Tensor go, Tensor xs, Tensor w) {
        Tensor gradIn = Tensor.empty(xs.dtype(), xs.device(), xs.shape());
        boolean done;
        try (Grad off = Grad.disabled()) {
            Tensor wc = w.contiguous();
            try (InFlight pins = InFlight.pin(name(), go, wc)) {
                done = xs.backend().conv2dBackwardData(xs.dtype().scalar(), go.strided(), wc.strided(), geometry,
                        groups, gradIn.strided());
            }
        }
        if (done) {
            return gradIn;
        }
        gradIn.close();
        return composedInputGrad(go, w);
    }

    /** The weight and bias gradients (each null where not needed) from the backend's kernel, or composed. */
    private Tensor[] fusedWeightGrads(Tensor go, Tensor xs) {
        Tensor w = weight.get();
        Tensor gradWeight = Tensor.empty(w.dtype(), w.device(), w.shape());
        Tensor gradBias = needsInputGrad(2) ? Tensor.empty(w.dtype(), w.device(), w.size(0)) : null;
        boolean done;
        try (Grad off = Grad.disabled()) {
            Tensor in = xs.contiguous();
            try (InFlight pins = InFlight.pin(name(), in, go)) {
                done = xs.backend().conv2dBackwardWeight(xs.dtype().scalar(), in.strided(), go.strided(), geometry,
                        groups, gradWeight.strided(), strided(gradBias));
            }
        }
        if (done) {
            if (!needsInputGrad(1)) { // the kernel computes both; only the bias gradient is wanted
                gradWeight.close();
                return new Tensor[] {null, gradBias};
            }
            return new Tensor[] {gradWeight, gradBias};
        }
        gradWeight.close();
        if (gradBias != null) {
            gradBias.close();
        }
        return new Tensor[] {needsInputGrad(1) ? composedWeightGrad(go, xs) : null,
            needsInputGrad(2) ? biasGrad(go) : null};
    }

    /**
     * {@code dx = fold(wᵀ · g)} per group: the output gradient {@code [N, O, L]} multiplied by each group's transposed
     * weights {@code [C/groups*kh*kw, O/groups]} gives the column gradient, which fold sums back into the input.
     */
    private Tensor composedInputGrad(Tensor g, Tensor w) {
        long[] s = x.get().shape();
        long n = s[0];
        long o = w.size(0);
        long k = w.size(1) * geometry.kernelH() * geometry.kernelW();
        long l = g.size(2) * g.size(3);
        Tensor cols = w.reshape(groups, o / groups, k).transpose(1, 2)
                .matmul(g.reshape(n, groups, o / groups, l)); // [N, groups, K, L]
        return Unfold.fold(cols.reshape(n, groups * k, l), geometry, s[1], s[2], s[3]);
    }

    /** {@code dw = sum over the batch of g · colsᵀ} per group, with {@code cols = unfold(x)}. */
    private Tensor composedWeightGrad(Tensor g, Tensor xs) {
        Tensor w = weight.get();
        long n = xs.size(0);
        long o = w.size(0);
        long k = w.size(1) * geometry.kernelH() * geometry.kernelW();
        long l = g.size(2) * g.size(3);
        Tensor cols = Unfold.unfold(xs, geometry, 0.0).reshape(n, groups, k, l);
        Tensor perImage = g.reshape(n, groups, o / groups, l).matmul(cols.transpose(2, 3)); // [N, groups, O/g, K]
        return perImage.sum(0, false).reshape(w.shape());
    }

    /** {@code db = sum of g over N, H and W}. */
    private static Tensor biasGrad(Tensor g) {
        return g.sum(new int[] {0, 2, 3}, false);
    }
}
