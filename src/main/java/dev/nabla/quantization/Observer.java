package dev.nabla.quantization;

import dev.nabla.DType;
import dev.nabla.Tensor;

/**
 * Watches the values a tensor takes during calibration and chooses its quantization parameters, like PyTorch's
 * {@code torch.ao.quantization.observer} classes. {@link StaticQuantization#prepare} attaches one to the input and to
 * the output of every quantized layer.
 */
public interface Observer {
    /** Records the values of {@code x} (any floating dtype; nothing is recorded for autograd). */
    void observe(Tensor x);

    /**
     * The parameters for the values seen so far.
     *
     * @throws IllegalStateException when the observer saw no data (calibration did not run)
     */
    QParams qparams();

    /** The integer dtype the parameters are for (uint8 or int8). */
    DType dtype();
}
