package dev.nabla.backend.java;

import dev.nabla.base.Elements;
import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@link Runs}' copy and fill for the dtypes outside float32/float64 (bfloat16, float16, the integers, bool): one
 * element at a time through {@link Elements}, with PyTorch's conversions. Same-type contiguous copies are memcpy.
 */
final class GenericRuns {
    private GenericRuns() {
    }

    /** Copies {@code n} elements {@code s[so + i*ss]} to {@code d[dOff + i*ds]}, converting the dtype. */
    static void copy(ScalarType st, MemorySegment s, long so, long ss, ScalarType dt, MemorySegment d,
                     long dOff, long ds, long n) {
        if (st == dt && ss == 1 && ds == 1) {
            long es = st.byteSize();
            MemorySegment.copy(s, so * es, d, dOff * es, n * es);
            return;
        }
        if (st == dt) {
            copyBits(st.byteSize(), s, so, ss, d, dOff, ds, n);
            return;
        }
        if (ss == 1 && ds == 1 && FastConversions.contiguous(st, s, so, dt, d, dOff, n)) {
            return;
        }
        for (long i = 0; i < n; i++) {
            Elements.convert(st, s, so + i * ss, dt, d, dOff + i * ds);
        }
    }

    /** A strided copy within one dtype: the elements' bits, one typed access per element (broadcasts, views). */
    private static void copyBits(int bytes, MemorySegment s, long so, long ss, MemorySegment d, long dOff, long ds,
                                 long n) {
        switch (bytes) {
            case 1 -> {
                for (long i = 0; i < n; i++) {
                    d.set(ValueLayout.JAVA_BYTE, dOff + i * ds, s.get(ValueLayout.JAVA_BYTE, so + i * ss));
                }
            }
            case 2 -> {
                for (long i = 0; i < n; i++) {
                    d.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, dOff + i * ds,
                            s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, so + i * ss));
                }
            }
            case 4 -> {
                for (long i = 0; i < n; i++) {
                    d.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, dOff + i * ds,
                            s.getAtIndex(ValueLayout.JAVA_INT_UNALIGNED, so + i * ss));
                }
            }
            default -> {
                for (long i = 0; i < n; i++) {
                    d.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, dOff + i * ds,
                            s.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, so + i * ss));
                }
            }
        }
    }

    /** Sets {@code n} elements {@code d[off + i*stride]} to {@code value} converted to the dtype. */
    static void fill(ScalarType t, MemorySegment d, long off, long stride, long n, double value) {
        if (n == 0) {
            return;
        }
        Elements.setDouble(t, d, off, value);
        long es = t.byteSize();
        if (stride == 1) {
            // double the filled prefix with memcpy
            for (long done = 1; done < n; ) {
                long chunk = Math.min(done, n - done);
                MemorySegment.copy(d, off * es, d, (off + done) * es, chunk * es);
                done += chunk;
            }
        } else {
            for (long i = 1; i < n; i++) {
                MemorySegment.copy(d, off * es, d, (off + i * stride) * es, es);
            }
        }
    }
}
