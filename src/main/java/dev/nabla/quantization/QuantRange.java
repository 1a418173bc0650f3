package dev.nabla.quantization;

import dev.nabla.DType;

/**
 * The integers a quantized dtype uses: uint8 {@code [0, 255]}, int8 {@code [-128, 127]}, or with
 * {@code reduceRange} one bit less ({@code [0, 127]}, {@code [-64, 63]}), as PyTorch's observers.
 *
 * @param min the smallest integer
 * @param max the largest integer
 */
public record QuantRange(long min, long max) {
    /**
     * The range of {@code dtype}.
     *
     * @throws IllegalArgumentException when {@code dtype} is not uint8 or int8
     */
    public static QuantRange of(DType dtype, boolean reduceRange) {
        return switch (dtype) {
            case UINT8 -> reduceRange ? new QuantRange(0, 127) : new QuantRange(0, 255);
            case INT8 -> reduceRange ? new QuantRange(-64, 63) : new QuantRange(-128, 127);
            default -> throw new IllegalArgumentException("quantized dtypes are uint8 and int8, got " + dtype);
        };
    }
}
