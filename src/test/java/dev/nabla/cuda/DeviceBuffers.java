package dev.nabla.cuda;

import dev.nabla.backend.cuda.CudaBackend;
import dev.nabla.base.Elements;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Contiguous test operands that exist twice with the same values: in host memory (for the cpu backend's reference
 * call) and in CUDA device memory (for the backend under test). {@link #close()} returns the device memory.
 */
final class DeviceBuffers implements AutoCloseable {
    private final CudaBackend cuda;
    private final Arena arena = Arena.ofAuto();
    private final List<Storage> storages = new ArrayList<>();

    DeviceBuffers(CudaBackend cuda) {
        this.cuda = cuda;
    }

    /** One operand on both sides. */
    final class Operand {
        final ScalarType t;
        final long[] shape;
        final MemorySegment host;
        final MemorySegment dev;
        final long count;

        private Operand(ScalarType t, long[] shape, double[] values) {
            this.t = t;
            this.shape = shape;
            this.count = values.length;
            host = arena.allocate(Math.max(1, count) * t.byteSize(), 8);
            for (int i = 0; i < values.length; i++) {
                Elements.setDouble(t, host, i, values[i]);
            }
            Storage s = cuda.pool().allocate(Math.max(1, count) * t.byteSize());
            storages.add(s);
            dev = s.segment();
            cuda.copyFromHost(host, dev, 0, count * t.byteSize());
        }

        Strided host() {
            return Strided.contiguous(host, 0, shape);
        }

        Strided device() {
            return Strided.contiguous(dev, 0, shape);
        }

        /** The host copy's values (rounded to the dtype). */
        double[] hostValues() {
            double[] v = new double[(int) count];
            for (int i = 0; i < v.length; i++) {
                v[i] = Elements.getDouble(t, host, i);
            }
            return v;
        }

        /** The device copy's values, fetched. */
        double[] deviceValues() {
            MemorySegment back = arena.allocate(Math.max(1, count) * t.byteSize(), 8);
            cuda.copyToHost(dev, 0, back, count * t.byteSize());
            double[] v = new double[(int) count];
            for (int i = 0; i < v.length; i++) {
                v[i] = Elements.getDouble(t, back, i);
            }
            return v;
        }
    }

    /** Uniform values in {@code [lo, hi)}. */
    Operand random(ScalarType t, SplittableRandom r, double lo, double hi, long... shape) {
        double[] v = new double[(int) numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = lo + (hi - lo) * r.nextDouble();
        }
        return new Operand(t, shape, v);
    }

    /** Given values. */
    Operand of(ScalarType t, double[] values, long... shape) {
        return new Operand(t, shape, values);
    }

    /** NaN everywhere: an output that must be overwritten. */
    Operand unset(ScalarType t, long... shape) {
        double[] v = new double[(int) numel(shape)];
        Arrays.fill(v, Double.NaN);
        return new Operand(t, shape, v);
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    @Override
    public void close() {
        storages.forEach(Storage::release);
        storages.clear();
    }
}
