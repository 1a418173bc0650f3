package dev.nabla.backend.cuda;

import dev.nabla.base.Elements;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Copies and fills of the dtypes the PTX kernels are not written for (bfloat16, float16, the integers, bool), done on
 * the host: the operands' byte ranges come to host memory, the elements are converted there with PyTorch's rules
 * ({@link Elements}), and the destination's range goes back. Correct and synchronous, not fast; it is what lets
 * integer labels, bool masks and 16-bit tensors live on a GPU until kernels for them exist. The destination's range is
 * read, modified and written back whole, so elements between a strided view's elements keep their values.
 */
final class HostConversions {
    private HostConversions() {
    }

    static void copy(CudaBackend cuda, ScalarType st, Strided src, ScalarType dt, Strided dst) {
        if (dst.numel() == 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            Strided hs = toHost(cuda, arena, src, st);
            Strided hd = toHost(cuda, arena, dst, dt);
            long[] so = hs.elementOffsets();
            long[] d = hd.elementOffsets();
            for (int i = 0; i < d.length; i++) {
                Elements.convert(st, hs.data(), so[i], dt, hd.data(), d[i]);
            }
            back(cuda, hd, dst, dt);
        }
    }

    static void fill(CudaBackend cuda, ScalarType t, Strided dst, double value) {
        if (dst.numel() == 0) {
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            Strided hd = toHost(cuda, arena, dst, t);
            for (long off : hd.elementOffsets()) {
                Elements.setDouble(t, hd.data(), off, value);
            }
            back(cuda, hd, dst, t);
        }
    }

    /** The lowest element offset {@code s} touches. */
    static long low(Strided s) {
        long lo = s.offset();
        for (int d = 0; d < s.rank(); d++) {
            lo += Math.min(0, s.strides()[d] * (s.shape()[d] - 1));
        }
        return lo;
    }

    /** The number of elements from {@link #low} to the highest element {@code s} touches. */
    static long span(Strided s) {
        long lo = 0;
        long hi = 0;
        for (int d = 0; d < s.rank(); d++) {
            long reach = s.strides()[d] * (s.shape()[d] - 1);
            lo += Math.min(0, reach);
            hi += Math.max(0, reach);
        }
        return hi - lo + 1;
    }

    /**
     * A host copy of the device range {@code s} covers, as a view with the same shape and strides (nothing is copied
     * for an operand without elements).
     */
    static Strided toHost(CudaBackend cuda, Arena arena, Strided s, ScalarType t) {
        if (s.numel() == 0) {
            return new Strided(arena.allocate(t.byteSize(), 8), 0, s.shape(), s.strides());
        }
        long lo = low(s);
        long bytes = span(s) * t.byteSize();
        MemorySegment host = arena.allocate(bytes, 8);
        cuda.copyToHost(s.data(), lo * t.byteSize(), host, bytes);
        return new Strided(host, s.offset() - lo, s.shape(), s.strides());
    }

    /** Writes the host copy {@code host} made by {@link #toHost} back over {@code device}'s range. */
    static void back(CudaBackend cuda, Strided host, Strided device, ScalarType t) {
        if (device.numel() == 0) {
            return;
        }
        cuda.copyFromHost(host.data(), device.data(), low(device) * t.byteSize(), host.data().byteSize());
    }
}
