package dev.nabla.backend.cuda;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;

/**
 * Fused softmax / log-softmax and batch normalisation, forward and backward: one launch each (the composed forms take
 * four to eight), one block per row or channel with shared-memory reductions ({@code native/cuda/nabla_fused.cuh}).
 * Operands that are not contiguous, or not float32/float64, are left to the composed form ({@code false}).
 *
 * <p>Launch configuration ({@link LaunchShape#perRow}): softmax rows use blocks of up to 256 threads, so a row of 10
 * logits takes one warp instead of a mostly idle block and a batch of 128 rows spreads over 128 SMs; batch-norm
 * channels use up to {@value #CHANNEL_THREADS}, since a CNN has few channels with many elements each and a larger
 * block keeps more loads in flight per channel.
 */
final class NormalizationKernels {
    private static final int ROW_THREADS = 256;
    private static final int CHANNEL_THREADS = 512; // FUSED_THREADS in nabla_fused.cuh

    private final CudaDevice device;
    private final CudaModule module;

    NormalizationKernels(CudaDevice device, CudaModule module) {
        this.device = device;
        this.module = module;
    }

    private static boolean contiguous(Strided... operands) {
        for (Strided s : operands) {
            if (s != null && !s.isContiguous()) {
                return false;
            }
        }
        return true;
    }

    private static long address(Strided s, ScalarType t) {
        return s == null ? 0L : DeviceAddress.of(s, t);
    }

    boolean softmax(ScalarType dtype, Strided x, Strided out, boolean log) {
        if (!dtype.isStandardFloat() || x.rank() == 0 || !contiguous(x, out)) {
            return false;
        }
        long n = x.shape()[x.rank() - 1];
        long rows = n == 0 ? 0 : x.numel() / n;
        if (rows == 0) {
            return true;
        }
        device.makeCurrent();
        LaunchShape shape = LaunchShape.perRow(device, rows, n, ROW_THREADS);
        try (KernelLaunch l = module.launch()) {
            l.ptr(DeviceAddress.of(x, dtype)).ptr(DeviceAddress.of(out, dtype)).i64(rows).i64(n).i32(log ? 1 : 0)
                    .run("softmax_" + KernelLaunch.suffix(dtype), shape.blocks(), shape.threads());
        }
        return true;
    }

    boolean softmaxBackward(ScalarType dtype, Strided y, Strided gradOut, Strided gradIn, boolean log) {
        if (!dtype.isStandardFloat() || y.rank() == 0 || !contiguous(y, gradOut, gradIn)) {
            return false;
        }
        long n = y.shape()[y.rank() - 1];
        long rows = n == 0 ? 0 : y.numel() / n;
        if (rows == 0) {
            return true;
        }
        device.makeCurrent();
        LaunchShape shape = LaunchShape.perRow(device, rows, n, ROW_THREADS);
        try (KernelLaunch l = module.launch()) {
            l.ptr(DeviceAddress.of(y, dtype)).ptr(DeviceAddress.of(gradOut, dtype)).ptr(DeviceAddress.of(gradIn, dtype))
                    .i64(rows).i64(n).i32(log ? 1 : 0)
                    .run("softmax_backward_" + KernelLaunch.suffix(dtype), shape.blocks(), shape.threads());
        }
        return true;
    }

    /** {@code [N, C, S]}: batch, channels, and the product of the trailing sizes; null when x does not suit. */
    private static long[] channels(Strided x) {
        if (x.rank() < 2 || x.numel() == 0) {
            return null;
        }
        long n = x.shape()[0];
        long c = x.shape()[1];
        return new long[] {n, c, x.numel() / (n * c)};
    }

    boolean batchNorm(ScalarType dtype, Strided x, Strided weight, Strided bias, boolean batchStats, double eps,
                      Strided mean, Strided var, Strided out) {
        long[] ncs = channels(x);
        if (!dtype.isStandardFloat() || ncs == null || !contiguous(x, weight, bias, mean, var, out)) {
            return false;
        }
        device.makeCurrent();
        LaunchShape shape = LaunchShape.perRow(device, ncs[1], ncs[0] * ncs[2], CHANNEL_THREADS);
        try (KernelLaunch l = module.launch()) {
            l.ptr(address(x, dtype)).ptr(address(weight, dtype)).ptr(address(bias, dtype)).ptr(address(mean, dtype))
                    .ptr(address(var, dtype)).ptr(address(out, dtype)).i64(ncs[0]).i64(ncs[1]).i64(ncs[2]).f64(eps)
                    .i32(batchStats ? 1 : 0)
                    .run("batch_norm_" + KernelLaunch.suffix(dtype), shape.blocks(), shape.threads());
        }
        return true;
    }

    boolean batchNormBackward(ScalarType dtype, Strided x, Strided gradOut, Strided weight, Strided mean,
                              Strided var, boolean batchStats, double eps, Strided gradIn, Strided gradWeight,
                              Strided gradBias) {
        long[] ncs = channels(x);
        if (!dtype.isStandardFloat() || ncs == null || !contiguous(x, gradOut, weight, mean, var, gradIn, gradWeight, gradBias)) {
            return false;
        }
        device.makeCurrent();
        LaunchShape shape = LaunchShape.perRow(device, ncs[1], ncs[0] * ncs[2], CHANNEL_THREADS);
        try (KernelLaunch l = module.launch()) {
            l.ptr(address(x, dtype)).ptr(address(gradOut, dtype)).ptr(address(weight, dtype))
                    .ptr(address(mean, dtype)).ptr(address(var, dtype)).ptr(address(gradIn, dtype))
                    .ptr(address(gradWeight, dtype)).ptr(address(gradBias, dtype)).i64(ncs[0]).i64(ncs[1])
                    .i64(ncs[2]).f64(eps).i32(batchStats ? 1 : 0)
                    .run("batch_norm_backward_" + KernelLaunch.suffix(dtype), shape.blocks(), shape.threads());
        }
        return true;
    }
}
