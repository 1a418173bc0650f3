package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * What a recurrent layer ({@link RNN}, {@link LSTM}, {@link GRU}) returns.
 *
 * @param output the last layer's hidden state at every step: {@code [T, B, H]}, or {@code [B, T, H]} with
 *               {@code batchFirst}, or {@code [T, H]} for an unbatched input
 * @param h      every layer's hidden state after the last step: {@code [layers, B, H]} ({@code [layers, H]}
 *               unbatched), whatever {@code batchFirst} says, as in PyTorch
 * @param c      the LSTM's cell states after the last step, shaped like {@code h}; null for RNN and GRU
 */
public record RnnOutput(Tensor output, Tensor h, Tensor c) {
}
