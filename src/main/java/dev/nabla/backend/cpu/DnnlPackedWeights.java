package dev.nabla.backend.cpu;

import static dev.nabla.backend.cpu.DnnlStatus.check;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.nabla.bindings.dnnl.dnnl_exec_arg_t;
import dev.nabla.bindings.dnnl.dnnl_h;
import dev.nabla.bindings.dnnl.dnnl_memory_desc_t;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An int8 weight matrix reordered once into the layout a packed-B int8 matmul ({@link DnnlMatmulKey#packedB()})
 * reads, with its column sums, so that a call neither re-packs the weight nor sums it for the source zero point:
 * {@code sum_p (A[i][p] - zp) * B[p][j] = sum_p A[i][p] * B[p][j] - zp * sum_p B[p][j]}.
 *
 * <p>Immutable once made, so threads may share it. Its memory is freed by the garbage collector when it becomes
 * unreachable (packing is rare: once per weight and layout), so no owner has to close it.
 */
final class DnnlPackedWeights {
    private final MemorySegment layout;
    private final MemorySegment data;
    private final int[] columnSums;

    private DnnlPackedWeights(MemorySegment layout, MemorySegment data, int[] columnSums) {
        this.layout = layout;
        this.data = data;
        this.columnSums = columnSums;
    }

    /**
     * Reorders {@code b} (int8, {@code n x k} stored row-major with row stride {@code ldb}: the transposed
     * {@code k x n} operand) into {@code matmul}'s weight layout on the context's stream.
     */
    static DnnlPackedWeights pack(MemorySegment engine, DnnlStreamContext context, DnnlMatmul matmul,
                                  MemorySegment b, int n, int k, int ldb) {
        Arena owner = Arena.ofAuto();
        long size = dnnl_memory_desc_t.layout().byteSize();
        MemorySegment layout = owner.allocate(dnnl_memory_desc_t.layout()).copyFrom(matmul.weightsMd().reinterpret(size));
        MemorySegment data = owner.allocate(dnnl_h.dnnl_memory_desc_get_size(layout), 64);
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment out = temp.allocate(ADDRESS);
            check(dnnl_h.dnnl_reorder_primitive_desc_create(out, matmul.plainWeightsMd(), engine, layout, engine,
                    MemorySegment.NULL), "dnnl_reorder_primitive_desc_create");
            MemorySegment pd = out.get(ADDRESS, 0);
            MemorySegment reorder;
            try {
                check(dnnl_h.dnnl_primitive_create(out, pd), "dnnl_primitive_create (reorder)");
                reorder = out.get(ADDRESS, 0);
            } finally {
                dnnl_h.dnnl_primitive_desc_destroy(pd);
            }
            MemorySegment from = MemorySegment.NULL;
            MemorySegment to = MemorySegment.NULL;
            try {
                check(dnnl_h.dnnl_memory_create(out, matmul.plainWeightsMd(), engine, b), "dnnl_memory_create");
                from = out.get(ADDRESS, 0);
                check(dnnl_h.dnnl_memory_create(out, layout, engine, data), "dnnl_memory_create");
                to = out.get(ADDRESS, 0);
                MemorySegment args = dnnl_exec_arg_t.allocateArray(2, temp);
                dnnl_exec_arg_t.arg(dnnl_exec_arg_t.asSlice(args, 0), dnnl_h.DNNL_ARG_FROM());
                dnnl_exec_arg_t.memory(dnnl_exec_arg_t.asSlice(args, 0), from);
                dnnl_exec_arg_t.arg(dnnl_exec_arg_t.asSlice(args, 1), dnnl_h.DNNL_ARG_TO());
                dnnl_exec_arg_t.memory(dnnl_exec_arg_t.asSlice(args, 1), to);
                check(dnnl_h.dnnl_primitive_execute(reorder, context.stream(), 2, args), "dnnl_primitive_execute (reorder)");
            } finally {
                if (!to.equals(MemorySegment.NULL)) {
                    dnnl_h.dnnl_memory_destroy(to);
                }
                if (!from.equals(MemorySegment.NULL)) {
                    dnnl_h.dnnl_memory_destroy(from);
                }
                dnnl_h.dnnl_primitive_destroy(reorder);
            }
        }
        return new DnnlPackedWeights(layout, data, columnSums(b, n, k, ldb));
    }

    /** {@code sum_p B[j][p]} for each row {@code j} of the stored {@code n x k} matrix. */
    private static int[] columnSums(MemorySegment b, int n, int k, int ldb) {
        int[] sums = new int[n];
        for (int j = 0; j < n; j++) {
            long row = (long) j * ldb;
            int sum = 0;
            for (int p = 0; p < k; p++) {
                sum += b.get(JAVA_BYTE, row + p);
            }
            sums[j] = sum;
        }
        return sums;
    }

    /** Whether this packing is in the layout {@code matmul} reads (a primitive for another m may choose another). */
    boolean fits(DnnlMatmul matmul) {
        return dnnl_h.dnnl_memory_desc_equal(layout, matmul.weightsMd()) == 1;
    }

    /** The packed weight. */
    MemorySegment data() {
        return data;
    }

    /** {@code zeroPoint * sum_p B[j][p]} for each row {@code j} of B as stored: what the zero point takes off C's column j. */
    int[] compensation(int zeroPoint) {
        int[] out = new int[columnSums.length];
        for (int j = 0; j < out.length; j++) {
            out[j] = zeroPoint * columnSums[j];
        }
        return out;
    }
}
