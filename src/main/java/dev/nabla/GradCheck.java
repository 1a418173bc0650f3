package dev.nabla;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Checks a function's analytic gradients (from backward) against central finite differences in float64, like
 * {@code torch.autograd.gradcheck}: the full Jacobian, one output element at a time.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(g, 3, 4).to(DType.FLOAT64).requiresGrad_(true);
 * GradCheck.Result r = GradCheck.check(in -> in[0].tanh().sum(1, false), x);
 * if (!r.passed()) throw new AssertionError(r);
 * }</pre>
 *
 * Element {@code (j, i)} passes when {@code |analytic - numeric| <= atol + rtol * |numeric|}.
 */
public final class GradCheck {
    /** Default finite-difference step. */
    public static final double EPS = 1e-6;
    /** Default absolute tolerance. */
    public static final double ATOL = 1e-5;
    /** Default relative tolerance. */
    public static final double RTOL = 1e-3;

    private GradCheck() {
    }

    /**
     * The outcome, with the worst Jacobian entry (largest excess over the tolerance).
     *
     * @param passed      every entry within tolerance
     * @param input       which input the worst entry belongs to
     * @param inputIndex  the input element's multi-index
     * @param outputIndex the output element's flat index
     * @param analytic    the gradient from backward
     * @param numeric     the finite-difference gradient
     * @param maxAbsError largest |analytic - numeric| over all entries
     */
    public record Result(boolean passed, int input, long[] inputIndex, long outputIndex, double analytic,
                         double numeric, double maxAbsError) {
        @Override
        public String toString() {
            return (passed ? "gradcheck passed" : "gradcheck FAILED") + ": worst entry d out[" + outputIndex
                    + "] / d input" + input + Arrays.toString(inputIndex) + ": analytic " + analytic + ", numeric "
                    + numeric + " (max abs error " + maxAbsError + ")";
        }
    }

    /** {@link #check(Function, double, double, double, Tensor...)} with the default tolerances. */
    public static Result check(Function<Tensor[], Tensor> f, Tensor... inputs) {
        return check(f, EPS, ATOL, RTOL, inputs);
    }

    /**
     * Compares gradients of {@code f} at {@code inputs}: float64 leaf tensors that require grad (others, and
     * integer tensors such as indices, are treated as constants).
     */
    public static Result check(Function<Tensor[], Tensor> f, double eps, double atol, double rtol,
                               Tensor... inputs) {
        for (Tensor in : inputs) {
            in.checkAlive("gradcheck");
            if (!in.device().isHost()) {
                throw new IllegalArgumentException("gradcheck: inputs must be on a host device (cpu or java), got "
                        + in.describe());
            }
            if (in.dtype().isFloatingPoint() && in.dtype() != DType.FLOAT64) { // integer inputs are constants
                throw new IllegalArgumentException("gradcheck: floating inputs must be float64 for finite "
                        + "differences, got " + in.describe());
            }
            if (in.requiresGrad() && !in.isLeaf()) {
                throw new IllegalArgumentException("gradcheck: input " + in.describe() + " is not a leaf");
            }
        }
        try (Scope scope = Scope.open()) {
            Tensor out = f.apply(inputs);
            if (!out.requiresGrad()) {
                throw new IllegalArgumentException("gradcheck: the output does not depend on any input that "
                        + "requires grad");
            }
            int nOut = Math.toIntExact(out.numel());
            long[] outShape = out.shape();
            int[] wrt = java.util.stream.IntStream.range(0, inputs.length).filter(i -> inputs[i].requiresGrad())
                    .toArray();
            Tensor[] wrtTensors = Arrays.stream(wrt).mapToObj(i -> inputs[i]).toArray(Tensor[]::new);
            // analytic[k][j][i]: d out_j / d input_k element i
            double[][][] analytic = new double[wrt.length][nOut][];
            for (int j = 0; j < nOut; j++) {
                double[] oneHot = new double[nOut];
                oneHot[j] = 1;
                Tensor seed = outShape.length == 0 ? Tensor.scalar(1.0, out.dtype(), out.device())
                        : Tensor.of(oneHot, out.dtype(), out.device(), outShape);
                Tensor[] grads = Autograd.grad(out, wrtTensors, seed, true, false);
                for (int k = 0; k < wrt.length; k++) {
                    analytic[k][j] = grads[k].toDoubleArray();
                }
            }
            Result worst = new Result(true, -1, new long[0], -1, 0, 0, 0);
            double worstExcess = Double.NEGATIVE_INFINITY;
            double maxAbs = 0;
            try (Grad off = Grad.disabled()) {
                for (int k = 0; k < wrt.length; k++) {
                    Tensor x = inputs[wrt[k]];
                    long n = x.numel();
                    try (InFlight pins = InFlight.pin("gradcheck", x)) { // it writes x's memory directly
                        for (long i = 0; i < n; i++) {
                            long[] idx = unravel(i, x.rawShape());
                            long at = x.storageOffset();
                            for (int d = 0; d < idx.length; d++) {
                                at += idx[d] * x.rawStrides()[d];
                            }
                            MemorySegment seg = x.storage().segment();
                            double orig = seg.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at);
                            seg.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at, orig + eps);
                            double[] plus = evaluate(f, inputs);
                            seg.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at, orig - eps);
                            double[] minus = evaluate(f, inputs);
                            seg.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at, orig);
                            for (int j = 0; j < nOut; j++) {
                                double numeric = (plus[j] - minus[j]) / (2 * eps);
                                double a = analytic[k][j][(int) i];
                                double err = Math.abs(a - numeric);
                                double excess = err - (atol + rtol * Math.abs(numeric));
                                maxAbs = Math.max(maxAbs, Double.isNaN(err) ? Double.POSITIVE_INFINITY : err);
                                if (Double.isNaN(excess) || excess > worstExcess) {
                                    worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
                                    worst = new Result(false, wrt[k], idx, j, a, numeric, 0);
                                }
                            }
                        }
                    }
                }
            }
            return new Result(worstExcess <= 0, worst.input(), worst.inputIndex(), worst.outputIndex(),
                    worst.analytic(), worst.numeric(), maxAbs);
        }
    }

    private static double[] evaluate(Function<Tensor[], Tensor> f, Tensor[] inputs) {
        try (Scope s = Scope.open()) {
            return f.apply(inputs).toDoubleArray();
        }
    }

    private static long[] unravel(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }
}
