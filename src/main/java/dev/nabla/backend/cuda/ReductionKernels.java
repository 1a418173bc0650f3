package dev.nabla.backend.cuda;

import dev.nabla.backend.ReduceOp;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.util.EnumSet;
import java.util.Set;

/**
 * Reductions over any set of dimensions (a thread per output where that coalesces or the lines are short, else a
 * block per output) and arg-max/arg-min along one dimension.
 */
final class ReductionKernels {
    /** The ops the reduce kernels implement, passed as their ordinals ({@code NABLA_REDUCE_*} in nabla_ops.h). */
    private static final Set<ReduceOp> REDUCE_KERNEL_OPS =
            EnumSet.of(ReduceOp.SUM, ReduceOp.MEAN, ReduceOp.MAX, ReduceOp.MIN);

    private final CudaDevice device;
    private final CudaModule module;

    ReductionKernels(CudaDevice device, CudaModule module) {
        this.device = device;
        this.module = module;
    }

    void reduce(ReduceOp op, ScalarType dtype, Strided x, Strided out) {
        if (!REDUCE_KERNEL_OPS.contains(op)) {
            throw new IllegalArgumentException("reduce: unsupported op " + op);
        }
        if (out.numel() == 0) {
            return;
        }
        device.makeCurrent();
        int rank = x.rank();
        int kept = 0;
        for (int d = 0; d < rank; d++) {
            if (!(out.shape()[d] == 1 && x.shape()[d] != 1)) {
                kept++;
            }
        }
        long[] ks = new long[kept];
        long[] kx = new long[kept];
        long[] ko = new long[kept];
        long[] rs = new long[rank - kept];
        long[] rx = new long[rank - kept];
        for (int d = 0, i = 0, j = 0; d < rank; d++) {
            if (out.shape()[d] == 1 && x.shape()[d] != 1) {
                rs[j] = x.shape()[d];
                rx[j++] = x.strides()[d];
            } else {
                ks[i] = x.shape()[d];
                kx[i] = x.strides()[d];
                ko[i++] = out.strides()[d];
            }
        }
        Layouts.Collapsed keptC = Layouts.collapse(ks, kx, ko);
        Layouts.Collapsed redC = Layouts.collapse(rs, rx);
        long nout = Layouts.numel(keptC.shape());
        long nred = Layouts.numel(rs);
        // coalesced when neighbouring outputs are neighbouring inputs; otherwise a block per output
        boolean innerContiguous = keptC.strides()[0][keptC.rank() - 1] == 1 && keptC.shape()[keptC.rank() - 1] > 1;
        boolean threadPerOutput = nred < 64 || (innerContiguous && nout >= 4096);
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.rgeom(l.arena(), keptC, redC, out.offset(), x.offset())).ptr(x.data().address())
                    .ptr(out.data().address()).i32(op.ordinal());
            if (threadPerOutput) {
                l.run("reduce_thread_" + KernelLaunch.suffix(dtype), nout);
            } else {
                int blocks = (int) Math.min(nout, (long) device.smCount() * 64);
                l.run("reduce_block_" + KernelLaunch.suffix(dtype), Math.max(1, blocks), KernelLaunch.THREADS);
            }
        }
    }

    void argReduce(ReduceOp op, ScalarType dtype, Strided x, int dim, Strided out) {
        boolean max = switch (op) {
            case ARGMAX -> true;
            case ARGMIN -> false;
            default -> throw new IllegalArgumentException("argReduce: unsupported op " + op);
        };
        if (out.numel() == 0) {
            return;
        }
        device.makeCurrent();
        long[] lineShape = x.shape().clone();
        lineShape[dim] = 1;
        Layouts.Collapsed c = Layouts.collapse(lineShape, x.strides(), out.strides());
        try (KernelLaunch l = module.launch()) {
            l.struct(Layouts.geom(l.arena(), "argReduce", c.shape(), c.strides(),
                            new long[] {x.offset(), out.offset()}))
                    .ptr(x.data().address()).ptr(out.data().address()).i64(x.shape()[dim]).i64(x.strides()[dim])
                    .i32(max ? 1 : 0).run("argreduce_" + KernelLaunch.suffix(dtype), Layouts.numel(c.shape()));
        }
    }
}
