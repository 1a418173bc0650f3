package dev.nabla.distributed;

import dev.nabla.DType;
import dev.nabla.bindings.nccl.nccl_h;

/** NCCL's data types and reduction operators for Nabla's dtypes and {@link ReduceOp}s. */
final class NcclTypes {
    private NcclTypes() {
    }

    /** The type to reduce {@code dtype} as; bool is 0/1 bytes (its SUM and MAX are a logical or, done as max). */
    static int reduced(String op, DType dtype) {
        return switch (dtype) {
            case FLOAT32 -> nccl_h.ncclFloat32();
            case FLOAT64 -> nccl_h.ncclFloat64();
            case FLOAT16 -> nccl_h.ncclFloat16();
            case BFLOAT16 -> nccl_h.ncclBfloat16();
            case INT64 -> nccl_h.ncclInt64();
            case INT32 -> nccl_h.ncclInt32();
            case INT8 -> nccl_h.ncclInt8();
            case UINT8, BOOL -> nccl_h.ncclUint8();
            case INT16 -> throw new IllegalArgumentException(op + ": NCCL has no 16-bit integer type; reduce an int16"
                    + " tensor as int32 (x.to(DType.INT32)) and convert back");
        };
    }

    /** The operator for {@code reduce} on {@code dtype}. */
    static int op(ReduceOp reduce, DType dtype) {
        if (dtype == DType.BOOL) {
            return nccl_h.ncclMax();
        }
        return switch (reduce) {
            case SUM -> nccl_h.ncclSum();
            case AVG -> nccl_h.ncclAvg();
            case MAX -> nccl_h.ncclMax();
        };
    }
}
