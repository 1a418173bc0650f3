package dev.nabla.distributed;

/** How {@link ProcessGroup#allReduce} and {@link ProcessGroup#reduceScatter} combine the ranks' values. */
public enum ReduceOp {
    /** Element-wise sum; on bool tensors a logical or (as PyTorch's NCCL backend). */
    SUM,
    /** Element-wise mean over the ranks: the sum divided by the group size; floating-point dtypes only. */
    AVG,
    /** Element-wise maximum; on bool tensors a logical or. */
    MAX
}
