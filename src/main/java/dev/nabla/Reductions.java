package dev.nabla;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;

/** Differentiable reductions: sum, mean, max and min over dimensions. */
final class Reductions {
    private Reductions() {
    }

    /** PyTorch's C++ name of an integer or bool dtype, as its error messages print it. */
    private static String scalarTypeName(DType t) {
        return switch (t) {
            case INT64 -> "Long";
            case INT32 -> "Int";
            case INT16 -> "Short";
            case INT8 -> "Char";
            case UINT8 -> "Byte";
            case BOOL -> "Bool";
            default -> t.toString();
        };
    }

    private static int[] allDims(int rank) {
        int[] all = new int[rank];
        for (int i = 0; i < rank; i++) {
            all[i] = i;
        }
        return all;
    }

    /** The gradient of a reduction's output brought back to the input's shape (a broadcast view). */
    private static Tensor expandBack(Tensor g, long[] kept, long[] inShape) {
        return g.reshape(kept).expand(inShape);
    }

    /** Sum or mean over {@code dims} (all when null). */
    static final class SumMean extends Node {
        private final long[] inShape;
        private final long[] kept;
        private final double scale;
        private final boolean mean;

        private SumMean(Tensor x, long[] kept, boolean mean) {
            super(x);
            this.inShape = x.rawShape();
            this.kept = kept;
            this.mean = mean;
            long in = Shapes.numel(inShape);
            long outN = Shapes.numel(kept);
            this.scale = mean ? (outN == 0 ? 0 : (double) outN / Math.max(in, 1)) : 1.0;
        }

        static Tensor apply(Tensor x, int[] dims, boolean keepdim, boolean mean) {
            String op = mean ? "mean" : "sum";
            x.checkAlive(op);
            if (!x.dtype().isFloatingPoint()) {
                if (mean) { // PyTorch's message and rule: no implicit float mean of integers
                    throw new IllegalArgumentException("mean(): could not infer output dtype. Input dtype must be "
                            + "either a floating point or complex dtype. Got: " + scalarTypeName(x.dtype()));
                }
                x = x.to(DType.INT64); // integer and bool sums are int64, as in PyTorch
            }
            int[] ds = dims == null ? allDims(x.dim()) : Kernels.reducedDims(op, dims, x.dim());
            // over all dimensions the result is 0-dimensional, so keepdim applies only to explicit dims
            Tensor out = Kernels.reduce(op, mean ? ReduceOp.MEAN : ReduceOp.SUM, x, ds, dims != null && keepdim);
            return Node.needed(x) ? new SumMean(x, Kernels.keptShape(x.rawShape(), ds), mean).record(out) : out;
        }

        @Override
        public String name() {
            return mean ? "MeanBackward" : "SumBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor e = expandBack(g, kept, inShape);
            return new Tensor[] {mean ? e.mul(scale) : e};
        }
    }

    /** Max or min over {@code dims} (all when null); the gradient is shared evenly among tied extremes. */
    static final class Extreme extends Node {
        private final SavedTensor x;
        private final SavedTensor out;
        private final long[] kept;
        private final boolean max;

        private Extreme(Tensor x, Tensor keptOut, long[] kept, boolean max) {
            super(x);
            this.x = save(x);
            this.out = save(keptOut);
            this.kept = kept;
            this.max = max;
        }

        static Tensor apply(Tensor x, int[] dims, boolean keepdim, boolean max) {
            String op = max ? "max" : "min";
            x.checkAlive(op);
            if (dims == null && x.numel() == 0) {
                throw new IllegalArgumentException(op + ": cannot reduce the empty " + x.describe());
            }
            int[] ds = dims == null ? allDims(x.dim()) : Kernels.reducedDims(op, dims, x.dim());
            Tensor keptOut = Kernels.reduce(op, max ? ReduceOp.MAX : ReduceOp.MIN, x, ds, true);
            Tensor result = keptOut;
            boolean drop = dims == null || !keepdim;
            if (drop && x.dim() > 0) {
                try (Grad off = Grad.disabled()) {
                    result = dims == null ? keptOut.view() : keptOut.view(Kernels.dropDims(keptOut.rawShape(), ds));
                }
            }
            return Node.needed(x) ? new Extreme(x, keptOut, keptOut.rawShape(), max).record(result) : result;
        }

        @Override
        public String name() {
            return max ? "MaxBackward" : "MinBackward";
        }

        @Override
        protected Tensor[] backward(Tensor g) {
            Tensor xv = x.get();
            Tensor hits = xv.mask(BinaryOp.EQ, out.get());
            Tensor count = hits.sum(reducedOf(kept, xv.rawShape()), true);
            return new Tensor[] {hits.div(count).mul(g.reshape(kept))};
        }

        private static int[] reducedOf(long[] kept, long[] in) {
            int n = 0;
            for (int d = 0; d < in.length; d++) {
                if (kept[d] == 1 && in[d] != 1) {
                    n++;
                }
            }
            int[] out = new int[n];
            for (int d = 0, j = 0; d < in.length; d++) {
                if (kept[d] == 1 && in[d] != 1) {
                    out[j++] = d;
                }
            }
            return out;
        }
    }
}
