package dev.nabla.backend.cuda;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.java.JavaBackend;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The integer and bool kernels of the CUDA backend, whose own kernels are written for float32/float64 elements: the
 * pure-Java backend runs them on host copies. Each operand's span of device memory goes to the host, the Java kernel
 * runs there, and each output's span goes back (an output is copied in first, so the elements of its span outside the
 * view keep their values). Two copies per call: correct, not fast; enough for the integer bookkeeping of models
 * (pruning masks, indices, counts), which is never the hot path of a float training step.
 */
final class HostFallback {
    private final Backend device;
    private final JavaBackend host = new JavaBackend(true);

    /** Kernels for {@code device}, whose {@code copyToHost}/{@code copyFromHost} move the operands. */
    HostFallback(Backend device) {
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

    /** The host copy of {@code s}'s span: same shape and strides, its offset moved to the copy's start. */
    private Strided toHost(Arena arena, ScalarType dtype, Strided s) {
        long[] span = span(s);
        long count = span[1] - span[0];
        MemorySegment copy = arena.allocate(Math.max(count, 1) * dtype.byteSize(), 64);
        if (count > 0) {
            device.copyToHost(s.data(), span[0] * dtype.byteSize(), copy, count * dtype.byteSize());
        }
        return new Strided(copy, s.offset() - span[0], s.shape(), s.strides());
    }

    private void back(ScalarType dtype, Strided hostCopy, Strided deviceOperand) {
        long[] span = span(deviceOperand);
        long count = span[1] - span[0];
        if (count > 0) {
            device.copyFromHost(hostCopy.data(), deviceOperand.data(), span[0] * dtype.byteSize(),
                    count * dtype.byteSize());
        }
    }

    /** The element range [first, end) that {@code s} touches; empty when a size is zero. */
    private static long[] span(Strided s) {
        long first = s.offset();
        long last = s.offset();
        for (int d = 0; d < s.shape().length; d++) {
            if (s.shape()[d] == 0) {
                return new long[] {s.offset(), s.offset()};
            }
            long reach = (s.shape()[d] - 1) * s.strides()[d];
            if (reach < 0) {
                first += reach;
            } else {
                last += reach;
            }
        }
        return new long[] {first, last + 1};
    }
}
