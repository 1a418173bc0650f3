package dev.nabla;

import dev.nabla.memory.Storage;

/** The kernel call behind {@link F#minMax}: the backend's fused one-pass min-max over float32 values. */
final class MinMaxOp {
    private static final String OP = "minMax";

    private MinMaxOp() {
    }

    static double[] apply(Tensor x) {
        x.checkAlive(OP);
        if (x.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(OP + ": input must be float32, got " + x.describe());
        }
        if (x.numel() == 0) {
            throw new IllegalArgumentException(OP + ": the input has no elements: " + x.describe());
        }
        Tensor xc = x.contiguous();
        Storage px = InFlight.pinStorage(OP, xc);
        try {
            float[] range = x.backend().minMax(px.segment(), xc.storageOffset(), x.numel());
            return new double[] {range[0], range[1]};
        } finally {
            InFlight.unpin(px);
        }
    }
}
