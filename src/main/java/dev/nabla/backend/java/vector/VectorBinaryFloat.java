package dev.nabla.backend.java.vector;

import dev.nabla.backend.BinaryOp;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float32 binary ops on three contiguous runs with {@code FloatVector.SPECIES_PREFERRED}, one small method per op (see
 * {@link VectorUnaryFloat} for why). All are exact (+ - * / are correctly rounded, lanewise MAX/MIN follow Math.max/min,
 * comparisons give 1 or 0); POW is left to the scalar loop.
 */
final class VectorBinaryFloat {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    private VectorBinaryFloat() {
    }

    private static FloatVector ld(MemorySegment s, long base, long i) {
        return FloatVector.fromMemorySegment(S, s, base + i * Float.BYTES, NO);
    }

    private static void st(FloatVector v, MemorySegment s, long base, long i) {
        v.intoMemorySegment(s, base + i * Float.BYTES, NO);
    }

    /** Runs the vector loop over the leading whole vectors and returns how many elements it did (0 for POW). */
    static long run(BinaryOp op, MemorySegment x, long xo, MemorySegment y, long yo, MemorySegment o, long oo,
                    long n) {
        long m = S.loopBound(n);
        long xb = xo * Float.BYTES;
        long yb = yo * Float.BYTES;
        long ob = oo * Float.BYTES;
        switch (op) {
            case ADD -> add(x, xb, y, yb, o, ob, m);
            case SUB -> sub(x, xb, y, yb, o, ob, m);
            case MUL -> mul(x, xb, y, yb, o, ob, m);
            case DIV -> div(x, xb, y, yb, o, ob, m);
            case MAXIMUM -> max(x, xb, y, yb, o, ob, m);
            case MINIMUM -> min(x, xb, y, yb, o, ob, m);
            case EQ -> eq(x, xb, y, yb, o, ob, m);
            case GT -> gt(x, xb, y, yb, o, ob, m);
            case GE -> ge(x, xb, y, yb, o, ob, m);
            case LT -> lt(x, xb, y, yb, o, ob, m);
            case LE -> le(x, xb, y, yb, o, ob, m);
            case POW -> m = 0;
        }
        return m;
    }

    private static void add(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).add(ld(y, yb, i)), o, ob, i);
    }

    private static void sub(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).sub(ld(y, yb, i)), o, ob, i);
    }

    private static void mul(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).mul(ld(y, yb, i)), o, ob, i);
    }

    private static void div(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).div(ld(y, yb, i)), o, ob, i);
    }

    private static void max(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).max(ld(y, yb, i)), o, ob, i);
    }

    private static void min(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        for (long i = 0; i < m; i += L) st(ld(x, xb, i).min(ld(y, yb, i)), o, ob, i);
    }

    private static void eq(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1);
        for (long i = 0; i < m; i += L) st(zero.blend(one, ld(x, xb, i).compare(VectorOperators.EQ, ld(y, yb, i))), o, ob, i);
    }

    private static void gt(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1);
        for (long i = 0; i < m; i += L) st(zero.blend(one, ld(x, xb, i).compare(VectorOperators.GT, ld(y, yb, i))), o, ob, i);
    }

    private static void ge(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1);
        for (long i = 0; i < m; i += L) st(zero.blend(one, ld(x, xb, i).compare(VectorOperators.GE, ld(y, yb, i))), o, ob, i);
    }

    private static void lt(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1);
        for (long i = 0; i < m; i += L) st(zero.blend(one, ld(x, xb, i).compare(VectorOperators.LT, ld(y, yb, i))), o, ob, i);
    }

    private static void le(MemorySegment x, long xb, MemorySegment y, long yb, MemorySegment o, long ob, long m) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1);
        for (long i = 0; i < m; i += L) st(zero.blend(one, ld(x, xb, i).compare(VectorOperators.LE, ld(y, yb, i))), o, ob, i);
    }
}
