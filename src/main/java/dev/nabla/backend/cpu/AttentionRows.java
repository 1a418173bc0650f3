package dev.nabla.backend.cpu;

import dev.nabla.backend.java.VectorSupport;
import dev.nabla.base.ScalarType;
import java.lang.foreign.MemorySegment;

/**
 * The per-row element loops of {@link GemmAttention} (the work between its GEMMs) for one dtype, over off-heap
 * blocks; indices count elements. Scalars pass as {@code double} so the blocked schedule is written once; the
 * implementations ({@code AttentionRowsFloat}/{@code AttentionRowsDouble}, generated) round to their dtype.
 */
interface AttentionRows {
    /** Bytes per element. */
    int bytes();

    double get(MemorySegment x, long i);

    void set(MemorySegment x, long i, double value);

    /** The largest of {@code x[i, i + n)}. */
    double max(MemorySegment x, long i, int n);

    /** {@code x[i + j] = exp(x[i + j] - shift)} for {@code j < n}; returns their sum. */
    double expShift(MemorySegment x, long i, int n, double shift);

    /** {@code x[i, i + n) *= a}. */
    void scale(MemorySegment x, long i, int n, double a);

    /** {@code sum(x[xi + j] * y[yi + j])} for {@code j < n}. */
    double dot(MemorySegment x, long xi, MemorySegment y, long yi, int n);

    /** The softmax backward in place: {@code dp[di + j] = p[pi + j] * (dp[di + j] - d)} for {@code j < n}. */
    void softmaxGrad(MemorySegment p, long pi, MemorySegment dp, long di, int n, double d);

    /** {@code x[i + j] += mask[mi + j * stride]} for {@code j < n} (the mask may broadcast: stride 0). */
    void addMask(MemorySegment x, long i, int n, MemorySegment mask, long mi, long stride);

    /** The loops for float32 or float64, vectorised when the Vector API is present. */
    static AttentionRows of(ScalarType t) {
        boolean vec = VectorSupport.available();
        return t == ScalarType.FLOAT32 ? new AttentionRowsFloat(vec) : new AttentionRowsDouble(vec);
    }
}
