package dev.nabla.backend.cuda;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.java.JavaBackend;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.Arena;

/**
 * The integer and bool kernels of the CUDA backend, whose own kernels are written for float32/float64 elements: the
 * pure-Java backend runs them on host copies made by {@link HostConversions}: each operand's span of device memory goes
 * to the host, the Java kernel runs there, and each output's span goes back (an output is copied in first, so the
 * elements of its span outside the view keep their values). Two copies per call: correct, not fast; enough for the integer bookkeeping of models
 * (pruning masks, indices, counts), which is never the hot path of a float training step.
 */
final class HostFallback {
    private final CudaBackend device;
    private final JavaBackend host = new JavaBackend(true);

    /** Kernels for {@code device}, whose {@code copyToHost}/{@code copyFromHost} move the operands. */
    HostFallback(CudaBackend device) {
        this.device = device;
    }

    void unary(UnaryOp op, ScalarType dtype, Strided x, Strided out, double a, double b) {
        try (Arena arena = Arena.ofConfined()) {
            Strided hx = toHost(arena, dtype, x);
            Strided ho = toHost(arena, dtype, out);
            host.unary(op, dtype, hx, ho, a, b);
            back(dtype, ho, out);
        }
    }

    void binary(BinaryOp op, ScalarType dtype, Strided x, Strided y, Strided out) {
        try (Arena arena = Arena.ofConfined()) {
            Strided hx = toHost(arena, dtype, x);
            Strided hy = toHost(arena, dtype, y);
            Strided ho = toHost(arena, dtype, out);
            host.binary(op, dtype, hx, hy, ho);
            back(dtype, ho, out);
        }
    }

    void reduce(ReduceOp op, ScalarType dtype, Strided x, Strided out) {
        try (Arena arena = Arena.ofConfined()) {
            Strided hx = toHost(arena, dtype, x);
            Strided ho = toHost(arena, dtype, out);
            host.reduce(op, dtype, hx, ho);
            back(dtype, ho, out);
        }
    }

    /** Positions are int64, whatever the input's dtype. */
    void argReduce(ReduceOp op, ScalarType dtype, Strided x, int dim, Strided out) {
        try (Arena arena = Arena.ofConfined()) {
            Strided hx = toHost(arena, dtype, x);
            Strided ho = toHost(arena, ScalarType.INT64, out);
            host.argReduce(op, dtype, hx, dim, ho);
            back(ScalarType.INT64, ho, out);
        }
    }

    void gather(ScalarType dtype, Strided x, int dim, ScalarType indexType, Strided index, Strided out) {
        try (Arena arena = Arena.ofConfined()) {
            Strided hx = toHost(arena, dtype, x);
            Strided hi = toHost(arena, indexType, index);
            Strided ho = toHost(arena, dtype, out);
            host.gather(dtype, hx, dim, indexType, hi, ho);
            back(dtype, ho, out);
        }
    }

    void scatterAdd(ScalarType dtype, Strided out, int dim, ScalarType indexType, Strided index, Strided src) {
        try (Arena arena = Arena.ofConfined()) {
            Strided ho = toHost(arena, dtype, out);
            Strided hi = toHost(arena, indexType, index);
            Strided hs = toHost(arena, dtype, src);
            host.scatterAdd(dtype, ho, dim, indexType, hi, hs);
            back(dtype, ho, out);
        }
    }

    private Strided toHost(Arena arena, ScalarType dtype, Strided s) {
        return HostConversions.toHost(device, arena, s, dtype);
    }

    private void back(ScalarType dtype, Strided hostCopy, Strided deviceOperand) {
        HostConversions.back(device, hostCopy, deviceOperand, dtype);
    }
}
