package dev.nabla.backend;

/** Reductions over one or more dimensions. */
public enum ReduceOp {
    /** sum of the elements */ SUM,
    /** arithmetic mean */ MEAN,
    /** largest element (NaN if any is NaN) */ MAX,
    /** smallest element (NaN if any is NaN) */ MIN,
    /** index of the first largest element along one dimension */ ARGMAX,
    /** index of the first smallest element along one dimension */ ARGMIN
}
