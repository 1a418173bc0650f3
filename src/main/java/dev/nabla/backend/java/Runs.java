package dev.nabla.backend.java;

import dev.nabla.DType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Moving one run (a row of the collapsed index space) of elements: strided copies with dtype conversion, fills,
 * and the per-thread scratch blocks that strided operands are gathered into so that every op needs only its
 * contiguous loop.
 */
final class Runs {
    /** Elements per scratch block: three blocks of doubles stay well inside L1 (12 KiB). */
    static final int BLOCK = 512;

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    /** Fills write this many elements one by one, then double them with memcpy from the filled prefix. */
    private static final int FILL_SEED = 1024;

    // Native (not heap) scratch keeps every kernel's MemorySegment accesses monomorphic; one per thread, freed
    // with it. Arena.ofAuto: released by the GC, never an explicit close (no shared-arena handshake).
    private static final ThreadLocal<MemorySegment[]> SCRATCH = ThreadLocal.withInitial(() -> {
        MemorySegment all = Arena.ofAuto().allocate(3L * BLOCK * Double.BYTES, 64);
        long size = (long) BLOCK * Double.BYTES;
        return new MemorySegment[] {all.asSlice(0, size), all.asSlice(size, size), all.asSlice(2 * size, size)};
    });

    private Runs() {
    }

    /** This thread's three scratch blocks of {@link #BLOCK} doubles (or floats) each. */
    static MemorySegment[] scratch() {
        return SCRATCH.get();
    }

    /** Copies {@code n} elements {@code s[so + i*ss]} to {@code d[dOff + i*ds]}, converting the dtype. */
    static void copy(DType st, MemorySegment s, long so, long ss, DType dt, MemorySegment d, long dOff, long ds,
                     long n) {
        if (ss == 0) {
            fill(dt, d, dOff, ds, n, st == DType.FLOAT32 ? s.getAtIndex(F, so) : s.getAtIndex(D, so));
        } else if (st == dt && ss == 1 && ds == 1) {
            long es = st.byteSize();
            MemorySegment.copy(s, so * es, d, dOff * es, n * es);
        } else if (st == DType.FLOAT32) {
            if (dt == DType.FLOAT32) {
                for (long i = 0; i < n; i++) d.setAtIndex(F, dOff + i * ds, s.getAtIndex(F, so + i * ss));
            } else if (ss == 1 && ds == 1) {
                for (long i = 0; i < n; i++) d.setAtIndex(D, dOff + i, s.getAtIndex(F, so + i));
            } else {
                for (long i = 0; i < n; i++) d.setAtIndex(D, dOff + i * ds, s.getAtIndex(F, so + i * ss));
            }
        } else {
            if (dt == DType.FLOAT64) {
                for (long i = 0; i < n; i++) d.setAtIndex(D, dOff + i * ds, s.getAtIndex(D, so + i * ss));
            } else if (ss == 1 && ds == 1) {
                for (long i = 0; i < n; i++) d.setAtIndex(F, dOff + i, (float) s.getAtIndex(D, so + i));
            } else {
                for (long i = 0; i < n; i++) d.setAtIndex(F, dOff + i * ds, (float) s.getAtIndex(D, so + i * ss));
            }
        }
    }

    /** Sets {@code n} elements {@code d[off + i*stride]} to {@code value} rounded to the dtype. */
    static void fill(DType t, MemorySegment d, long off, long stride, long n, double value) {
        if (stride != 1) {
            if (t == DType.FLOAT32) {
                float v = (float) value;
                for (long i = 0; i < n; i++) d.setAtIndex(F, off + i * stride, v);
            } else {
                for (long i = 0; i < n; i++) d.setAtIndex(D, off + i * stride, value);
            }
            return;
        }
        long es = t.byteSize();
        boolean zeroBits = t == DType.FLOAT32
                ? Float.floatToRawIntBits((float) value) == 0 : Double.doubleToRawLongBits(value) == 0;
        if (zeroBits) { // +0.0, the common case (zeroing gradients): memset
            d.asSlice(off * es, n * es).fill((byte) 0);
            return;
        }
        long seed = Math.min(n, FILL_SEED);
        if (t == DType.FLOAT32) {
            float v = (float) value;
            for (long i = 0; i < seed; i++) d.setAtIndex(F, off + i, v);
        } else {
            for (long i = 0; i < seed; i++) d.setAtIndex(D, off + i, value);
        }
        // The rest by memcpy from the (cache-resident) seed: memcpy speed without a vector loop.
        for (long done = seed; done < n; done += seed) {
            MemorySegment.copy(d, off * es, d, (off + done) * es, Math.min(seed, n - done) * es);
        }
    }
}
