package dev.nabla;

import java.lang.foreign.MemorySegment;

/**
 * The kernel call behind {@link F#quantizedLinear}: checks the operands and runs the backend's fused int8 linear
 * kernel ({@code Backend.linearInt8}, the weight packed once per version: {@link PackedWeightSlots}) or, where it has
 * none, its 8-bit integer GEMM ({@code Backend.gemmInt8}) and then adds the bias. Contiguous operands. Inference only:
 * no graph node is recorded.
 */
final class QuantizedLinearOp {
    private static final String OP = "quantizedLinear";

    private QuantizedLinearOp() {
    }

    static Tensor apply(Tensor x, long xZeroPoint, Tensor w, Tensor scales, Tensor bias) {
        check(x, xZeroPoint, w, scales, bias);
        long k = w.size(1);
        long n = w.size(0);
        long m = x.numel() / k;
        long[] outShape = x.shape();
        outShape[outShape.length - 1] = n;
        Tensor out = Tensor.empty(DType.FLOAT32, x.device(), outShape);
        if (m == 0 || n == 0) {
            return out;
        }
        Tensor xc = x.contiguous();
        Tensor wc = w.contiguous();
        Tensor sc = scales.contiguous();
        Tensor bc = bias == null ? null : bias.contiguous();
        boolean fused;
        try (InFlight pins = InFlight.pin(OP, xc, wc, sc, bc)) {
            MemorySegment xs = xc.storage().segment();
            MemorySegment ws = wc.storage().segment();
            MemorySegment ss = sc.storage().segment();
            // a non-contiguous weight's copy is new each call: packing it would cost more than it saves
            fused = w.isContiguous() && x.backend().linearInt8(x.dtype().scalar(), (int) m, (int) n, (int) k, xs, xc.storageOffset(),
                    (int) k, (int) xZeroPoint, ws, wc.storageOffset(), (int) k, PackedWeightSlots.of(wc), ss,
                    sc.storageOffset(), (int) sc.numel(), bc == null ? MemorySegment.NULL : bc.storage().segment(),
                    bc == null ? 0 : bc.storageOffset(), out.storage().segment(), out.storageOffset(), (int) n);
            if (!fused) {
                x.backend().gemmInt8(x.dtype().scalar(), (int) m, (int) n, (int) k, xs, xc.storageOffset(), (int) k,
                        (int) xZeroPoint, ws, wc.storageOffset(), (int) k, ss, sc.storageOffset(), (int) sc.numel(),
                        out.storage().segment(), out.storageOffset(), (int) n);
            }
        }
        if (bias != null && !fused) {
            try (Grad off = Grad.disabled()) {
                out.add_(bias);
            }
        }
        return out;
    }

    private static void check(Tensor x, long xZeroPoint, Tensor w, Tensor scales, Tensor bias) {
        x.checkAlive(OP);
        w.checkAlive(OP);
        scales.checkAlive(OP);
        if (bias != null) {
            bias.checkAlive(OP);
        }
        if (x.dtype() != DType.UINT8 && x.dtype() != DType.INT8) {
            throw new IllegalArgumentException(OP + ": input must be uint8 or int8 (quantized), got " + x.describe());
        }
        long zeroMin = x.dtype() == DType.UINT8 ? 0 : -128;
        long zeroMax = x.dtype() == DType.UINT8 ? 255 : 127;
        if (xZeroPoint < zeroMin || xZeroPoint > zeroMax) {
            throw new IllegalArgumentException(OP + ": input zero point " + xZeroPoint + " is outside " + x.dtype()
                    + "'s range [" + zeroMin + ", " + zeroMax + "]");
        }
        if (w.dtype() != DType.INT8 || w.dim() != 2) {
            throw new IllegalArgumentException(OP + ": weight must be a 2-D int8 tensor [out, in], got " + w.describe());
        }
        if (x.dim() == 0 || x.size(-1) != w.size(1)) {
            throw new IllegalArgumentException(OP + ": input " + x.describe() + " and weight " + w.describe()
                    + " do not fit (expected input [..., " + w.size(1) + "])");
        }
        if (w.size(1) == 0 || w.size(0) > Integer.MAX_VALUE || w.size(1) > Integer.MAX_VALUE
                || x.numel() / w.size(1) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(OP + ": sizes must fit in int and in_features must be positive, got input "
                    + x.describe() + " and weight " + w.describe());
        }
        if (scales.dtype() != DType.FLOAT32 || scales.dim() != 1
                || (scales.size(0) != 1 && scales.size(0) != w.size(0))) {
            throw new IllegalArgumentException(OP + ": scales must be a float32 vector of 1 or " + w.size(0)
                    + " (out_features) values, got " + scales.describe());
        }
        if (bias != null && (bias.dtype() != DType.FLOAT32 || bias.dim() != 1 || bias.size(0) != w.size(0))) {
            throw new IllegalArgumentException(OP + ": bias must be a float32 vector of " + w.size(0)
                    + " values, got " + bias.describe());
        }
        if (bias != null && bias.requiresGrad() && Grad.isEnabled()) {
            throw new IllegalArgumentException(OP + " records no gradient (inference only), but the bias requires grad:"
                    + " detach it or run under Grad.disabled()");
        }
        for (Tensor t : bias == null ? new Tensor[] {w, scales} : new Tensor[] {w, scales, bias}) {
            if (t.device() != x.device()) {
                throw new IllegalArgumentException(OP + ": all operands must be on one device, got input on "
                        + x.device() + " and " + t.describe());
            }
        }
    }
}
