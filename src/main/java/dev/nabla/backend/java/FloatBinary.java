package dev.nabla.backend.java;

import dev.nabla.backend.BinaryOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Scalar float32 binary loops, one per op with the op switch outside it: over three contiguous runs, and over
 * a contiguous {@code x} with a single {@code y} (a broadcast column, e.g. {@code x - rowMean}). The reference
 * computes in double and rounds once; for + - * / of floats that equals the float operation (double has more than
 * 2*24+2 bits, so the double rounding is innocuous), and max/min/comparisons are exact either way, so these run in
 * float. POW goes through double like the reference.
 */
final class FloatBinary {
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private FloatBinary() {
    }

    private static float get(MemorySegment s, long i) {
        return s.getAtIndex(F, i);
    }

    private static void put(MemorySegment s, long i, float v) {
        s.setAtIndex(F, i, v);
    }

    /** {@code o[oo + i] = op(x[xo + i], y[yo + i])} for {@code i < n}. */
    static void run(BinaryOp op, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment o, long oo,
                    long n) {
        switch (op) {
            case ADD -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) + get(y, yo + i)); }
            case SUB -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) - get(y, yo + i)); }
            case MUL -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) * get(y, yo + i)); }
            case DIV -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) / get(y, yo + i)); }
            case POW -> { for (long i = 0; i < n; i++) put(o, oo + i, (float) Math.pow(get(x, xo + i), get(y, yo + i))); }
            case MAXIMUM -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.max(get(x, xo + i), get(y, yo + i))); }
            case MINIMUM -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.min(get(x, xo + i), get(y, yo + i))); }
            case EQ -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) == get(y, yo + i) ? 1 : 0); }
            case GT -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) > get(y, yo + i) ? 1 : 0); }
            case GE -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) >= get(y, yo + i) ? 1 : 0); }
            case LT -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) < get(y, yo + i) ? 1 : 0); }
            case LE -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) <= get(y, yo + i) ? 1 : 0); }
        }
    }

    /** {@code o[oo + i] = op(x[xo + i], y)} for {@code i < n}. */
    static void runScalarY(BinaryOp op, MemorySegment x, long xo, float y, MemorySegment o, long oo, long n) {
        switch (op) {
            case ADD -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) + y); }
            case SUB -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) - y); }
            case MUL -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) * y); }
            case DIV -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) / y); }
            case POW -> { for (long i = 0; i < n; i++) put(o, oo + i, (float) Math.pow(get(x, xo + i), y)); }
            case MAXIMUM -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.max(get(x, xo + i), y)); }
            case MINIMUM -> { for (long i = 0; i < n; i++) put(o, oo + i, Math.min(get(x, xo + i), y)); }
            case EQ -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) == y ? 1 : 0); }
            case GT -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) > y ? 1 : 0); }
            case GE -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) >= y ? 1 : 0); }
            case LT -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) < y ? 1 : 0); }
            case LE -> { for (long i = 0; i < n; i++) put(o, oo + i, get(x, xo + i) <= y ? 1 : 0); }
        }
    }
}
