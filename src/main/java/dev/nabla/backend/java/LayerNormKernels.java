package dev.nabla.backend.java;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.util.function.IntConsumer;

/**
 * Layer normalisation over the trailing {@code n} elements of contiguous tensors (rows of {@code n}) and its
 * gradient; see {@link dev.nabla.backend.Backend#layerNorm}. One pass reads a row for its mean, a second for its
 * variance (from the row in cache) and a third writes the output; backward reads each row twice. The composite of
 * mean, subtract, variance, rsqrt, multiply and add (and the sum of their backwards) moved each row about fifteen
 * times through memory. Float32 and float64 rows take the Vector API loops when the module is present.
 */
final class LayerNormKernels {
    /** Work units ({@code WorkCost}'s) per element of a vector pass over one or two operands. */
    private static final long PASS_COST = 4;
    /** Elements per block of rows: a block is worth handing to another thread. */
    private static final long BLOCK_ELEMENTS = 1 << 15;
    /** At most this many blocks, so the weight and bias gradients' partial sums stay small. */
    private static final long MAX_BLOCKS = 64;

    private LayerNormKernels() {
    }

    /**
     * {@code count} blocks of {@code size} consecutive rows (the last one shorter), fixed by the shape alone.
     *
     * @param rows  rows in all
     * @param size  rows per block
     * @param count blocks
     * @param work  the call's work in {@code WorkCost} units, to decide whether to split it
     */
    record Blocks(long rows, long size, int count, long work) {
        static Blocks of(long rows, int n) {
            long size = Math.max(Math.max(1, BLOCK_ELEMENTS / n), (rows + MAX_BLOCKS - 1) / MAX_BLOCKS);
            int count = (int) ((rows + size - 1) / size);
            return new Blocks(rows, size, count, rows * n * PASS_COST * 3);
        }

        long first(int block) {
            return block * size;
        }

        long end(int block) {
            return Math.min(rows, (block + 1) * size);
        }

        /** Runs every block, on {@code par}'s threads when the call is large enough to repay the hand-off. */
        void run(ChunkRunner par, IntConsumer block) {
            if (par == null || count == 1 || work < JavaKernels.PARALLEL_MIN_WORK) {
                for (int b = 0; b < count; b++) {
                    block.accept(b);
                }
            } else {
                par.run(count, block);
            }
        }
    }

    /** Whether these operands suit the kernels: contiguous, rows of {@code n} that fit an int, one float dtype. */
    private static boolean suits(ScalarType t, Strided x, long n, Strided... others) {
        if (t != ScalarType.FLOAT32 && t != ScalarType.FLOAT64 || n < 1 || n > Integer.MAX_VALUE
                || !x.isContiguous() || x.numel() % n != 0) {
            return false;
        }
        for (Strided s : others) {
            if (s != null && !s.isContiguous()) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code out = (x - mean) * rstd * weight + bias} per row of {@code n}, writing each row's mean and
     * {@code rstd = 1 / sqrt(var + eps)}.
     *
     * @return false when the operands do not suit these kernels (nothing was written)
     */
    static boolean forward(boolean useVector, ChunkRunner par, ScalarType t, Strided x, long n, Strided weight,
                           Strided bias, double eps, Strided out, Strided mean, Strided rstd) {
        if (!suits(t, x, n, weight, bias, out, mean, rstd)) {
            return false;
        }
        boolean vec = useVector && VectorSupport.available();
        if (t == ScalarType.FLOAT32) {
            LayerNormFloat.forward(vec, par, x, (int) n, weight, bias, eps, out, mean, rstd);
        } else {
            LayerNormDouble.forward(vec, par, x, (int) n, weight, bias, eps, out, mean, rstd);
        }
        return true;
    }

    /**
     * The gradients of {@link #forward} from the output gradient {@code g} and the saved {@code mean} and
     * {@code rstd}; each of {@code gradIn}, {@code gradWeight}, {@code gradBias} may be null (not wanted).
     *
     * @return false when the operands do not suit these kernels (nothing was written)
     */
    static boolean backward(boolean useVector, ChunkRunner par, ScalarType t, Strided x, long n, Strided g,
                            Strided weight, Strided mean, Strided rstd, Strided gradIn, Strided gradWeight,
                            Strided gradBias) {
        if (!suits(t, x, n, g, weight, mean, rstd, gradIn, gradWeight, gradBias)) {
            return false;
        }
        boolean vec = useVector && VectorSupport.available();
        if (t == ScalarType.FLOAT32) {
            LayerNormFloat.backward(vec, par, x, (int) n, g, weight, mean, rstd, gradIn, gradWeight, gradBias);
        } else {
            LayerNormDouble.backward(vec, par, x, (int) n, g, weight, mean, rstd, gradIn, gradWeight, gradBias);
        }
        return true;
    }
}
