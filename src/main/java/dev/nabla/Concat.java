package dev.nabla;

/** Differentiable {@code torch.cat}: copies each input into a slice of the output; backward slices the gradient. */
final class Concat extends Node {
    private final int dim;
    private final long[] sizes;

    private Concat(Tensor[] inputs, int dim, long[] sizes) {
        super(inputs);
        this.dim = dim;
        this.sizes = sizes;
    }

    static Tensor apply(int dim, Tensor... tensors) {
        if (tensors.length == 0) {
            throw new IllegalArgumentException("cat: needs at least one tensor");
        }
        Tensor first = tensors[0];
        first.checkAlive("cat");
        if (first.dim() == 0) {
            throw new IllegalArgumentException("cat: zero-dimensional tensors cannot be concatenated; use stack");
        }
        int d = Shapes.dim("cat", dim, first.dim());
        long[] outShape = first.shape();
        long[] sizes = new long[tensors.length];
        outShape[d] = 0;
        for (int i = 0; i < tensors.length; i++) {
            Tensor t = tensors[i];
            Kernels.checkCompatible("cat", first, t);
            long[] s = t.rawShape();
            for (int k = 0; k < s.length || k < outShape.length; k++) {
                if (s.length != outShape.length || (k != d && s[k] != outShape[k])) {
                    throw new IllegalArgumentException("cat: tensor " + i + " has shape " + Shapes.str(s)
                            + ", which does not match " + Shapes.str(first.rawShape()) + " outside dimension " + d);
                }
            }
            sizes[i] = s[d];
            outShape[d] = Shapes.add("cat", outShape[d], s[d], "the size of the concatenated dimension");
        }
        Tensor out = Tensor.empty(first.dtype(), first.device(), outShape);
        try (Grad off = Grad.disabled(); Scope scope = Scope.open()) {
            long at = 0;
            for (int i = 0; i < tensors.length; i++) {
                out.narrow(d, at, sizes[i]).copy_(tensors[i]);
                at += sizes[i];
            }
        }
        return Node.needed(tensors) ? new Concat(tensors, d, sizes).record(out) : out;
    }

    @Override
    public String name() {
        return "CatBackward";
    }

    @Override
    protected Tensor[] backward(Tensor g) {
        Tensor[] grads = new Tensor[sizes.length];
        long at = 0;
        for (int i = 0; i < sizes.length; i++) {
            grads[i] = needsInputGrad(i) ? g.narrow(dim, at, sizes[i]) : null;
            at += sizes[i];
        }
        return grads;
    }
}
