package dev.nabla;

import dev.nabla.backend.UnaryOp;
import java.util.Arrays;

/**
 * ReLU's backward rule, {@code g * (y > 0)}: through the backend's one-pass kernel
 * ({@link dev.nabla.backend.Backend#reluBackward}) when nothing records it, else (for double backward, or where the
 * backend has no kernel) composed from a mask and a product, which can be differentiated again.
 */
final class ReluBackward {
    private ReluBackward() {
    }

    /** The input gradient of ReLU from the output gradient {@code g} and the saved output {@code y}. */
    static Tensor of(Tensor g, Tensor y) {
        Tensor fused = Node.needed(g, y) ? null : fused(g, y);
        return fused != null ? fused : g.mul(y.mask(UnaryOp.GT_SCALAR, 0.0));
    }

    /** The kernel's gradient, or null when the operands do not suit it or the backend has none. */
    private static Tensor fused(Tensor g, Tensor y) {
        if (g.dtype() != y.dtype() || g.device() != y.device() || !Arrays.equals(g.rawShape(), y.rawShape())) {
            return null;
        }
        Tensor gc = g.contiguous();
        Tensor yc = y.contiguous();
        Tensor gradIn = Tensor.empty(g.dtype(), g.device(), g.rawShape());
        boolean done;
        try (InFlight pins = InFlight.pin("reluBackward", gc, yc)) {
            done = g.backend().reluBackward(g.dtype().scalar(), yc.strided(), gc.strided(), gradIn.strided());
        }
        if (!done) {
            gradIn.close();
            return null;
        }
        return gradIn;
    }
}
