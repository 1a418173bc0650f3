package dev.nabla;

import dev.nabla.memory.Storage;

/** The kernel call behind {@link F#quantizeToInt}: float32 to the integer representation of affine quantization. */
final class QuantizeOp {
    private static final String OP = "quantizeToInt";

    private QuantizeOp() {
    }

    static Tensor apply(Tensor x, double scale, long zeroPoint, DType dtype) {
        x.checkAlive(OP);
        if (x.dtype() != DType.FLOAT32) {
            throw new IllegalArgumentException(OP + ": input must be float32, got " + x.describe());
        }
        long qmin = switch (dtype) {
            case UINT8 -> 0;
            case INT8 -> -128;
            case INT32 -> Integer.MIN_VALUE;
            default -> throw new IllegalArgumentException(OP + ": dtype must be uint8, int8 or int32, got " + dtype);
        };
        long qmax = dtype == DType.UINT8 ? 255 : dtype == DType.INT8 ? 127 : Integer.MAX_VALUE;
        if (!(scale > 0) || Double.isInfinite(scale) || !(1 / (float) scale < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(OP + ": scale must be positive and finite with a finite float32 "
                    + "inverse, got " + scale);
        }
        if (zeroPoint < qmin || zeroPoint > qmax) {
            throw new IllegalArgumentException(OP + ": zero point " + zeroPoint + " is outside " + dtype + "'s range ["
                    + qmin + ", " + qmax + "]");
        }
        Tensor out = Tensor.empty(dtype, x.device(), x.shape());
        if (x.numel() == 0) {
            return out;
        }
        Tensor xc = x.contiguous();
        Storage px = InFlight.pinStorage(OP, xc);
        try {
            // fbgemm multiplies by the float32 inverse of the float32 scale; so do we, for the same roundings
            x.backend().quantize(px.segment(), xc.storageOffset(), 1 / (float) scale, (int) zeroPoint, (int) qmin,
                    (int) qmax, dtype.scalar(), out.storage().segment(), out.storageOffset(), x.numel());
        } finally {
            InFlight.unpin(px);
        }
        return out;
    }
}
