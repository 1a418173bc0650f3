package dev.nabla.backend.java;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ElementCost;
import dev.nabla.backend.UnaryOp;

/**
 * Rough cost per element of each kernel, in units of about 0.05 ns, measured on the 2-core EPYC development VM
 * (float32, data in L2/L3). Only the decision to split a call over threads uses it, so ratios matter, not
 * precision: per element, a vector sum takes ~0.04 ns, a vector add ~0.07-0.13 ns, a scalar add ~0.3 ns, a
 * vector exp ~0.3 ns, a scalar exp ~3.8 ns; erf's series is several times exp.
 */
final class WorkCost {
    private WorkCost() {
    }

    static long unary(UnaryOp op, boolean vec) {
        return element(op.cost(), vec);
    }

    static long binary(BinaryOp op, boolean vec) {
        return element(op.cost(), vec);
    }

    private static long element(ElementCost cost, boolean vec) {
        return switch (cost) {
            case ARITHMETIC -> vec ? 2 : 6;
            case DIVISION -> vec ? 4 : 8;
            case EXP_LIKE -> vec ? 6 : 80;
            case EXP_COMPOSITE -> vec ? 12 : 120;
            case POW -> 120;
            case ERF_SERIES -> 300;
        };
    }

    /** Reductions read one operand and write (almost) nothing: half an add; the scalar loop is ~4x slower. */
    static long reduce(boolean vec) {
        return vec ? 1 : 4;
    }

    /** Same-dtype copies are memcpy (read one operand, write one); conversions are element loops. */
    static long copy(boolean sameType, boolean vec) {
        return sameType || vec ? 2 : 6;
    }

    /**
     * Optimizer updates: a scalar loop over 3-5 operands with double arithmetic (~0.7 ns per element for SGD with
     * momentum, more with Adam's square root and division); the vector SGD loop is memory-bound.
     */
    static long fusedUpdate(boolean vec) {
        return vec ? 4 : 16;
    }

    /** Fills only write. */
    static long fill() {
        return 1;
    }
}
