package dev.nabla.distributed;

import dev.nabla.DType;
import dev.nabla.nativelib.Mpi;
import java.lang.foreign.MemorySegment;
import java.util.EnumMap;
import java.util.Map;

/** The MPI datatype and reduction-op handles for Nabla's dtypes and {@link ReduceOp}s. */
final class MpiTypes {
    /** The type MPI computes on for each dtype it can reduce (bfloat16/float16 are reduced as float32). */
    private final Map<DType, MemorySegment> arithmetic = new EnumMap<>(DType.class);
    /** 16-bit floats moved as bytes (broadcast, all-gather): two bytes an element. */
    private final MemorySegment twoBytes;
    private final MemorySegment sum;
    private final MemorySegment max;
    private final MemorySegment logicalOr;

    MpiTypes(Mpi mpi) {
        arithmetic.put(DType.FLOAT32, mpi.handle("ompi_mpi_float"));
        arithmetic.put(DType.FLOAT64, mpi.handle("ompi_mpi_double"));
        arithmetic.put(DType.INT64, mpi.handle("ompi_mpi_int64_t"));
        arithmetic.put(DType.INT32, mpi.handle("ompi_mpi_int32_t"));
        arithmetic.put(DType.INT16, mpi.handle("ompi_mpi_int16_t"));
        arithmetic.put(DType.INT8, mpi.handle("ompi_mpi_int8_t"));
        arithmetic.put(DType.UINT8, mpi.handle("ompi_mpi_uint8_t"));
        arithmetic.put(DType.BOOL, mpi.handle("ompi_mpi_c_bool")); // one byte, as Nabla's bool
        twoBytes = mpi.handle("ompi_mpi_uint16_t");
        sum = mpi.handle("ompi_mpi_op_sum");
        max = mpi.handle("ompi_mpi_op_max");
        logicalOr = mpi.handle("ompi_mpi_op_lor");
    }

    /** The datatype MPI reduces {@code dtype} as (never called for bfloat16/float16: they are reduced as float32). */
    MemorySegment reduced(DType dtype) {
        MemorySegment type = arithmetic.get(dtype);
        if (type == null) {
            throw new IllegalStateException("no MPI arithmetic type for " + dtype);
        }
        return type;
    }

    /** The datatype that moves {@code dtype}'s elements unchanged. */
    MemorySegment moved(DType dtype) {
        return CollectiveChecks.reducesInFloat32(dtype) ? twoBytes : reduced(dtype);
    }

    /** The MPI op for {@code op} on {@code dtype}: AVG sums (the caller divides); bool's sum and max are a logical or. */
    MemorySegment op(ReduceOp op, DType dtype) {
        if (dtype == DType.BOOL) {
            return logicalOr;
        }
        return op == ReduceOp.MAX ? max : sum;
    }
}
