/**
 * 8-bit integer quantization, shaped like {@code torch.ao.quantization}: affine quantization parameters chosen as
 * PyTorch chooses them ({@link dev.nabla.quantization.QParams}), quantized tensors per tensor or per channel
 * ({@link dev.nabla.quantization.QuantizedTensor}), and the layers and model transformations built on them. The
 * integer products run on the int8 GEMM behind {@link dev.nabla.F#quantizedLinear} (oneDNN with VNNI on the
 * {@code cpu} device, an exact pure-Java kernel on {@code java}).
 */
package dev.nabla.quantization;
