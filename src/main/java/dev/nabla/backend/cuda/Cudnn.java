package dev.nabla.backend.cuda;

import dev.nabla.base.ConvGeometry;
import dev.nabla.base.LazyLogger;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.MemoryPool;
import dev.nabla.nativelib.CudaLibraries;
import java.lang.System.Logger.Level;
import java.util.function.BooleanSupplier;

/**
 * One device's cuDNN: the handle on the device's stream ({@link CudnnHandle}), the descriptor caches
 * ({@link CudnnDescriptors}) and the ops that run on it ({@link CudnnConvolution}, {@link CudnnBatchNorm},
 * {@link CudnnSoftmax}). {@code libcudnn.so.9} is found by the same search as cuBLAS ({@link CudaLibraries}); when it
 * is absent, or its handle cannot be created, {@link #open} returns null and the CUDA backend keeps its own kernels.
 * Every op returns false, having written nothing, when cuDNN is switched off ({@link CudnnSettings#enabled()}) or its
 * operands do not suit cuDNN; the caller then falls back.
 *
 * <p>Pooling stays on Nabla's kernels: the backend's {@code maxPool2d} must return the argmax indices that its
 * backward scatters through, and cuDNN's pooling neither produces them nor follows PyTorch's rule for ties and NaN.
 * Element-wise activations stay on Nabla's kernels too: they are memory-bound either way, Nabla's kernels take strided
 * and broadcast operands, and their float32 results are rounded once from double.
 */
final class Cudnn {
    private static final System.Logger LOG = LazyLogger.of(Cudnn.class);

    private final CudnnConvolution convolution;
    private final CudnnBatchNorm batchNorm;
    private final CudnnSoftmax softmax;

    private Cudnn(CudnnHandle handle, MemoryPool pool, CudnnBatchNorm.Filler filler, BooleanSupplier allowTf32) {
        CudnnDescriptors descriptors = new CudnnDescriptors(handle);
        synchronized (handle.lock) {
            // cuDNN 9 loads its ops and cnn sub-libraries on first use: a descriptor of each fails here, not in a model
            descriptors.tensor(new TensorKey(ScalarType.FLOAT32, 1, 1, 1, 1));
            descriptors.convolution(new ConvKey(ScalarType.FLOAT32, new ConvGeometry(1, 1, 1, 1, 0, 0, 1, 1), 1, false));
        }
        convolution = new CudnnConvolution(handle, descriptors, allowTf32);
        batchNorm = new CudnnBatchNorm(handle, descriptors, pool, filler);
        softmax = new CudnnSoftmax(handle, descriptors);
    }

    /**
     * cuDNN on {@code device}, or null when {@code libcudnn.so.9} was not loaded, or its handle or a first descriptor
     * cannot be created (a sub-library missing, say; logged at DEBUG with the reason).
     *
     * @param filler    the backend's fill kernel (batch norm's defaults for absent weight and bias)
     * @param allowTf32 whether float32 convolutions may use TF32 tensor cores, asked per call
     */
    static Cudnn open(CudaDevice device, MemoryPool pool, CudnnBatchNorm.Filler filler, BooleanSupplier allowTf32) {
        CudaLibraries.Loaded libs = CudaRuntime.libraries();
        if (libs == null || !libs.hasCudnn()) {
            LOG.log(Level.DEBUG, "{0}cuDNN not loaded: Nabla''s own kernels run convolution, batch norm and softmax",
                    device.where());
            return null;
        }
        try {
            return new Cudnn(new CudnnHandle(device, pool), pool, filler, allowTf32);
        } catch (CudaException | LinkageError e) {
            LOG.log(Level.DEBUG, "{0}cuDNN {1} unusable, Nabla''s own kernels run instead: {2}", device.where(),
                    libs.cudnn(), e.toString());
            return null;
        }
    }

    boolean conv2d(ScalarType t, Strided x, Strided w, Strided bias, ConvGeometry g, int groups, Strided out) {
        return CudnnSettings.enabled() && convolution.forward(t, x, w, bias, g, groups, out);
    }

    boolean conv2dBackwardData(ScalarType t, Strided gradOut, Strided w, ConvGeometry g, int groups, Strided gradIn) {
        return CudnnSettings.enabled() && convolution.backwardData(t, gradOut, w, g, groups, gradIn);
    }

    boolean conv2dBackwardWeight(ScalarType t, Strided x, Strided gradOut, ConvGeometry g, int groups,
                                 Strided gradWeight, Strided gradBias) {
        return CudnnSettings.enabled() && convolution.backwardWeight(t, x, gradOut, g, groups, gradWeight, gradBias);
    }

    boolean batchNorm(ScalarType t, Strided x, Strided weight, Strided bias, boolean batchStats, double eps,
                      Strided mean, Strided var, Strided out) {
        return CudnnSettings.enabled() && batchNorm.forward(t, x, weight, bias, batchStats, eps, mean, var, out);
    }

    boolean batchNormBackward(ScalarType t, Strided x, Strided gradOut, Strided weight, Strided mean, Strided var,
                              boolean batchStats, double eps, Strided gradIn, Strided gradWeight, Strided gradBias) {
        return CudnnSettings.enabled() && batchNorm.backward(t, x, gradOut, weight, mean, var, batchStats, eps, gradIn,
                gradWeight, gradBias);
    }

    boolean softmax(ScalarType t, Strided x, Strided out, boolean log) {
        return CudnnSettings.enabled() && softmax.forward(t, x, out, log);
    }

    boolean softmaxBackward(ScalarType t, Strided y, Strided gradOut, Strided gradIn, boolean log) {
        return CudnnSettings.enabled() && softmax.backward(t, y, gradOut, gradIn, log);
    }
}
