package dev.nabla.backend;

/**
 * How much work one element of an element-wise op takes, roughly: each {@link UnaryOp} and {@link BinaryOp} names
 * its class, and the CPU kernels split a call over threads by it.
 */
public enum ElementCost {
    /** a few adds, multiplies, compares or blends */ ARITHMETIC,
    /** a division or square root */ DIVISION,
    /** one exp, log or tanh */ EXP_LIKE,
    /** an exp-like function with more arithmetic or a second transcendental */ EXP_COMPOSITE,
    /** {@code pow}: scalar even in vector kernels */ POW,
    /** the error function's series: scalar, several times exp */ ERF_SERIES
}
