package dev.nabla.backend.cpu;

import static dev.nabla.backend.cpu.DnnlStatus.check;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.nabla.bindings.dnnl.dnnl_exec_arg_t;
import dev.nabla.bindings.dnnl.dnnl_h;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

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
        MemorySegment layout = DnnlMemories.copyOf(owner, matmul.weightsMd());
        MemorySegment data = owner.allocate(dnnl_h.dnnl_memory_desc_get_size(layout), 64);
        MemorySegment reorder = DnnlMemories.reorder(engine, matmul.plainWeightsMd(), layout);
        List<MemorySegment> memories = new ArrayList<>(2);
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment args = dnnl_exec_arg_t.allocateArray(2, temp);
            DnnlMemories.arg(args, 0, dnnl_h.DNNL_ARG_FROM(),
                    DnnlMemories.memory(engine, matmul.plainWeightsMd(), b, temp, memories));
            DnnlMemories.arg(args, 1, dnnl_h.DNNL_ARG_TO(), DnnlMemories.memory(engine, layout, data, temp, memories));
            check(dnnl_h.dnnl_primitive_execute(reorder, context.stream(), 2, args), "dnnl_primitive_execute (reorder)");
        } finally {
            memories.forEach(dnnl_h::dnnl_memory_destroy);
            dnnl_h.dnnl_primitive_destroy(reorder);
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
